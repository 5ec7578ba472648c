"""Shared fixtures: a migrated database on SQLite, and on PostgreSQL when
ONTZORGING_TEST_POSTGRES_URL is set (each test gets its own database, made
and dropped here)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, text

from ontzorging.adapters import pdf as pdf_output
from ontzorging.adapters.db import make_engine, upgrade_to_head

POSTGRES_URL = os.environ.get("ONTZORGING_TEST_POSTGRES_URL", "")
NOW = datetime(2026, 3, 28, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


def _admin_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    with postgres_database() as url:
        yield url


@contextmanager
def postgres_database(prefix: str = "ontz_test") -> Iterator[str]:
    """A fresh PostgreSQL database for a test, dropped afterwards (skips
    without ONTZORGING_TEST_POSTGRES_URL)."""
    if not POSTGRES_URL:
        pytest.skip("ONTZORGING_TEST_POSTGRES_URL is not set")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(_admin_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A database migrated to head."""
    eng = make_engine(database_url)
    upgrade_to_head(eng)
    yield eng
    eng.dispose()


# Time belongs in benchmarks, not in tests: no per-example deadline, so a
# loaded CI machine cannot fail a property test on speed alone.
from hypothesis import settings as hypothesis_settings  # noqa: E402

hypothesis_settings.register_profile("ontzorging", deadline=None)
hypothesis_settings.load_profile("ontzorging")


@pytest.fixture
def chromium() -> Iterator[Path]:
    """Headless Chromium for the PDF tests; they skip without it or pdftotext."""
    found = pdf_output.find_chromium()
    if found is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium)")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (Debian: apt-get install poppler-utils)")
    yield found
