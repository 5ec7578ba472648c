"""Finance reports: the batch summary and the withheld amounts per payment."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
from sqlalchemy import Engine, func, select

from ontzorging.adapters.schema import allocations, payment_instructions, runs
from ontzorging.allocation.allocate import allocate_due
from ontzorging.batches.finance_summary import (
    EURO,
    EURO_FORMAT,
    write_release_outputs,
    write_withheld_report,
)
from ontzorging.batches.service import gather_batches, release_batch
from ontzorging.entrypoints import demo_data
from ontzorging.settings import load_settings
from tests.conftest import NOW
from tests.scenario import import_text, load_registers


def _euros(column: pd.Series) -> Decimal:  # type: ignore[type-arg]
    """The sum of a column of euro numbers, to the cent."""
    return sum((Decimal(str(v)).quantize(Decimal("0.01")) for v in column), Decimal(0))


def test_batch_summary_adds_up_to_the_file(engine: Engine, tmp_path: Path) -> None:
    settings = load_settings()
    load_registers(engine, tmp_path)
    import_text(engine, "bijstand", demo_data.bijstand_file(date(2026, 3, 1)), tmp_path)
    with engine.begin() as conn:
        allocate_due(conn, date(2026, 3, 26), settings, None, NOW)
        gather_batches(conn, date(2026, 3, 26), settings, None, NOW)
        release_batch(conn, 1, "M. de Vries", NOW, settings)
    with engine.begin() as conn:
        written = write_release_outputs(conn, tmp_path / "out", tmp_path / "rep", settings)
        total = conn.execute(select(func.sum(payment_instructions.c.amount_cents))).scalar()
    assert {p.name for p in written} >= {"batch-1-summary.csv", "batch-1-summary.xlsx"}
    sheets = pd.read_excel(tmp_path / "rep" / "batch-1-summary.xlsx", sheet_name=None)
    assert list(sheets) == ["Batch", "Bestanden", "Per soort", "Per crediteur"]
    euros = Decimal(total) / 100
    for sheet in sheets.values():  # euro numbers, not text, and no cents beside them
        assert sheet[EURO].dtype == float and not any("cents" in c for c in sheet.columns)
    assert _euros(sheets["Batch"][EURO]) == euros
    assert _euros(sheets["Per soort"][EURO]) == euros
    assert _euros(sheets["Per crediteur"][EURO]) == euros
    assert _euros(sheets["Bestanden"][EURO]) == euros
    assert len(sheets["Bestanden"]["SHA-256"][0]) == 64
    assert "Afgeschreven" not in sheets["Batch"]  # no bank feedback yet
    assert list(sheets["Batch"].columns) == [
        "Batch",
        "Uitvoerdatum",
        "Status",
        "Goedgekeurd door",
        "Goedgekeurd op",
        "Aantal",
        EURO,
    ]
    assert set(sheets["Per soort"]["Soort"]) == {
        "huur",
        "energie",
        "water",
        "zorgverzekering",
        "leefgeld",
    }
    workbook = openpyxl.load_workbook(tmp_path / "rep" / "batch-1-summary.xlsx")
    cell = workbook["Batch"]["G2"]
    assert cell.number_format == EURO_FORMAT and isinstance(cell.value, (int, float))
    csv_path = tmp_path / "rep" / "batch-1-summary.csv"
    assert csv_path.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    table = pd.read_csv(csv_path, sep=";", decimal=",", encoding="utf-8-sig")
    assert table[EURO].dtype == float and _euros(table[EURO]) == euros
    assert set(table["Soort"]) == set(sheets["Per soort"]["Soort"])
    assert set(table["Goedgekeurd door"]) == {"M. de Vries"}
    with engine.begin() as conn:  # a second call writes nothing new
        assert write_release_outputs(conn, tmp_path / "out", tmp_path / "rep", settings) == []


def test_creditors_only_reports_the_withheld_amount_per_payment(
    engine: Engine, tmp_path: Path
) -> None:
    settings = load_settings()
    settings = replace(
        settings, allocation=replace(settings.allocation, payout_mode="creditors_only")
    )
    load_registers(engine, tmp_path)
    import_text(engine, "bijstand", demo_data.bijstand_file(date(2026, 3, 1)), tmp_path)
    with engine.begin() as conn:
        run_id = conn.execute(
            runs.insert().values(
                kind="nightly",
                as_of=date(2026, 3, 26),
                started_at=NOW,
                status="running",
                counts="{}",
            )
        ).inserted_primary_key[0]
        allocate_due(conn, date(2026, 3, 26), settings, run_id, NOW)
        clients = conn.execute(
            select(func.count())
            .select_from(payment_instructions)
            .where(payment_instructions.c.creditor_id.is_(None))
        ).scalar()
        payout = conn.execute(select(func.sum(allocations.c.payout_cents))).scalar()
    assert clients == 0  # the benefits system pays the client, not us
    with engine.connect() as conn:
        paths = write_withheld_report(conn, tmp_path, run_id)
    frame = pd.read_csv(paths[0], sep=";", dtype={"payment_id": str})
    by_id = dict(zip(frame["payment_id"], frame["withheld_cents"], strict=True))
    assert by_id["2026-03-A"] == 86740 and by_id["2026-03-D"] == 95302
    assert by_id["2026-02-E-nabetaling"] == 10000  # it covers February's shortfall first
    assert int((frame["amount_cents"] - frame["withheld_cents"]).sum()) == payout
    assert "bsn" not in frame.columns
