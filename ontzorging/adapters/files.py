"""A report, overview or PDF is written whole or not at all: into a temporary
file beside it, then renamed over it (a rename within a directory is atomic),
so a reader or a crash never sees half a file. The temporary file is removed
whatever happens. Payment files for the bank have stricter rules of their own
(fsync, never overwritten, SHA-256 recorded): :mod:`payments.files`."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def replacing(path: Path, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path to write; it replaces ``path`` when the block ends
    without an error. ``suffix`` keeps an extension a writer insists on."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}{suffix}")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_text_atomically(path: Path, text: str) -> None:
    with replacing(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


def write_bytes_atomically(path: Path, data: bytes) -> None:
    with replacing(path) as temporary:
        temporary.write_bytes(data)
