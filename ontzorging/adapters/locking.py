"""Mutual exclusion of runs: one writer at a time per database.

PostgreSQL: a session-level advisory lock on a connection held for the
duration. SQLite: an exclusive ``flock`` on a lock file beside the database.
Either way a second runner fails at once with :class:`LockHeld` (exit 75)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, text

ADVISORY_LOCK_KEY = 56_0000_01  # "56a", run lock; any fixed bigint will do


class LockHeld(Exception):
    """Another run holds the lock."""


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Connection]:
    """One use case's changes: under the run lock, in one transaction that
    commits when the block ends and rolls back if it raises."""
    with run_lock(engine), engine.begin() as conn:
        yield conn


@contextmanager
def run_lock(engine: Engine) -> Iterator[None]:
    if engine.dialect.name == "postgresql":
        with _advisory_lock(engine):
            yield
    else:
        database = engine.url.database or ""
        lock_path = Path(f"{database}.lock") if database else None
        if lock_path is None or database == ":memory:":
            yield
            return
        with _file_lock(lock_path):
            yield


@contextmanager
def _advisory_lock(engine: Engine) -> Iterator[None]:
    with engine.connect() as conn:
        got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY})
        if not got.scalar():
            raise LockHeld("another ontzorging run holds the lock on this database")
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
            conn.commit()


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise LockHeld(f"another ontzorging run holds the lock {path}") from exc
        yield
    finally:
        os.close(fd)
