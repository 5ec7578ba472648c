"""The data home is readable by its owner only: it holds BSNs, names and IBANs.

A process that writes into the home first sets the umask to 0o077
(:func:`owner_only_umask`), so every file and folder it creates is 0600 or
0700 whatever umask it was started with; ``os.replace`` keeps that mode.
What the umask cannot reach is tightened here explicitly: folders that existed
before (``mkdir(exist_ok=True)`` leaves their mode alone) and files moved in by
rename, which keep the mode they were dropped with."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

OWNER_ONLY_UMASK: Final = 0o077
PRIVATE_DIR_MODE: Final = 0o700
PRIVATE_FILE_MODE: Final = 0o600


def owner_only_umask() -> None:
    """Make everything this process creates from now on private to its owner."""
    os.umask(OWNER_ONLY_UMASK)


def private_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) if needed, and make it 0700."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    os.chmod(path, PRIVATE_DIR_MODE)
    return path


def private_file(path: Path) -> Path:
    """Make the file at ``path`` 0600 (a file moved in keeps its old mode)."""
    os.chmod(path, PRIVATE_FILE_MODE)
    return path
