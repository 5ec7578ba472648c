"""Repositories: read rows and turn them into the domain values the policy
needs, a page of households at a time."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, func, select

from ledger import accounts
from ledger.schema import ledger_postings
from ontzorging.adapters.schema import (
    allocation_lines,
    allocations,
    creditors,
    households,
    obligations,
    payment_files,
    payment_instructions,
)
from ontzorging.domain.allocation import Obligation, Taken
from ontzorging.domain.periods import Period


@dataclass(frozen=True)
class HouseholdFacts:
    household_id: str
    name: str
    iban: str
    language: str
    coach: str
    period: Period


@dataclass(frozen=True)
class CreditorFacts:
    creditor_id: str
    name: str
    iban: str
    bic: str | None


@dataclass(frozen=True)
class ObligationFacts:
    obligation: Obligation
    reference: str
    reference_kind: str


@dataclass(frozen=True)
class HouseholdRange:
    """The household ids from ``first`` to ``last``: a page of the register.
    Selecting a page by range costs one index range scan and two parameters,
    where ``IN (...)`` with a page of ids costs a parameter per household."""

    first: str
    last: str

    @classmethod
    def of_page(cls, ids: Sequence[str]) -> HouseholdRange:
        """The range of ids in the database's order, as :func:`household_pages`
        gives them (the database's collation may not sort as Python does)."""
        return cls(ids[0], ids[-1])

    def contains(self, column: ColumnElement[Any]) -> ColumnElement[bool]:
        return column.between(self.first, self.last)


def household_pages(conn: Connection, size: int) -> Iterator[list[Any]]:
    """The register a page at a time (keyset on the primary key: linear in
    households, memory bounded by the page)."""
    after = ""
    while True:
        rows = (
            conn.execute(
                select(households)
                .where(households.c.household_id > after)
                .order_by(households.c.household_id)
                .limit(size)
            )
            .mappings()
            .all()
        )
        if not rows:
            return
        yield list(rows)
        after = rows[-1]["household_id"]


def register_size(conn: Connection) -> int:
    """How many households the register holds (the total for progress)."""
    return int(conn.execute(select(func.count()).select_from(households)).scalar_one())


def period_of(row: Any) -> Period:
    return Period.for_household(row["bijstand_start"], row["bijstand_end"], row["ended_on"])


def household_facts_of(row: Any) -> HouseholdFacts:
    return HouseholdFacts(
        row["household_id"],
        row["name"],
        row["iban"],
        row["language"],
        row["coach"],
        period_of(row),
    )


def load_obligations(
    conn: Connection, households: HouseholdRange
) -> dict[str, list[ObligationFacts]]:
    result: dict[str, list[ObligationFacts]] = defaultdict(list)
    o = obligations.c
    query = select(
        o.household_id,
        o.obligation_id,
        o.kind,
        o.creditor_id,
        o.amount_cents,
        o.frequency,
        o.valid_from,
        o.valid_to,
        o.legal_basis,
        o.reference,
        o.reference_kind,
    ).where(households.contains(o.household_id))
    for hid, *obligation, reference, reference_kind in conn.execute(query).all():
        result[hid].append(ObligationFacts(Obligation(*obligation), reference, reference_kind))
    return result


def load_creditors(conn: Connection) -> dict[str, CreditorFacts]:
    return {
        r.creditor_id: CreditorFacts(r.creditor_id, r.name, r.iban, r.bic)
        for r in conn.execute(select(creditors))
    }


@dataclass(frozen=True)
class MonthHistory:
    """What earlier allocations did for one household and month."""

    taken: tuple[Taken, ...] = ()
    payout_from_withholdable_cents: int = 0


def load_history(
    conn: Connection, households: HouseholdRange, months: Sequence[date]
) -> dict[tuple[str, date], MonthHistory]:
    if not months:
        return {}
    taken: dict[tuple[str, date], list[Taken]] = defaultdict(list)
    lines = conn.execute(
        select(
            allocation_lines.c.household_id,
            allocation_lines.c.period,
            allocation_lines.c.obligation_id,
            allocation_lines.c.purpose,
            func.sum(allocation_lines.c.amount_cents),
        )
        .where(
            households.contains(allocation_lines.c.household_id),
            allocation_lines.c.period.in_(sorted(set(months))),
        )
        .group_by(
            allocation_lines.c.household_id,
            allocation_lines.c.period,
            allocation_lines.c.obligation_id,
            allocation_lines.c.purpose,
        )
    )
    for hid, month, obligation_id, purpose, total in lines:
        taken[(hid, month)].append(Taken(obligation_id, purpose, int(total)))
    payouts = conn.execute(
        select(
            allocations.c.household_id,
            allocations.c.period,
            func.sum(allocations.c.payout_cents - allocations.c.pass_through_cents),
        )
        .where(
            households.contains(allocations.c.household_id),
            allocations.c.period.in_(sorted(set(months))),
        )
        .group_by(allocations.c.household_id, allocations.c.period)
    )
    paid = {(hid, month): int(total) for hid, month, total in payouts}
    return {
        key: MonthHistory(tuple(taken.get(key, ())), paid.get(key, 0))
        for key in set(taken) | set(paid)
    }


def load_reserve_balances(
    conn: Connection, households: HouseholdRange
) -> dict[str, dict[str, int]]:
    """Reserve held per household and quarterly obligation, from the ledger."""
    result: dict[str, dict[str, int]] = defaultdict(dict)
    query = (
        select(
            ledger_postings.c.household_id,
            ledger_postings.c.account,
            func.sum(ledger_postings.c.amount_cents),
        )
        .where(
            households.contains(ledger_postings.c.household_id),
            ledger_postings.c.account.like(accounts.ANY_HOUSEHOLD_RESERVE),
        )
        .group_by(ledger_postings.c.household_id, ledger_postings.c.account)
    )
    for hid, account, total in conn.execute(query):
        if account.startswith(accounts.reserve(hid, "x")[:-1]):
            result[hid][account.rsplit(":", 1)[1]] = int(total)
    # The ledger pays a reserve out when the payment is released; a payment
    # from the reserve that is still pending has already claimed its money.
    pi = payment_instructions
    claimed = conn.execute(
        select(pi.c.household_id, pi.c.obligation_id, func.sum(pi.c.amount_cents))
        .where(
            households.contains(pi.c.household_id),
            pi.c.status == "pending",
            pi.c.source_account.like(accounts.ANY_HOUSEHOLD_RESERVE),
        )
        .group_by(pi.c.household_id, pi.c.obligation_id)
    )
    for hid, obligation_id, total in claimed:
        result[hid][obligation_id] = result[hid].get(obligation_id, 0) - int(total)
    return result


def file_instructions(file_row: Any, *columns: Any) -> Select[Any]:
    """The instructions written in one payment file (``columns``, default
    the whole row): the file's slice of its batch in instruction id order,
    after the instructions of the batch's files before it. The slice starts
    at an id found in the index, not by skipping the rows before it."""
    pi = payment_instructions
    in_batch = pi.c.batch_id == file_row["batch_id"]
    before = (
        select(func.coalesce(func.sum(payment_files.c.count), 0))
        .where(
            payment_files.c.batch_id == file_row["batch_id"],
            payment_files.c.sequence < file_row["sequence"],
        )
        .scalar_subquery()
    )
    first = select(pi.c.id).where(in_batch).order_by(pi.c.id).offset(before).limit(1)
    return (
        select(*(columns or (pi,)))
        .where(in_batch, pi.c.id >= first.scalar_subquery())
        .order_by(pi.c.id)
        .limit(file_row["count"])
    )
