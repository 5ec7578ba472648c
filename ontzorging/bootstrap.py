"""The one place that builds the application: data home, settings, engine
and clock. Nothing connects at import time."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from ontzorging.db import make_engine, require_head
from ontzorging.settings import Settings, load_settings

HOME_DIRS = (
    "inbox/bijstand",
    "inbox/bank",
    "outbox/sepa",
    "overviews",
    "reports",
    "archive",
    "quarantine",
)


class ClockError(Exception):
    """ONTZORGING_TODAY is not a date."""


@dataclass(frozen=True)
class Home:
    root: Path

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.root / 'ontzorging.db'}"

    def path(self, name: str) -> Path:
        return self.root / name

    def create(self) -> None:
        for name in HOME_DIRS:
            (self.root / name).mkdir(parents=True, exist_ok=True)


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
) -> App:
    resolved = resolve_home(home)
    config_path = config or os.environ.get("ONTZORGING_CONFIG") or None
    settings = load_settings(Path(config_path) if config_path else None)
    url = database_url or os.environ.get("ONTZORGING_DATABASE_URL") or resolved.database_url
    if url.startswith("sqlite") and url == resolved.database_url:
        resolved.root.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    if require_schema:
        require_head(engine)
    return App(resolved, settings, engine, make_clock(settings))
