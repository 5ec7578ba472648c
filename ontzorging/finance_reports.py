"""Reports for the finance department, read from the database with pandas:
the summary of each released batch, and in ``creditors_only`` mode the
withheld amounts per benefits payment for the benefits system to deduct."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, func, select

from ontzorging.allocation import WITHHOLDABLE_KINDS
from ontzorging.batching import write_missing_files
from ontzorging.overviews import write_text_atomically
from ontzorging.schema import (
    allocated_payments,
    allocation_lines,
    allocations,
    batches,
    benefit_payments,
    creditors,
    payment_files,
    payment_instructions,
)
from ontzorging.settings import Settings
from ontzorging.spreadsheet_cells import neutralise_frame


def _euro(cents: int) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(Decimal("0.01"))


def batch_summary_frames(conn: Connection, batch_id: int) -> dict[str, pd.DataFrame]:
    """The summary of one batch as tables: batch, files, per kind, per creditor."""
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
    items["creditor_name"] = items["creditor_name"].fillna("clients (leefgeld)")
    per_kind = items.groupby("kind", as_index=False).agg(
        count=("amount_cents", "size"), total_cents=("amount_cents", "sum")
    )
    per_creditor = items.groupby(["creditor_id", "creditor_name"], as_index=False).agg(
        count=("amount_cents", "size"), total_cents=("amount_cents", "sum")
    )
    head = batch[
        ["id", "execution_date", "status", "decided_by", "decided_at", "count", "total_cents"]
    ].rename(columns={"id": "batch_id", "decided_by": "approved_by", "decided_at": "approved_at"})
    # Excel keeps no time zone: write the approval time as ISO text with its offset.
    head["approved_at"] = head["approved_at"].map(
        lambda moment: moment.isoformat() if moment is not None and not pd.isna(moment) else ""
    )
    _add_bank_feedback(conn, batch_id, head)
    frames = {"batch": head, "files": files, "per_kind": per_kind, "per_creditor": per_creditor}
    for frame in frames.values():
        if "total_cents" in frame:
            frame["total_eur"] = frame["total_cents"].map(_euro)
    return frames


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
    """``reports/batch-<id>-summary.csv`` (sections one after another) and ``.xlsx``."""
    frames = batch_summary_frames(conn, batch_id)
    reports_dir.mkdir(parents=True, exist_ok=True)
    stem = reports_dir / f"batch-{batch_id}-summary"
    parts = []
    for name, frame in frames.items():
        parts.append(f"# {name}\n" + _csv_text(frame))
    csv_path = stem.with_suffix(".csv")
    write_text_atomically(csv_path, "\n".join(parts))
    xlsx_path = stem.with_suffix(".xlsx")
    _write_xlsx(xlsx_path, frames)
    return [csv_path, xlsx_path]


def write_release_outputs(
    conn: Connection, outbox: Path, reports_dir: Path, settings: Settings
) -> list[Path]:
    """Everything a release owes on disk: the pain.001 files not yet written
    (after a crash too, byte-identical) and the finance summary per batch."""
    return write_missing_files(conn, outbox, settings) + write_missing_batch_summaries(
        conn, reports_dir
    )


def write_missing_batch_summaries(conn: Connection, reports_dir: Path) -> list[Path]:
    released = conn.execute(
        select(batches.c.id).where(batches.c.status == "released").order_by(batches.c.id)
    ).scalars()
    written: list[Path] = []
    for batch_id in released:
        if not (reports_dir / f"batch-{batch_id}-summary.xlsx").exists():
            written += write_batch_summary(conn, reports_dir, batch_id)
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
    pays["withheld_eur"] = pays["withheld_cents"].map(_euro)
    pays["pay_to_client_eur"] = (pays["amount_cents"] - pays["withheld_cents"]).map(_euro)
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
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
