"""Read-side invariant check over ledger, allocations and payments
(``ontzorging check``). Each rule is also enforced where values are built;
this catches what a bug or a hand edit of the database would break."""

from __future__ import annotations

from sqlalchemy import Connection, case, exists, func, select

from ledger.check import MAX_REPORTED, check_ledger
from ledger.schema import ledger_postings
from ontzorging.adapters.schema import (
    allocation_lines,
    allocations,
    obligations,
    payment_decisions,
    payment_instructions,
)

UNRELEASED = ("pending",)


def check_all(conn: Connection) -> list[str]:
    return (
        check_ledger(conn)
        + _allocations_conserve(conn)
        + _never_more_than_due(conn)
        + _instructions_positive(conn)
        + _payables_match_instructions(conn)
        + _held_matches_undecided(conn)
        + _instructions_match_their_booking(conn)
    )


def _instructions_match_their_booking(conn: Connection) -> list[str]:
    """Each booking that created payment instructions owes exactly what they
    pay: an instruction whose amount was changed afterwards (the bank would
    pay something else than the ledger booked) is found here, whatever its
    status. Only the booking's credits to payables count: a release or a
    reversal is an entry of its own."""
    pi, p = payment_instructions, ledger_postings
    instructed = (
        select(pi.c.entry_id, func.sum(pi.c.amount_cents).label("cents"))
        .group_by(pi.c.entry_id)
        .subquery()
    )
    owed = (
        select(p.c.entry_id, (-func.sum(p.c.amount_cents)).label("cents"))
        .where(p.c.account.like("Liabilities:%:Payable:%"), p.c.amount_cents < 0)
        .group_by(p.c.entry_id)
        .subquery()
    )
    rows = conn.execute(
        select(instructed.c.entry_id, instructed.c.cents, func.coalesce(owed.c.cents, 0))
        .outerjoin(owed, owed.c.entry_id == instructed.c.entry_id)
        .where(instructed.c.cents != func.coalesce(owed.c.cents, 0))
        .order_by(instructed.c.entry_id)
        .limit(MAX_REPORTED)
    ).all()
    return [
        f"ledger entry {entry}: its payment instructions pay {int(paid)} cents "
        f"but it booked {int(booked)} cents to pay"
        for entry, paid, booked in rows
    ]


def _allocations_conserve(conn: Connection) -> list[str]:
    taken = (
        select(
            allocation_lines.c.allocation_id,
            func.sum(allocation_lines.c.amount_cents).label("taken"),
        )
        .where(allocation_lines.c.purpose != "pay_reserve")
        .group_by(allocation_lines.c.allocation_id)
        .subquery()
    )
    a = allocations
    rows = conn.execute(
        select(a.c.id)
        .outerjoin(taken, taken.c.allocation_id == a.c.id)
        .where(
            a.c.withholdable_cents + a.c.pass_through_cents
            != func.coalesce(taken.c.taken, 0) + a.c.payout_cents
        )
        .limit(MAX_REPORTED)
    ).all()
    return [f"allocation {i}: income is not fixed costs + reserves + payout" for (i,) in rows]


def _never_more_than_due(conn: Connection) -> list[str]:
    lines = allocation_lines
    rows = conn.execute(
        select(lines.c.obligation_id, lines.c.period, lines.c.purpose)
        .join(obligations, obligations.c.obligation_id == lines.c.obligation_id)
        .group_by(
            lines.c.obligation_id, lines.c.period, lines.c.purpose, obligations.c.amount_cents
        )
        .having(func.sum(lines.c.amount_cents) > obligations.c.amount_cents)
        .limit(MAX_REPORTED)
    ).all()
    return [f"obligation {o} {p}: {purpose} more than the amount due" for o, p, purpose in rows]


def _instructions_positive(conn: Connection) -> list[str]:
    rows = conn.execute(
        select(payment_instructions.c.id)
        .where(payment_instructions.c.amount_cents <= 0)
        .limit(MAX_REPORTED)
    ).all()
    return [f"payment instruction {i}: amount not positive" for (i,) in rows]


def _payables_match_instructions(conn: Connection) -> list[str]:
    """What the ledger owes per household equals its unreleased instructions."""
    owed = dict(
        conn.execute(
            select(ledger_postings.c.household_id, -func.sum(ledger_postings.c.amount_cents))
            .where(ledger_postings.c.account.like("Liabilities:%:Payable:%"))
            .group_by(ledger_postings.c.household_id)
        ).all()
    )
    pi = payment_instructions
    pending = dict(
        conn.execute(
            select(
                pi.c.household_id,
                func.sum(case((pi.c.status.in_(UNRELEASED), pi.c.amount_cents), else_=0)),
            ).group_by(pi.c.household_id)
        ).all()
    )
    problems = []
    for hid in sorted(set(owed) | set(pending), key=lambda h: h or ""):
        if int(owed.get(hid) or 0) != int(pending.get(hid) or 0):
            who = hid or "pass-through"
            problems.append(
                f"household {who}: ledger owes {int(owed.get(hid) or 0)} cents but "
                f"unreleased instructions total {int(pending.get(hid) or 0)}"
            )
    return problems[:MAX_REPORTED]


HELD_STATUSES = ("rejected", "returned")


def _held_matches_undecided(conn: Connection) -> list[str]:
    """Money held awaiting a decision (``Liabilities:...:Returned``) per household
    equals its rejected and returned payments without a decision (ADR 0007)."""
    held = dict(
        conn.execute(
            select(ledger_postings.c.household_id, -func.sum(ledger_postings.c.amount_cents))
            .where(ledger_postings.c.account.like("Liabilities:%:Returned"))
            .group_by(ledger_postings.c.household_id)
        ).all()
    )
    pi = payment_instructions
    decided = exists().where(payment_decisions.c.instruction_id == pi.c.id)
    undecided = dict(
        conn.execute(
            select(pi.c.household_id, func.sum(pi.c.amount_cents))
            .where(pi.c.status.in_(HELD_STATUSES), ~decided)
            .group_by(pi.c.household_id)
        ).all()
    )
    problems = []
    for hid in sorted(set(held) | set(undecided), key=lambda h: h or ""):
        ledger_cents, payments_cents = int(held.get(hid) or 0), int(undecided.get(hid) or 0)
        if ledger_cents != payments_cents:
            problems.append(
                f"household {hid or 'pass-through'}: {ledger_cents} cents held awaiting a "
                f"decision in the ledger, but undecided rejected/returned payments total "
                f"{payments_cents}"
            )
    return problems[:MAX_REPORTED]
