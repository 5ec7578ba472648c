"""Missing batch debits (issue 12, DOMAIN.md R7): a released payment file
whose debit has not appeared on an imported bank statement two TARGET
business days after its execution date raises a finance signal (household
NULL, kind ``debit_missing``, subject the file and its PmtInfId).

A file's debit has appeared when a statement settled any of its payments,
by its batch debit (PmtInfId) or one by one (EndToEndId): both leave a
``settled`` feedback item per payment. A file whose every payment the bank
rejected is not debited, so it is not missing. Nothing is checked until a
first camt.053 has been imported: an installation that does not read its
statements yet would otherwise signal every file. From then on every
released file is checked, once: its signal is raised once and stays until
finance resolves it."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from ontzorging.adapters.dbutil import insert_ignoring_duplicates
from ontzorging.adapters.schema import (
    bank_documents,
    bank_feedback_items,
    batches,
    payment_files,
    payment_instructions,
    signals,
)
from ontzorging.domain.texts import shorten
from ontzorging.register.signals import signal_row
from payments.calendar import target_business_days_after

SIGNAL_KIND = "debit_missing"
DEBIT_DUE_BUSINESS_DAYS = 2  # a statement shows the debit by the second TARGET day after


def debit_overdue(execution_date: date, as_of: date) -> bool:
    """Pure: the debit should be on a statement by ``as_of``."""
    return as_of > target_business_days_after(execution_date, DEBIT_DUE_BUSINESS_DAYS)


def raise_missing_debit_signals(conn: Connection, as_of: date) -> int:
    """Signal every released payment file whose debit is overdue; returns how many."""
    reads_statements = conn.execute(
        select(bank_documents.c.id).where(bank_documents.c.kind == "camt.053").limit(1)
    ).first()
    if reads_statements is None:
        return 0
    pf, b = payment_files, batches
    files = conn.execute(
        select(pf, b.c.execution_date)
        .join(b, b.c.id == pf.c.batch_id)
        .where(b.c.status == "released")
        .order_by(pf.c.id)
    ).mappings()
    signalled = set(
        conn.execute(
            select(signals.c.subject).where(
                signals.c.kind == SIGNAL_KIND, signals.c.household_id.is_(None)
            )
        ).scalars()
    )
    raised = []
    for row in files:
        subject = _subject(row)
        if subject in signalled or not debit_overdue(row["execution_date"], as_of):
            continue
        if not _debit_missing(conn, row):
            continue
        detail = (
            f"batch {row['batch_id']}, file {row['file_name']} ({row['count']} payments, "
            f"{row['total_cents']} cents, executed {row['execution_date']}): no debit on an "
            f"imported bank statement {DEBIT_DUE_BUSINESS_DAYS} TARGET business days later; "
            "ask the bank whether the file was executed"
        )
        raised.append(signal_row(None, SIGNAL_KIND, subject, as_of, shorten(detail, 300)))
    return insert_ignoring_duplicates(conn, signals, raised)


def _subject(row: Any) -> str:
    return shorten(f"{row['file_name']} {row['payment_info_id']}", 120)


def _debit_missing(conn: Connection, file_row: Any) -> bool:
    """No payment of the file settled, and not every one of them rejected."""
    pi, bfi = payment_instructions, bank_feedback_items
    ids = _file_ids(conn, file_row)
    if not ids:
        return False
    lowest, highest = ids
    in_file = (pi.c.batch_id == file_row["batch_id"]) & (pi.c.id >= lowest) & (pi.c.id <= highest)
    settled = conn.execute(
        select(bfi.c.id)
        .join(pi, pi.c.id == bfi.c.instruction_id)
        .where(in_file, bfi.c.outcome == "settled")
        .limit(1)
    ).first()
    if settled is not None:
        return False
    not_rejected = conn.execute(
        select(pi.c.id).where(in_file, pi.c.status != "rejected").limit(1)
    ).first()
    return not_rejected is not None


def _file_ids(conn: Connection, file_row: Any) -> tuple[int, int] | None:
    """The lowest and highest instruction id written in one file: the file's
    slice of its batch in instruction id order (as the files are planned)."""
    before = conn.execute(
        select(func.coalesce(func.sum(payment_files.c.count), 0)).where(
            payment_files.c.batch_id == file_row["batch_id"],
            payment_files.c.sequence < file_row["sequence"],
        )
    ).scalar_one()
    pi = payment_instructions
    ids = list(
        conn.execute(
            select(pi.c.id)
            .where(pi.c.batch_id == file_row["batch_id"])
            .order_by(pi.c.id)
            .offset(int(before))
            .limit(file_row["count"])
        ).scalars()
    )
    return (ids[0], ids[-1]) if ids else None
