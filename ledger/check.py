"""Read-side invariants of the ledger, checked over the whole database."""

from __future__ import annotations

from sqlalchemy import Connection, func, select

from ledger.accounts import ROOTS
from ledger.schema import ledger_entries, ledger_postings

# Violations reported per rule; enough to act on without flooding a terminal.
MAX_REPORTED = 20


def check_ledger(conn: Connection) -> list[str]:
    """Every violation found, as readable lines; empty when the ledger is sound."""
    problems: list[str] = []
    p, e = ledger_postings, ledger_entries
    unbalanced = conn.execute(
        select(p.c.entry_id, func.sum(p.c.amount_cents))
        .group_by(p.c.entry_id)
        .having(func.sum(p.c.amount_cents) != 0)
        .limit(MAX_REPORTED)
    ).all()
    problems += [f"ledger entry {i}: postings sum to {s}, not 0" for i, s in unbalanced]
    lonely = conn.execute(
        select(e.c.id)
        .outerjoin(p, p.c.entry_id == e.c.id)
        .group_by(e.c.id)
        .having(func.count(p.c.id) < 2)
        .limit(MAX_REPORTED)
    ).all()
    problems += [f"ledger entry {i}: fewer than two postings" for (i,) in lonely]
    mismatched = conn.execute(
        select(p.c.id)
        .join(e, e.c.id == p.c.entry_id)
        .where(
            (p.c.household_id != e.c.household_id)
            | (p.c.household_id.is_(None) != e.c.household_id.is_(None))
        )
        .limit(MAX_REPORTED)
    ).all()
    problems += [f"ledger posting {i}: household differs from its entry" for (i,) in mismatched]
    for (account,) in conn.execute(select(p.c.account).distinct()):
        if account.split(":")[0] not in ROOTS:
            problems.append(f"ledger account {account!r}: unknown root")
    return problems
