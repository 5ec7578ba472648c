"""The one place that builds the application: data home, settings, engine
and clock. Nothing connects at import time."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from ontzorging.adapters.db import make_engine, require_head
from ontzorging.adapters.private_files import PRIVATE_DIR_MODE, private_dir, private_file
from ontzorging.settings import Settings, SettingsError, load_settings

DATABASE_FILE = "ontzorging.db"
HOME_DIRS = (
    "inbox/bijstand",
    "inbox/bank",
    "outbox/sepa",
    "overviews",
    "print",
    "reports",
    "archive",
    "quarantine",
    "logs",
)


class ClockError(Exception):
    """ONTZORGING_TODAY is not a date."""


class HomeNotWritable(Exception):
    """A command that writes was started on a data home it cannot write to."""


@dataclass(frozen=True)
class Home:
    root: Path

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.root / DATABASE_FILE}"

    @property
    def read_only_database_url(self) -> str:
        """The home's SQLite database opened without writing anything.

        In WAL mode SQLite creates ``-shm`` beside the database even to read,
        which a read-only folder refuses. With no ``-wal`` file the last
        writer closed cleanly and everything is in the database file, so
        ``immutable`` (no ``-shm``, no locking) reads it all. A ``-wal`` file
        may hold commits not yet copied into the database, which
        ``immutable`` would not see: then SQLite reads through the ``-wal``
        and ``-shm`` that are there."""
        database = self.root / DATABASE_FILE
        wal_exists = database.with_name(f"{DATABASE_FILE}-wal").exists()
        flags = "mode=ro" if wal_exists else "mode=ro&immutable=1"
        return f"sqlite:///file:{database}?{flags}&uri=true"

    def path(self, name: str) -> Path:
        return self.root / name

    def create(self) -> None:
        """Make the home and its folders, 0700; tighten a home made before
        (by hand or by an older version) and its database files likewise."""
        private_dir(self.root)
        for name in HOME_DIRS:
            for folder in (*reversed(Path(name).parents[:-1]), Path(name)):
                private_dir(self.root / folder)
        for database_file in self.root.glob(f"{DATABASE_FILE}*"):
            if database_file.is_file() and not database_file.is_symlink():
                private_file(database_file)

    def is_writable(self) -> bool:
        """False for a home that exists but this user may not write to."""
        return not self.root.exists() or os.access(self.root, os.W_OK)


@dataclass(frozen=True)
class Clock:
    """Today in the configured time zone, or the fixed ``ONTZORGING_TODAY``.

    ``now()`` is today's date at the current wall-clock time, so a replayed
    half-year books timestamps inside the day it replays."""

    timezone: ZoneInfo
    fixed_today: date | None = None

    def today(self) -> date:
        return self.fixed_today or datetime.now(self.timezone).date()

    def now(self) -> datetime:
        wall = datetime.now(self.timezone)
        if self.fixed_today is None:
            return wall
        return datetime.combine(self.fixed_today, wall.timetz())


@dataclass(frozen=True)
class App:
    home: Home
    settings: Settings
    engine: Engine
    clock: Clock


def resolve_home(home: str | Path | None) -> Home:
    root = home or os.environ.get("ONTZORGING_HOME") or "./ontzorging-data"
    return Home(Path(root).resolve())


def make_clock(settings: Settings) -> Clock:
    text = os.environ.get("ONTZORGING_TODAY", "").strip()
    fixed = None
    if text:
        try:
            fixed = date.fromisoformat(text)
        except ValueError as exc:
            raise ClockError(f"ONTZORGING_TODAY: {text!r} is not a date YYYY-MM-DD") from exc
    return Clock(ZoneInfo(settings.schedule.timezone), fixed)


def bootstrap(
    home: str | Path | None = None,
    config: str | Path | None = None,
    database_url: str | None = None,
    *,
    require_schema: bool = True,
    read_only: bool = False,
) -> App:
    """``read_only``: the command only reads, so a home it may not write to
    is fine (its SQLite database is then opened read-only); a command that
    writes is refused such a home with :class:`HomeNotWritable`."""
    resolved = resolve_home(home)
    config_path = config or os.environ.get("ONTZORGING_CONFIG") or None
    settings = load_settings(Path(config_path) if config_path else None)
    url = database_url or os.environ.get("ONTZORGING_DATABASE_URL") or resolved.database_url
    writable = resolved.is_writable()
    if not writable and not read_only:
        raise HomeNotWritable(f"the data home {resolved.root} is not writable")
    if url == resolved.database_url:
        if writable:
            resolved.root.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        else:
            url = resolved.read_only_database_url
    try:
        engine = make_engine(url)
    except (ArgumentError, NoSuchModuleError) as exc:  # the text would echo a password
        raise SettingsError("database URL: not a database URL this program can use") from exc
    if require_schema:
        require_head(engine)
    return App(resolved, settings, engine, make_clock(settings))
