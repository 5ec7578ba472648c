"""Engine creation and schema version control. The schema comes only from
the Alembic history in ``migrations/``; commands refuse a database that is
not at head."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event


class DatabaseNotReady(Exception):
    """The database is missing or not at the newest schema version."""


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        # A connection is handed between threads (one at a time: see
        # ontzorging.adapters.overlap), which sqlite3 refuses unless told it is safe.
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    # 64 MiB of page cache: a nightly run's indexes stay in memory while it
    # writes (the default 2 MiB made index maintenance four times the insert).
    cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    cursor.close()


SQLITE_CACHE_KIB = 65536
SQLITE_IMPORT_CACHE_KIB = 16384
"""An import holds the rows of a whole file in memory (a 50 MB file is half
a million rows); a smaller page cache meanwhile keeps it within 400 MB, at
no measured cost in time (55.6 s against 59.9 s for 539,084 rows)."""


@contextmanager
def import_page_cache(conn: Connection) -> Iterator[None]:
    """The smaller SQLite page cache while a file is imported; no-op elsewhere."""
    if conn.dialect.name != "sqlite":
        yield
        return
    conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(resources.files("migrations")))
    config.attributes["engine"] = engine
    return config


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade_to_head(engine: Engine) -> None:
    command.upgrade(alembic_config(engine), "head")


def require_head(engine: Engine) -> None:
    current, head = current_revision(engine), head_revision(engine)
    if current != head:
        state = "has no schema" if current is None else f"is at version {current}"
        raise DatabaseNotReady(
            f"the database {state}, not the current version {head}: run `ontzorging init`"
        )
