"""Reports are data, not code: names that look like formulas (a household, a
creditor, a coach, an approver's ``--by``) reach the caseload report, the
batch summary and the withheld report as text, in the XLSX (read back with
openpyxl) and in the CSV."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import Engine, update

from ontzorging.adapters.schema import creditors, households, runs
from ontzorging.allocation.allocate import allocate_due
from ontzorging.batches.finance_summary import write_release_outputs, write_withheld_report
from ontzorging.batches.service import gather_batches, release_batch
from ontzorging.entrypoints import demo_data
from ontzorging.reports.caseload import write_caseload_report
from ontzorging.settings import load_settings
from tests.conftest import NOW
from tests.scenario import import_text, load_registers

MARCH = date(2026, 3, 1)
PAYDAY = date(2026, 3, 26)
HOUSEHOLD_NAME = '=HYPERLINK("http://x","klik")'
CREDITOR_NAME = '=HYPERLINK("http://x","klik")'
COACH = "@SUM(A1)"
APPROVER = "=cmd|' /C calc'!A0"
FORMULA_STARTS = ("=", "+", "-", "@")


def _runs_in_a_spreadsheet(text: str) -> bool:
    return text.lstrip().startswith(FORMULA_STARTS) or text.startswith(("\t", "\r", "\n"))


@pytest.fixture
def reports(engine: Engine, tmp_path: Path) -> Path:
    """The demo registers with hostile names, one March run in
    ``creditors_only`` mode (so the withheld report is written too), one
    batch approved by a hostile ``--by``. The names are written straight into
    the database: whatever the imports accept, the reports must stay data."""
    settings = load_settings()
    settings = replace(
        settings, allocation=replace(settings.allocation, payout_mode="creditors_only")
    )
    load_registers(engine, tmp_path)
    import_text(engine, "bijstand", demo_data.bijstand_file(MARCH), tmp_path)
    directory = tmp_path / "reports"
    with engine.begin() as conn:
        conn.execute(
            update(households)
            .where(households.c.household_id == "A")
            .values(name=HOUSEHOLD_NAME, coach=COACH)
        )
        conn.execute(
            update(creditors).where(creditors.c.creditor_id == "WOON").values(name=CREDITOR_NAME)
        )
        run_id = conn.execute(
            runs.insert().values(
                kind="nightly", as_of=PAYDAY, started_at=NOW, status="running", counts="{}"
            )
        ).inserted_primary_key[0]
        allocate_due(conn, PAYDAY, settings, run_id, NOW)
        gather_batches(conn, PAYDAY, settings, run_id, NOW)
        assert release_batch(conn, 1, APPROVER, NOW, settings) is True
    with engine.begin() as conn:
        write_release_outputs(conn, tmp_path / "outbox", directory, settings)
        write_caseload_report(conn, directory, MARCH)
        write_withheld_report(conn, directory, run_id)
    return directory


def _xlsx_cells(path: Path) -> list[Any]:
    workbook = openpyxl.load_workbook(path)  # not data_only: formulas stay formulas
    return [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]


def _csv_cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8", newline="") as stream:
        return [cell for row in csv.reader(stream, delimiter=";") for cell in row]


def test_no_xlsx_cell_is_a_formula(reports: Path) -> None:
    paths = sorted(reports.glob("*.xlsx"))
    assert {p.name for p in paths} == {
        "batch-1-summary.xlsx",
        "caseload-2026-03.xlsx",
        "withheld-run1.xlsx",
    }
    texts: list[str] = []
    for path in paths:
        cells = _xlsx_cells(path)
        assert [c.coordinate for c in cells if c.data_type == "f"] == [], path.name
        strings = [c.value for c in cells if isinstance(c.value, str)]
        assert [s for s in strings if _runs_in_a_spreadsheet(s)] == [], path.name
        assert all(c.data_type == "s" for c in cells if isinstance(c.value, str)), path.name
        texts += strings
    for hostile in (HOUSEHOLD_NAME, CREDITOR_NAME, COACH, APPROVER):
        assert "'" + hostile in texts  # still there to read, as text


def test_the_csv_carries_the_names_quote_prefixed(reports: Path) -> None:
    summary = _csv_cells(reports / "batch-1-summary.csv")
    assert "'" + CREDITOR_NAME in summary and "'" + APPROVER in summary
    assert CREDITOR_NAME not in summary and APPROVER not in summary
    for path in sorted(reports.glob("*.csv")):
        cells = _csv_cells(path)
        assert [c for c in cells if _runs_in_a_spreadsheet(c) and not _is_number(c)] == []


def _is_number(text: str) -> bool:
    """A negative amount in a CSV is a number, and fine as one."""
    try:
        float(text)
    except ValueError:
        return False
    return True
