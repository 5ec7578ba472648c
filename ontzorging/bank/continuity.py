"""Statement continuity (camt.053): per account, each statement opens with the
previous statement's closing balance and its electronic sequence number
follows the previous one. A gap or a mismatch is reported and signalled for
finance, never silently accepted; the statement is recorded all the same, so
the next one is compared with it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from ontzorging.adapters.dbutil import insert_ignoring_duplicates
from ontzorging.adapters.schema import bank_statements, signals
from ontzorging.domain.texts import shorten
from ontzorging.register.signals import signal_row
from payments.camt_reader import Statement

SIGNAL_KIND = "statement_gap"


def continuity_problems(previous: Any, statement: Statement) -> list[str]:
    """Pure: what breaks the chain from ``previous`` (a bank_statements row) to ``statement``."""
    if previous is None:
        return []
    problems = []
    opening = statement.opening_balance.amount_cents if statement.opening_balance else None
    if opening != previous["closing_balance_cents"]:
        problems.append(
            f"opens with {opening} cents, but statement {previous['statement_id']} "
            f"closed with {previous['closing_balance_cents']} cents"
        )
    seq, before = statement.electronic_sequence_number, previous["electronic_sequence_number"]
    if seq is not None and before is not None and seq != before + 1:
        problems.append(
            f"sequence number {seq} does not follow {before} "
            f"(statement {previous['statement_id']}): a statement is missing or repeated"
        )
    return problems


def check_continuity(
    conn: Connection, document_id: int, statements: Sequence[Statement], now: datetime
) -> list[str]:
    """Record each statement; report and signal every break in the chain."""
    problems: list[str] = []
    for statement in statements:
        bs = bank_statements
        previous = (
            conn.execute(
                select(bs)
                .where(bs.c.account_iban == statement.account_iban)
                .order_by(bs.c.id.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
        repeated = conn.execute(
            select(bs.c.id).where(
                bs.c.account_iban == statement.account_iban,
                bs.c.statement_id == statement.statement_id,
            )
        ).first()
        if repeated is not None:
            problems.append(
                f"statement {statement.statement_id} of {statement.account_iban} was imported "
                "before from another document; its entries are matched, it is not recorded again"
            )
            continue
        found = continuity_problems(previous, statement)
        subject = shorten(f"{statement.account_iban} {statement.statement_id}", 120)
        for text in found:
            problems.append(f"statement {subject}: {text}")
        if found:
            detail = shorten("; ".join(found), 300)
            insert_ignoring_duplicates(
                conn, signals, [signal_row(None, SIGNAL_KIND, subject, now.date(), detail)]
            )
        opening, closing = statement.opening_balance, statement.closing_balance
        conn.execute(
            bs.insert().values(
                document_id=document_id,
                account_iban=statement.account_iban,
                statement_id=statement.statement_id,
                electronic_sequence_number=statement.electronic_sequence_number,
                opening_balance_cents=opening.amount_cents if opening else None,
                opening_date=opening.date if opening else None,
                closing_balance_cents=closing.amount_cents if closing else None,
                closing_date=closing.date if closing else None,
            )
        )
    return problems
