"""Reports for the finance department, read from the database with pandas:
the summary of each released batch, and in ``creditors_only`` mode the
withheld amounts per benefits payment for the benefits system to deduct."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, select

from ontzorging.adapters.schema import (
    allocated_payments,
    allocation_lines,
    allocations,
    batches,
    benefit_payments,
    creditors,
    payment_files,
    payment_instructions,
)
from ontzorging.batches.service import write_missing_files
from ontzorging.domain.allocation import WITHHOLDABLE_KINDS
from ontzorging.domain.money import euro_decimal
from ontzorging.reports.overviews import write_text_atomically
from ontzorging.reports.spreadsheet_cells import neutralise_frame
from ontzorging.settings import Settings

EURO_FORMAT = "#,##0.00"
"""Excel's number format for euro columns (Dutch Excel shows 1.334,23)."""
EURO = "Bedrag (EUR)"
SUMMARY_SHEETS = {
    "batch": "Batch",
    "files": "Bestanden",
    "per_kind": "Per soort",
    "per_creditor": "Per crediteur",
}
"""The summary's sheets: key in :func:`batch_summary_frames`, Dutch name."""


def batch_summary_frames(conn: Connection, batch_id: int) -> dict[str, pd.DataFrame]:
    """The summary of one batch as tables with Dutch headers: batch, files,
    per kind, per creditor; amounts in euros (Decimal, never float)."""
    batch = pd.read_sql(select(batches).where(batches.c.id == batch_id), conn)
    files = pd.read_sql(
        select(
            payment_files.c.file_name,
            payment_files.c.message_id,
            payment_files.c.count,
            payment_files.c.total_cents,
            payment_files.c.sha256,
        )
        .where(payment_files.c.batch_id == batch_id)
        .order_by(payment_files.c.sequence),
        conn,
    )
    items = _summary_items(conn, batch_id)
    per_kind = items.groupby("kind", as_index=False).agg(
        count=("amount_cents", "size"), total_cents=("amount_cents", "sum")
    )
    per_creditor = items.groupby(["creditor_id", "creditor_name"], as_index=False).agg(
        count=("amount_cents", "size"), total_cents=("amount_cents", "sum")
    )
    head = batch[
        ["id", "execution_date", "status", "decided_by", "decided_at", "count", "total_cents"]
    ].copy()
    # Excel keeps no time zone: the approval time as ISO text with its offset.
    head["decided_at"] = head["decided_at"].map(
        lambda moment: moment.isoformat() if moment is not None and not pd.isna(moment) else ""
    )
    head["execution_date"] = head["execution_date"].map(str)
    _add_bank_feedback(conn, batch_id, head)
    frames = {"batch": head, "files": files, "per_kind": per_kind, "per_creditor": per_creditor}
    return {name: _in_dutch(frame) for name, frame in frames.items()}


_HEADERS = {
    "id": "Batch",
    "execution_date": "Uitvoerdatum",
    "status": "Status",
    "decided_by": "Goedgekeurd door",
    "decided_at": "Goedgekeurd op",
    "count": "Aantal",
    "file_name": "Bestand",
    "message_id": "Bericht-id",
    "sha256": "SHA-256",
    "kind": "Soort",
    "creditor_id": "Crediteur",
    "creditor_name": "Naam",
    "settled": "Afgeschreven",
    "rejected": "Geweigerd",
    "returned": "Teruggekomen",
}


def _in_dutch(frame: pd.DataFrame) -> pd.DataFrame:
    """Cents become euros (one column, not both); headers become Dutch."""
    frame = frame.copy()
    if "total_cents" in frame:
        frame[EURO] = frame.pop("total_cents").map(euro_decimal)
    return frame.rename(columns=_HEADERS)


def _summary_items(conn: Connection, batch_id: int) -> pd.DataFrame:
    pi = payment_instructions
    items = pd.read_sql(
        select(
            pi.c.kind, pi.c.creditor_id, creditors.c.name.label("creditor_name"), pi.c.amount_cents
        )
        .outerjoin(creditors, creditors.c.creditor_id == pi.c.creditor_id)
        .where(pi.c.batch_id == batch_id),
        conn,
    )
    items["creditor_id"] = items["creditor_id"].fillna("(client)")
    items["creditor_name"] = items["creditor_name"].fillna("cliënten (leefgeld)")
    return items


def batch_summary_rows(conn: Connection, batch_id: int) -> pd.DataFrame:
    """The CSV: one table, a row per creditor and kind, with the batch's
    date and approver on every row (a CSV holds one table)."""
    batch = conn.execute(select(batches).where(batches.c.id == batch_id)).mappings().one()
    items = _summary_items(conn, batch_id)
    rows = items.groupby(["creditor_id", "creditor_name", "kind"], as_index=False).agg(
        count=("amount_cents", "size"), total_cents=("amount_cents", "sum")
    )
    rows.insert(0, "id", batch_id)
    rows.insert(1, "execution_date", str(batch["execution_date"]))
    rows.insert(2, "status", batch["status"])
    rows.insert(3, "decided_by", batch["decided_by"] or "")
    return _in_dutch(rows)


FEEDBACK_STATUSES = ("settled", "rejected", "returned")


def _add_bank_feedback(conn: Connection, batch_id: int, head: pd.DataFrame) -> None:
    """Once the bank has said something about the batch: how many of its
    payments were settled, rejected and returned (columns of the batch row)."""
    pi = payment_instructions
    counts: dict[str, int] = {
        str(status): int(n)
        for status, n in conn.execute(
            select(pi.c.status, func.count(pi.c.id))
            .where(pi.c.batch_id == batch_id, pi.c.status.in_(FEEDBACK_STATUSES))
            .group_by(pi.c.status)
        )
    }
    if counts:
        for status in FEEDBACK_STATUSES:
            head[status] = int(counts.get(status, 0))


def write_batch_summary(conn: Connection, reports_dir: Path, batch_id: int) -> list[Path]:
    """``reports/batch-<id>-summary.xlsx`` (a sheet per table) and ``.csv``
    (one table, as Dutch Excel opens it: ``;``, decimal comma, UTF-8 BOM)."""
    frames = batch_summary_frames(conn, batch_id)
    reports_dir.mkdir(parents=True, exist_ok=True)
    stem = reports_dir / f"batch-{batch_id}-summary"
    csv_path = stem.with_suffix(".csv")
    write_text_atomically(csv_path, "\ufeff" + _dutch_csv_text(batch_summary_rows(conn, batch_id)))
    xlsx_path = stem.with_suffix(".xlsx")
    _write_xlsx(xlsx_path, {SUMMARY_SHEETS[name]: frame for name, frame in frames.items()})
    return [csv_path, xlsx_path]


def _dutch_csv_text(frame: pd.DataFrame) -> str:
    """One table for Dutch Excel: ``;`` between fields, ``,`` before the
    cents; names in it are data, never formulas."""
    frame = neutralise_frame(frame)
    if EURO in frame:
        frame[EURO] = frame[EURO].map(lambda euro: str(euro).replace(".", ","))
    return frame.to_csv(sep=";", index=False)


def write_release_outputs(
    conn: Connection, outbox: Path, reports_dir: Path, settings: Settings
) -> list[Path]:
    """Everything a release owes on disk: the pain.001 files not yet written
    (after a crash too, byte-identical) and the finance summary per batch."""
    return write_missing_files(conn, outbox, settings) + write_missing_batch_summaries(
        conn, reports_dir
    )


def write_missing_batch_summaries(conn: Connection, reports_dir: Path) -> list[Path]:
    """The summary of each batch awaiting approval or released, written when
    the batch is made and again when it is released: a hidden
    ``.batch-<id>-summary.status`` says which status the summary shows."""
    wanted = conn.execute(
        select(batches.c.id, batches.c.status)
        .where(batches.c.status.in_(("awaiting_approval", "released")))
        .order_by(batches.c.id)
    ).all()
    written: list[Path] = []
    for batch_id, status in wanted:
        marker = reports_dir / f".batch-{batch_id}-summary.status"
        current = (reports_dir / f"batch-{batch_id}-summary.xlsx").exists() and (
            marker.exists() and marker.read_text(encoding="utf-8") == status
        )
        if not current:
            written += write_batch_summary(conn, reports_dir, batch_id)
            write_text_atomically(marker, status)
    return written


def withheld_frame(conn: Connection, run_id: int) -> pd.DataFrame:
    """Per benefits payment allocated in ``run_id``: the amount withheld for
    fixed costs (creditors and reserves). The pool's withholding is assigned
    to its payments in payment-id order, never more than a payment's amount;
    pass-through kinds (vakantietoeslag, bijzondere bijstand) withhold nothing."""
    pays = pd.read_sql(
        select(
            benefit_payments.c.payment_id,
            benefit_payments.c.household_id,
            benefit_payments.c.period,
            benefit_payments.c.kind,
            benefit_payments.c.amount_cents,
            allocated_payments.c.allocation_id,
        )
        .join(allocated_payments, allocated_payments.c.payment_id == benefit_payments.c.payment_id)
        .join(allocations, allocations.c.id == allocated_payments.c.allocation_id)
        .where(allocations.c.run_id == run_id)
        .order_by(allocated_payments.c.allocation_id, benefit_payments.c.payment_id),
        conn,
    )
    left = _sum_by_allocation(conn, run_id)
    withheld = []
    rows = zip(
        pays["allocation_id"].tolist(),
        pays["kind"].tolist(),
        pays["amount_cents"].tolist(),
        strict=True,
    )
    for allocation_id, kind, amount_cents in rows:
        available = left.get(int(allocation_id), 0)
        part = min(int(amount_cents), available) if kind in WITHHOLDABLE_KINDS else 0
        left[int(allocation_id)] = available - part
        withheld.append(part)
    pays["withheld_cents"] = withheld
    pays["withheld_eur"] = pays["withheld_cents"].map(euro_decimal)
    pays["pay_to_client_eur"] = (pays["amount_cents"] - pays["withheld_cents"]).map(euro_decimal)
    return pays.drop(columns=["allocation_id"])


def _sum_by_allocation(conn: Connection, run_id: int) -> dict[int, int]:
    totals: dict[int, int] = {}
    rows = conn.execute(
        select(allocation_lines.c.allocation_id, allocation_lines.c.amount_cents)
        .join(allocations, allocations.c.id == allocation_lines.c.allocation_id)
        .where(allocations.c.run_id == run_id, allocation_lines.c.purpose != "pay_reserve")
    )
    for allocation_id, cents in rows:
        totals[allocation_id] = totals.get(allocation_id, 0) + int(cents)
    return totals


def write_withheld_report(conn: Connection, reports_dir: Path, run_id: int) -> list[Path]:
    """``reports/withheld-run<id>.csv`` and ``.xlsx`` for the benefits system."""
    frame = withheld_frame(conn, run_id)
    reports_dir.mkdir(parents=True, exist_ok=True)
    stem = reports_dir / f"withheld-run{run_id}"
    write_text_atomically(stem.with_suffix(".csv"), _csv_text(frame))
    _write_xlsx(stem.with_suffix(".xlsx"), {"withheld": frame})
    return [stem.with_suffix(".csv"), stem.with_suffix(".xlsx")]


def _csv_text(frame: pd.DataFrame) -> str:
    """One table as CSV text; names in it are data, never formulas."""
    return neutralise_frame(frame).to_csv(sep=";", index=False)


def _write_xlsx(path: Path, frames: dict[str, pd.DataFrame]) -> None:
    """One sheet per frame, written atomically; names in it are data, never formulas."""
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp.xlsx")
    try:
        with pd.ExcelWriter(temporary, engine="openpyxl") as writer:
            for name, frame in frames.items():
                neutralise_frame(frame).to_excel(writer, sheet_name=name, index=False)
                _format_euros(writer.sheets[name], list(frame.columns))
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _format_euros(sheet: Any, columns: list[str]) -> None:
    """Euro columns as numbers in ``#,##0.00`` (the cells hold numbers)."""
    if EURO not in columns:
        return
    for (cell,) in sheet.iter_rows(
        min_row=2, min_col=columns.index(EURO) + 1, max_col=columns.index(EURO) + 1
    ):
        cell.number_format = EURO_FORMAT
