"""Use case (part of the nightly run): money left in the reserve of a
quarterly cost that stopped being due through the engine goes to the client
(DOMAIN.md R3, ADR 0010).

A reserve is the client's once its obligation has no month in force left
(the period ended, the household was ended early, or ``valid_to`` passed
before the paying month): see :func:`ontzorging.domain.allocation.reserve_goes_to_client`.
The leftover is booked (leefgeld owed to the client) and a pending payment to
the client's IBAN is made from the reserve account, which the same night's
batch gathers like any payout. Money held after a bank return (R7) is in
``Liabilities:...:Returned``, never in a reserve: it waits for the coach.

Never twice: the balance counts pending payments from the reserve as spent,
and the payment's key (``reserve_end:<obligation>:<YYYY-MM>``, unique in
``payment_instructions`` and ``ledger_entries``) allows one payout per
obligation and month, whichever runner gets there first."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, select

from ledger import accounts
from ledger.entries import transfer
from ledger.schema import ledger_entries, ledger_postings
from ledger.store import insert_entries
from ontzorging.adapters.dbutil import insert_rows, next_id
from ontzorging.adapters.repositories import period_of
from ontzorging.adapters.schema import (
    allocation_lines,
    allocations,
    households,
    obligations,
    payment_instructions,
)
from ontzorging.domain.allocation import Obligation, last_month_in_force, reserve_goes_to_client
from ontzorging.domain.periods import format_month, month_of
from ontzorging.domain.remittance import reserve_remittance
from ontzorging.domain.vocabulary import Frequency, InstructionStatus

PAGE_OBLIGATIONS = 500
"""Quarterly obligations per page: bounds memory and each IN (...) list."""
KEY_PREFIX = "reserve_end"
ENTRY_KIND = "reserve_payout"


@dataclass(frozen=True)
class _Candidate:
    """A quarterly obligation whose months in force are over."""

    obligation: Obligation
    household: Any  # the households row
    last_month: date

    @property
    def account(self) -> str:
        return accounts.reserve(self.household["household_id"], self.obligation.obligation_id)


def payout_key(obligation_id: str, month: date) -> str:
    return f"{KEY_PREFIX}:{obligation_id}:{format_month(month)}"


def pay_out_left_reserves(
    conn: Connection, as_of: date, run_id: int | None, now: datetime
) -> Counter[str]:
    """Pay every reserve that has become the client's to the client, once."""
    month = month_of(as_of)
    counts: Counter[str] = Counter()
    for page in _finished_pages(conn, month):
        payable = _payable(conn, page, month)
        if payable:
            _book(conn, payable, as_of, run_id, now)
            counts["reserve_payouts"] += len(payable)
            counts["reserve_payout_cents"] += sum(cents for _, cents in payable)
    return counts


def _finished_pages(conn: Connection, month: date) -> Iterator[list[_Candidate]]:
    """Quarterly obligations with no month in force from ``month`` on, a page at a time."""
    o = obligations.c
    after = ""
    while True:
        rows = (
            conn.execute(
                select(
                    obligations,
                    households.c.name,
                    households.c.iban,
                    households.c.language,
                    households.c.bijstand_start,
                    households.c.bijstand_end,
                    households.c.ended_on,
                )
                .join(households, households.c.household_id == o.household_id)
                .where(o.frequency == Frequency.QUARTERLY, o.obligation_id > after)
                .order_by(o.obligation_id)
                .limit(PAGE_OBLIGATIONS)
            )
            .mappings()
            .all()
        )
        if not rows:
            return
        after = rows[-1]["obligation_id"]
        page = []
        for r in rows:
            obligation = Obligation(
                r["obligation_id"],
                r["kind"],
                r["creditor_id"],
                r["amount_cents"],
                r["frequency"],
                r["valid_from"],
                r["valid_to"],
                r["legal_basis"],
            )
            last = last_month_in_force(obligation, period_of(r))
            if last is not None and last < month:
                page.append(_Candidate(obligation, r, last))
        if page:
            yield page


def _payable(
    conn: Connection, page: Sequence[_Candidate], month: date
) -> list[tuple[_Candidate, int]]:
    """The candidates whose reserve is the client's now, with what is left in it."""
    hids = sorted({c.household["household_id"] for c in page})
    wanted = [c.account for c in page]
    balance = {
        account: int(total)
        for account, total in conn.execute(
            select(ledger_postings.c.account, func.sum(ledger_postings.c.amount_cents))
            .where(ledger_postings.c.household_id.in_(hids), ledger_postings.c.account.in_(wanted))
            .group_by(ledger_postings.c.account)
        )
    }
    pi = payment_instructions
    # The ledger pays a reserve out at release: a pending payment from it has claimed its money.
    for account, total in conn.execute(
        select(pi.c.source_account, func.sum(pi.c.amount_cents))
        .where(pi.c.status == InstructionStatus.PENDING, pi.c.source_account.in_(wanted))
        .group_by(pi.c.source_account)
    ):
        balance[account] = balance.get(account, 0) - int(total)
    left = [c for c in page if balance.get(c.account, 0) > 0]
    if not left:
        return []
    allocated = {
        (hid, period)
        for hid, period in conn.execute(
            select(allocations.c.household_id, allocations.c.period)
            .where(
                allocations.c.household_id.in_(hids),
                allocations.c.period.in_(sorted({c.last_month for c in left})),
            )
            .distinct()
        )
    }
    done = set(
        conn.execute(
            select(pi.c.key).where(
                pi.c.key.in_([payout_key(c.obligation.obligation_id, month) for c in left])
            )
        ).scalars()
    )
    return [
        (c, balance[c.account])
        for c in left
        if payout_key(c.obligation.obligation_id, month) not in done
        and reserve_goes_to_client(
            c.obligation,
            period_of(c.household),
            month,
            (c.household["household_id"], c.last_month) in allocated,
        )
    ]


def _book(
    conn: Connection,
    payable: Sequence[tuple[_Candidate, int]],
    as_of: date,
    run_id: int | None,
    now: datetime,
) -> None:
    """One balanced entry and one pending payment to the client per reserve."""
    month = month_of(as_of)
    first_entry = next_id(conn, ledger_entries)
    first_instruction = next_id(conn, payment_instructions)
    entries, rows = [], []
    for offset, (c, cents) in enumerate(payable):
        h, o = c.household, c.obligation
        hid, key = h["household_id"], payout_key(o.obligation_id, month)
        entries.append(
            (
                first_entry + offset,
                transfer(
                    key,
                    hid,
                    as_of,
                    ENTRY_KIND,
                    f"Gespaard voor {o.kind} ({o.obligation_id}) na de laatste maand "
                    f"{format_month(c.last_month)}: naar de client",
                    [(accounts.expense(hid, accounts.LEEFGELD),
                      accounts.payable(hid, accounts.CLIENT), cents)],
                ),
            )
        )  # fmt: skip
        rows.append(
            {
                "id": first_instruction + offset,
                "key": key,
                "household_id": hid,
                "allocation_id": None,
                "period": month,
                "kind": accounts.LEEFGELD,
                "creditor_id": None,
                "obligation_id": o.obligation_id,
                "payee_name": h["name"],
                "payee_iban": h["iban"],
                "payee_bic": None,
                "amount_cents": cents,
                "reference": "",
                "reference_kind": "free",
                "remittance": reserve_remittance(o.kind, h["language"]),
                "payout_date": as_of,
                "source_account": c.account,
                "entry_id": first_entry + offset,
                "status": InstructionStatus.PENDING,
                "created_at": now,
            }
        )
    insert_entries(conn, entries, now, run_id)
    insert_rows(conn, payment_instructions, rows)


def reserve_left_by_obligation(
    conn: Connection, household_ids: Sequence[str], up_to: date
) -> dict[str, dict[str, int]]:
    """Per household and quarterly obligation: what its reserve holds at the end
    of month ``up_to`` (reserved, minus paid to the creditor or to the client)."""
    al, pi = allocation_lines, payment_instructions
    result: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for hid, obligation_id, purpose, total in conn.execute(
        select(al.c.household_id, al.c.obligation_id, al.c.purpose, func.sum(al.c.amount_cents))
        .where(
            al.c.household_id.in_(household_ids),
            al.c.period <= up_to,
            al.c.purpose.in_(("reserve", "pay_reserve")),
        )
        .group_by(al.c.household_id, al.c.obligation_id, al.c.purpose)
    ):
        result[hid][obligation_id] += int(total) if purpose == "reserve" else -int(total)
    for hid, obligation_id, total in conn.execute(
        select(pi.c.household_id, pi.c.obligation_id, func.sum(pi.c.amount_cents))
        .where(
            pi.c.household_id.in_(household_ids),
            pi.c.period <= up_to,
            pi.c.key.like(f"{KEY_PREFIX}:%"),
            pi.c.status != InstructionStatus.CANCELLED,
        )
        .group_by(pi.c.household_id, pi.c.obligation_id)
    ):
        result[hid][obligation_id] -= int(total)
    return result
