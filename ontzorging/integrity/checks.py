"""Read-side invariant check over ledger, allocations and payments
(``ontzorging check``). Each rule is also enforced where values are built;
this catches what a bug or a hand edit of the database would break."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import Connection, case, exists, func, select

from ledger import accounts
from ledger.check import MAX_REPORTED, check_ledger
from ledger.schema import ledger_postings
from ontzorging.adapters.schema import (
    allocation_lines,
    allocations,
    obligations,
    payment_decisions,
    payment_files,
    payment_instructions,
)
from ontzorging.domain.vocabulary import HELD_STATUSES, InstructionStatus

UNRELEASED = (InstructionStatus.PENDING,)


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
    pay, to whom they pay it: an instruction whose amount or payee was changed
    afterwards (the bank would pay something else, or someone else, than the
    ledger booked) is found here, whatever its status. Only the booking's
    credits to payables count: a release or a cancellation is an entry of its
    own. Read a page of entries at a time, so memory stays bounded."""
    problems: list[str] = []
    last = conn.execute(select(func.max(payment_instructions.c.entry_id))).scalar() or 0
    for first in range(0, int(last) + 1, CHECK_PAGE_ENTRIES):
        span = (first, first + CHECK_PAGE_ENTRIES - 1)
        instructed, booked = _instructed_page(conn, span), _booked_page(conn, span)
        for entry in sorted(instructed):
            problem = _booking_problem(entry, instructed[entry], booked.get(entry, {}))
            if problem:
                problems.append(problem)
            if len(problems) >= MAX_REPORTED:
                return problems
    return problems


CHECK_PAGE_ENTRIES = 20_000


def _instructed_page(conn: Connection, span: tuple[int, int]) -> dict[int, dict[str, int]]:
    pi = payment_instructions
    rows = conn.execute(
        select(pi.c.entry_id, pi.c.household_id, pi.c.creditor_id, func.sum(pi.c.amount_cents))
        .where(pi.c.entry_id.between(*span))
        .group_by(pi.c.entry_id, pi.c.household_id, pi.c.creditor_id)
    )
    found: dict[int, dict[str, int]] = {}
    for entry, household, creditor, cents in rows:
        account = accounts.payable(household, creditor or accounts.CLIENT)
        by_account = found.setdefault(entry, {})
        by_account[account] = by_account.get(account, 0) + int(cents)
    return found


def _booked_page(conn: Connection, span: tuple[int, int]) -> dict[int, dict[str, int]]:
    p = ledger_postings
    rows = conn.execute(
        select(p.c.entry_id, p.c.account, -func.sum(p.c.amount_cents))
        .where(
            p.c.entry_id.between(*span),
            p.c.account.like(accounts.ANY_PAYABLE),
            p.c.amount_cents < 0,
        )
        .group_by(p.c.entry_id, p.c.account)
    )
    found: dict[int, dict[str, int]] = {}
    for entry, account, cents in rows:
        found.setdefault(entry, {})[account] = int(cents)
    return found


def _booking_problem(entry: int, instructed: dict[str, int], booked: dict[str, int]) -> str:
    paid, owed = sum(instructed.values()), sum(booked.values())
    if paid != owed:
        return (
            f"ledger entry {entry}: its payment instructions pay {paid} cents "
            f"but it booked {owed} cents to pay"
        )
    for account in sorted(instructed.keys() | booked.keys()):
        if instructed.get(account, 0) != booked.get(account, 0):
            return (
                f"ledger entry {entry}: its payment instructions pay {instructed.get(account, 0)}"
                f" cents to {account} but it booked {booked.get(account, 0)} cents to pay there"
            )
    return ""


def released_files_unchanged(conn: Connection, outbox: Path) -> list[str]:
    """A released payment file still in the outbox has the bytes whose SHA-256
    was recorded when it was written: the bank gets what was approved. A file
    that is gone was taken by finance (that is the outbox's purpose)."""
    problems = []
    rows = conn.execute(
        select(payment_files.c.file_name, payment_files.c.sha256, payment_files.c.batch_id)
        .where(payment_files.c.sha256.is_not(None))
        .order_by(payment_files.c.id)
    )
    for name, recorded, batch in rows:
        path = outbox / name
        if path.is_file() and sha256_of(path) != recorded:
            problems.append(
                f"payment file {name} (batch {batch}): its bytes no longer match the SHA-256 "
                f"recorded when it was written ({recorded[:12]}...): do not send it to the bank"
            )
    return problems


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
            .where(ledger_postings.c.account.like(accounts.ANY_PAYABLE))
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


def _held_matches_undecided(conn: Connection) -> list[str]:
    """Money held awaiting a decision (``Liabilities:...:Returned``) per household
    equals its rejected and returned payments without a decision (ADR 0007)."""
    held = dict(
        conn.execute(
            select(ledger_postings.c.household_id, -func.sum(ledger_postings.c.amount_cents))
            .where(ledger_postings.c.account.like(accounts.ANY_RETURNED))
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


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
