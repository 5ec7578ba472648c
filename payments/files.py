"""Atomic, durable writing of payment files.

A pain.001 file in the outbox is imported by finance into the bank: it must appear whole or
not at all, survive a crash once reported written, never be overwritten with different
content, and be readable by the service account only (it holds names and IBANs).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Final

from payments.errors import FileConflict

FILE_MODE: Final = 0o600
_TEMP_NAME: Final = re.compile(r"\..+\.tmp")


def temp_path_for(path: Path) -> Path:
    """``dir/.name.tmp`` beside the target: same filesystem, so the rename is atomic."""
    return path.with_name(f".{path.name}.tmp")


def write_atomically(path: str | os.PathLike[str], data: bytes) -> str:
    """Write ``data`` to ``path`` atomically with mode 0600; return its SHA-256 (hex).

    Steps: write ``.<name>.tmp`` in the same directory, fsync it, rename it over the target,
    fsync the directory (so the rename itself survives a crash). If the target already holds
    exactly ``data`` this is a no-op (a retried run); if it holds anything else
    :class:`FileConflict` is raised and nothing is changed. The caller serialises writers to
    one directory (the run lock); two concurrent writers of one name are not supported.
    """
    target = Path(path)
    digest = hashlib.sha256(data).hexdigest()
    if target.exists():
        if _sha256_of(target) == digest:
            return digest
        raise FileConflict(f"{target} already exists with different content; not overwritten")
    publish(stage(target, data), target)
    return digest


def stage(path: Path, data: bytes) -> Path:
    """Write ``data`` durably to the temp file beside ``path``; return the temp file.

    Staging apart from :func:`publish` lets a caller record the delivery in
    between: a crash then leaves a recorded file whose temp file is still
    there to publish, never a published file that is not recorded."""
    temp = temp_path_for(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(temp, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)  # the temp file may have survived a crash with other bits
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        temp.unlink(missing_ok=True)
        raise
    os.close(fd)
    return temp


def publish(temp: Path, path: Path) -> None:
    """Rename the staged ``temp`` over ``path`` and make the rename durable."""
    os.replace(temp, path)
    _fsync_directory(path.parent)


def staged_files(directory: str | os.PathLike[str]) -> dict[str, Path]:
    """Final name -> temp file, for every ``.<name>.tmp`` in ``directory``."""
    return {
        entry.name[1:-4]: entry
        for entry in sorted(Path(directory).iterdir())
        if _TEMP_NAME.fullmatch(entry.name) and entry.is_file()
    }


def clean_temp_files(directory: str | os.PathLike[str]) -> tuple[str, ...]:
    """Remove ``.<name>.tmp`` files left by an interrupted write; return their names."""
    removed = []
    for entry in sorted(Path(directory).iterdir()):
        if _TEMP_NAME.fullmatch(entry.name) and not entry.is_dir():
            entry.unlink(missing_ok=True)
            removed.append(entry.name)
    if removed:
        _fsync_directory(Path(directory))
    return tuple(removed)


def sha256_of_file(path: str | os.PathLike[str]) -> str:
    return _sha256_of(Path(path))


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
