"""Drive the real use cases with the demo municipality's files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from ontzorging.allocation.allocate import allocate_due
from ontzorging.entrypoints import demo_data
from ontzorging.intake.imports import ImportOutcome, import_file
from ontzorging.settings import Settings, load_settings
from tests.conftest import NOW


def import_text(
    engine: Engine, kind: str, text: str, tmp_path: Path, name: str = ""
) -> ImportOutcome:
    path = tmp_path / (name or f"{kind}.csv")
    path.write_text(text, encoding="utf-8")
    with engine.begin() as conn:
        return import_file(conn, kind, path, "test", NOW)


def load_registers(engine: Engine, tmp_path: Path) -> None:
    import_text(engine, "creditors", demo_data.CREDITORS, tmp_path)
    import_text(engine, "households", demo_data.HOUSEHOLDS, tmp_path)
    import_text(engine, "obligations", demo_data.OBLIGATIONS, tmp_path)


def run_months(
    engine: Engine,
    tmp_path: Path,
    months: tuple[date, ...] = demo_data.MONTHS,
    settings: Settings | None = None,
) -> None:
    settings = settings or load_settings()
    for month in months:
        import_text(
            engine,
            "bijstand",
            demo_data.bijstand_file(month),
            tmp_path,
            f"bijstand-{month:%Y-%m}.csv",
        )
        with engine.begin() as conn:
            allocate_due(conn, month.replace(day=26), settings, None, NOW)
