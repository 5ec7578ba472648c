"""Use case (part of the nightly run): allocate every imported benefits
payment whose payout date has come, once, and book the result: allocation
records, ledger entries, payment instructions (status pending) and signals.

Households are processed a page at a time so that memory stays bounded and
rows are written in bulk."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, select

from ledger import accounts
from ledger.entries import Entry, transfer
from ledger.schema import ledger_entries
from ledger.store import insert_entries
from ontzorging.adapters.dbutil import (
    insert_ignoring_duplicates,
    insert_rows,
    next_id,
    refresh_planner_statistics,
)
from ontzorging.adapters.overlap import write_pages
from ontzorging.adapters.progress import Progress, no_progress, pages_counted
from ontzorging.adapters.repositories import (
    CreditorFacts,
    HouseholdFacts,
    HouseholdRange,
    MonthHistory,
    ObligationFacts,
    household_facts_of,
    household_pages,
    load_creditors,
    load_history,
    load_obligations,
    load_reserve_balances,
    register_size,
)
from ontzorging.adapters.schema import (
    allocated_payments,
    allocation_lines,
    allocations,
    benefit_payments,
    payment_instructions,
    signals,
)
from ontzorging.domain.allocation import Allocation, Line, Money, Policy, allocate, dues_for
from ontzorging.domain.periods import format_month
from ontzorging.domain.remittance import client_remittance, creditor_remittance
from ontzorging.intake.never_twice import ALLOCATION_FAILED, payable
from ontzorging.intake.parsing.problems import mask_digit_runs
from ontzorging.register.signals import signal_row
from ontzorging.settings import Settings

# Households per page: bounds memory and keeps each IN (...) list short.
PAGE_HOUSEHOLDS = 500
# How much of an error's text a failure signal repeats (signals.detail is 300).
MAX_FAILURE_TEXT = 160
log = logging.getLogger(__name__)
UNREGISTERED_NAME = "Ontvanger bijstand"


@dataclass
class _Ids:
    entry: int
    allocation: int
    instruction: int

    def take(self, name: str) -> int:
        value = getattr(self, name)
        setattr(self, name, value + 1)
        return int(value)


@dataclass
class _Page:
    """Rows of one page, written together, and what computing them counted."""

    entries: list[tuple[int, Entry]] = field(default_factory=list)
    allocations: list[dict[str, Any]] = field(default_factory=list)
    allocated: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    instructions: list[dict[str, Any]] = field(default_factory=list)
    signals: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def merge(self, other: _Page) -> None:
        """Take the rows of ``other`` (one household's, computed on their own)."""
        self.entries += other.entries
        self.allocations += other.allocations
        self.allocated += other.allocated
        self.lines += other.lines
        self.instructions += other.instructions
        self.signals += other.signals
        self.counts += other.counts


@dataclass(frozen=True)
class _PageFacts:
    """What the database knows about the households of one page that have
    payments due: the payments by household and month, and the facts the
    policy needs."""

    pools: dict[tuple[str, date], list[Any]]
    households: dict[str, HouseholdFacts]
    obligations: dict[str, list[ObligationFacts]]
    history: dict[tuple[str, date], MonthHistory]
    reserves: dict[str, dict[str, int]]


def allocate_due(
    conn: Connection,
    as_of: date,
    settings: Settings,
    run_id: int | None,
    now: datetime,
    progress: Progress = no_progress,
) -> Counter[str]:
    """Allocate every unallocated payment with payout date <= ``as_of``;
    ``progress`` hears of each page of the register gone through."""
    counts: Counter[str] = Counter()
    refresh_planner_statistics(conn)  # the benefits run may have come in a moment ago
    ids = _Ids(
        next_id(conn, ledger_entries),
        next_id(conn, allocations),
        next_id(conn, payment_instructions),
    )
    creditor_facts = load_creditors(conn)

    def compute(facts: _PageFacts) -> _Page:
        page = _Page()
        _allocate_households(facts, as_of, settings, creditor_facts, ids, page)
        return page

    write_pages(
        _pages_due(conn, as_of, progress),
        compute,
        lambda page: _write(conn, page, run_id, now, counts),
        overlap=conn.dialect.name == "postgresql",
    )
    _allocate_unregistered(conn, as_of, settings, run_id, now, ids, counts)
    return counts


def _pending(as_of: date) -> Any:
    return and_(
        benefit_payments.c.payout_date <= as_of,
        payable(),
        ~select(allocated_payments.c.payment_id)
        .where(allocated_payments.c.payment_id == benefit_payments.c.payment_id)
        .exists(),
    )


def _pages_due(conn: Connection, as_of: date, progress: Progress) -> Iterator[_PageFacts]:
    """The pages of the register with payments due, and their facts."""
    pages = household_pages(conn, PAGE_HOUSEHOLDS)
    for rows in pages_counted(pages, "allocation", register_size(conn), progress):
        page_range = HouseholdRange.of_page([r["household_id"] for r in rows])
        payments = (
            conn.execute(
                select(benefit_payments)
                .where(_pending(as_of), page_range.contains(benefit_payments.c.household_id))
                .order_by(
                    benefit_payments.c.household_id,
                    benefit_payments.c.period,
                    benefit_payments.c.payout_date,
                    benefit_payments.c.payment_id,
                )
            )
            .mappings()
            .all()
        )
        pools: dict[tuple[str, date], list[Any]] = defaultdict(list)
        for p in payments:
            pools[(p["household_id"], p["period"])].append(p)
        if not pools:
            continue
        due = {hid for hid, _ in pools}
        yield _PageFacts(
            pools,
            {r["household_id"]: household_facts_of(r) for r in rows if r["household_id"] in due},
            load_obligations(conn, page_range),
            load_history(conn, page_range, [month for _, month in pools]),
            load_reserve_balances(conn, page_range),
        )


def _allocate_households(
    facts: _PageFacts,
    as_of: date,
    settings: Settings,
    creditor_facts: dict[str, CreditorFacts],
    ids: _Ids,
    page: _Page,
) -> None:
    policy = Policy(
        settings.allocation.priority,
        settings.allocation.leefgeld_floor_cents,
        settings.allocation.allow_partial,
    )
    stopped: set[str] = set()
    for (hid, month), pool in facts.pools.items():
        if hid in stopped:
            continue  # a later month waits until the failed one is allocated
        household_page = _Page()
        try:
            _allocate_month(
                facts,
                hid,
                month,
                pool,
                policy,
                settings,
                creditor_facts,
                ids,
                household_page,
                as_of,
            )
        except Exception as exc:  # one household's failure never stops the others
            stopped.add(hid)
            page.signals.append(_failure_signal(hid, month, exc, as_of))
            page.counts["allocation_failures"] += 1
            log.warning(
                "allocation of household %s, %s failed", hid, format_month(month), exc_info=True
            )
            continue
        page.merge(household_page)


def _allocate_month(
    facts: _PageFacts,
    hid: str,
    month: date,
    pool: list[Any],
    policy: Policy,
    settings: Settings,
    creditor_facts: dict[str, CreditorFacts],
    ids: _Ids,
    page: _Page,
    as_of: date,
) -> None:
    household = facts.households[hid]
    obligations = facts.obligations.get(hid, [])
    dues = [d for o in obligations for d in dues_for(o.obligation, month, household.period)]
    past = facts.history.get((hid, month), MonthHistory())
    reserves = dict(facts.reserves[hid])
    result = allocate(
        dues,
        [Money(p["payment_id"], p["kind"], p["amount_cents"]) for p in pool],
        past.taken,
        policy,
        prior_payout_cents=past.payout_from_withholdable_cents,
        reserve_balance_cents=reserves,
    )
    _track_reserves(reserves, result)
    page.counts["payments"] += len(pool)
    page.counts["household_months"] += 1
    page.counts["passed_through"] += 0 if dues else 1
    _book(page, ids, household, month, pool, result, obligations, creditor_facts, settings, as_of)
    facts.reserves[hid] = reserves  # only once the month is booked


def _failure_signal(
    hid: str | None, month: date, exc: Exception, as_of: date, subject: str = ""
) -> dict[str, Any]:
    """For whoever can fix it; the text says what failed, never a BSN."""
    period = format_month(month)
    reason = mask_digit_runs(f"{type(exc).__name__}: {exc}")[:MAX_FAILURE_TEXT]
    return signal_row(
        hid,
        ALLOCATION_FAILED,
        subject or period,
        as_of,
        f"{period} not allocated ({reason}); the payments wait, the next run tries again",
    )


def _track_reserves(balances: dict[str, int], result: Allocation) -> None:
    for line in result.lines:
        sign = {"reserve": 1, "pay_reserve": -1}.get(line.purpose, 0)
        balances[line.obligation_id] = (
            balances.get(line.obligation_id, 0) + sign * line.amount_cents
        )


def _book(
    page: _Page,
    ids: _Ids,
    household: HouseholdFacts,
    month: date,
    pool: Sequence[Any],
    result: Allocation,
    obligations: Sequence[ObligationFacts],
    creditor_facts: dict[str, CreditorFacts],
    settings: Settings,
    as_of: date,
) -> None:
    hid = household.household_id
    allocation_id = ids.take("allocation")
    entry_id = ids.take("entry")
    value_date = max(p["payout_date"] for p in pool)
    full_mode = settings.allocation.payout_mode == "full"
    page.allocations.append(
        _allocation_row(allocation_id, hid, month, result, household.period.covers_month(month))
    )
    page.allocated += [
        {"payment_id": p["payment_id"], "allocation_id": allocation_id} for p in pool
    ]
    moves = [(accounts.held(hid), accounts.income(hid, p["kind"]), p["amount_cents"]) for p in pool]
    by_id = {o.obligation.obligation_id: o for o in obligations}
    for line in result.lines:
        page.lines.append(_line_row(allocation_id, hid, month, line))
        if line.purpose == "reserve":
            reserve = accounts.reserve(hid, line.obligation_id)
            moves.append((reserve, accounts.held(hid), line.amount_cents))
        else:
            payable = accounts.payable(hid, line.creditor_id)
            moves.append((accounts.expense(hid, line.kind), payable, line.amount_cents))
        if line.shortfall_cents:
            page.signals.append(_shortfall_signal(hid, month, line, as_of))
        if line.amount_cents and line.purpose != "reserve":
            page.instructions.append(
                _creditor_instruction(
                    ids.take("instruction"),
                    allocation_id,
                    entry_id,
                    household,
                    month,
                    line,
                    by_id[line.obligation_id],
                    creditor_facts[line.creditor_id],
                    value_date,
                )
            )
    leefgeld = accounts.expense(hid, accounts.LEEFGELD)
    if result.payout_cents and full_mode:
        moves.append((leefgeld, accounts.payable(hid, accounts.CLIENT), result.payout_cents))
        iban = next((p["iban"] for p in reversed(pool) if p["iban"]), household.iban)
        page.instructions.append(
            _instruction(
                ids.take("instruction"),
                f"payout:{allocation_id}",
                hid,
                allocation_id,
                month,
                accounts.LEEFGELD,
                household.name,
                iban,
                None,
                result.payout_cents,
                value_date,
                accounts.held(hid),
                entry_id,
                remittance=client_remittance(month, household.language),
            )
        )
    elif result.payout_cents:
        moves.append((leefgeld, accounts.held(hid), result.payout_cents))
    page.entries.append(
        (
            entry_id,
            transfer(
                f"allocation:{allocation_id}",
                hid,
                value_date,
                "allocation",
                f"Bijstand {format_month(month)}: vaste lasten en leefgeld",
                moves,
            ),
        )
    )


def _line_row(allocation_id: int, hid: str, month: date, line: Line) -> dict[str, Any]:
    return {
        "allocation_id": allocation_id,
        "household_id": hid,
        "period": month,
        "obligation_id": line.obligation_id,
        "kind": line.kind,
        "creditor_id": line.creditor_id,
        "purpose": line.purpose,
        "amount_cents": line.amount_cents,
        "shortfall_cents": line.shortfall_cents,
    }


def _shortfall_signal(hid: str, month: date, line: Line, as_of: date) -> dict[str, Any]:
    period = format_month(month)
    return signal_row(
        hid,
        "shortfall",
        f"{line.obligation_id}/{period}",
        as_of,
        f"{line.kind} {period}: {line.shortfall_cents} cents not paid",
    )


def _creditor_instruction(
    instruction_id: int,
    allocation_id: int,
    entry_id: int,
    household: HouseholdFacts,
    month: date,
    line: Line,
    obligation: ObligationFacts,
    creditor: CreditorFacts,
    value_date: date,
) -> dict[str, Any]:
    """A creditor payment: from the held money, or from the reserve of a quarterly cost."""
    hid = household.household_id
    source = (
        accounts.reserve(hid, line.obligation_id)
        if line.purpose == "pay_reserve"
        else accounts.held(hid)
    )
    return _instruction(
        instruction_id,
        f"{line.purpose}:{line.obligation_id}:{format_month(month)}:{allocation_id}",
        hid,
        allocation_id,
        month,
        line.kind,
        creditor.name,
        creditor.iban,
        creditor.bic,
        line.amount_cents,
        value_date,
        source,
        entry_id,
        creditor_id=creditor.creditor_id,
        obligation_id=line.obligation_id,
        reference=obligation.reference,
        reference_kind=obligation.reference_kind,
        remittance=creditor_remittance(obligation.reference, line.kind, month, household.name),
    )


def _allocation_row(
    allocation_id: int, hid: str | None, month: date, result: Allocation, in_period: bool
) -> dict[str, Any]:
    return {
        "id": allocation_id,
        "household_id": hid,
        "period": month,
        "withholdable_cents": result.withholdable_cents,
        "pass_through_cents": result.pass_through_cents,
        "payout_cents": result.payout_cents,
        "in_ontzorging": in_period,
    }


def _instruction(
    instruction_id: int,
    key: str,
    hid: str | None,
    allocation_id: int,
    month: date,
    kind: str,
    payee_name: str,
    payee_iban: str,
    payee_bic: str | None,
    amount_cents: int,
    payout_date: date,
    source_account: str,
    entry_id: int,
    *,
    creditor_id: str | None = None,
    obligation_id: str | None = None,
    reference: str = "",
    reference_kind: str = "free",
    remittance: str,
) -> dict[str, Any]:
    return {
        "id": instruction_id,
        "key": key,
        "household_id": hid,
        "allocation_id": allocation_id,
        "period": month,
        "kind": kind,
        "creditor_id": creditor_id,
        "obligation_id": obligation_id,
        "payee_name": payee_name,
        "payee_iban": payee_iban,
        "payee_bic": payee_bic,
        "amount_cents": amount_cents,
        "reference": reference,
        "reference_kind": reference_kind,
        "remittance": remittance,
        "payout_date": payout_date,
        "source_account": source_account,
        "entry_id": entry_id,
        "status": "pending",
    }


def _write(
    conn: Connection, page: _Page, run_id: int | None, now: datetime, counts: Counter[str]
) -> None:
    written = insert_entries(conn, page.entries, now, run_id)
    for row in page.allocations:
        row["run_id"] = run_id
    for row in page.instructions:
        row["created_at"] = now
    written += insert_rows(conn, allocations, page.allocations)
    written += insert_rows(conn, allocated_payments, page.allocated)
    written += insert_rows(conn, allocation_lines, page.lines)
    # Creation is recorded on the instruction itself (created_at, allocation);
    # instruction_events records each change of status after that.
    written += insert_rows(conn, payment_instructions, page.instructions)
    counts.update(page.counts)
    counts["signals"] += insert_ignoring_duplicates(conn, signals, page.signals)
    counts["entries"] += len(page.entries)
    counts["instructions"] += len(page.instructions)
    counts["shortfalls"] += sum(1 for row in page.lines if row["shortfall_cents"])
    counts["rows_written"] += written + len(page.signals)


def _allocate_unregistered(
    conn: Connection,
    as_of: date,
    settings: Settings,
    run_id: int | None,
    now: datetime,
    ids: _Ids,
    counts: Counter[str],
) -> None:
    """Payments of persons not in the register pass through unchanged (R5)."""
    after = ""
    while True:
        rows = (
            conn.execute(
                select(benefit_payments)
                .where(
                    _pending(as_of),
                    benefit_payments.c.household_id.is_(None),
                    benefit_payments.c.payment_id > after,
                )
                .order_by(benefit_payments.c.payment_id)
                .limit(PAGE_HOUSEHOLDS)
            )
            .mappings()
            .all()
        )
        if not rows:
            return
        page = _Page()
        for p in rows:
            payment_page = _Page()
            try:
                _pass_through(payment_page, ids, p, settings)
            except Exception as exc:  # one payment's failure never stops the others
                page.signals.append(_failure_signal(None, p["period"], exc, as_of, p["payment_id"]))
                page.counts["allocation_failures"] += 1
                log.warning("pass-through of %s failed", p["payment_id"], exc_info=True)
                continue
            page.merge(payment_page)
        counts["unregistered"] += len(rows)
        counts["payments"] += len(rows)
        _write(conn, page, run_id, now, counts)
        after = rows[-1]["payment_id"]


def _pass_through(page: _Page, ids: _Ids, p: Any, settings: Settings) -> None:
    allocation_id, entry_id = ids.take("allocation"), ids.take("entry")
    amount = p["amount_cents"]
    result = Allocation((), 0, amount, amount)
    page.allocations.append(_allocation_row(allocation_id, None, p["period"], result, False))
    page.allocated.append({"payment_id": p["payment_id"], "allocation_id": allocation_id})
    out = accounts.expense(None, accounts.LEEFGELD)
    moves = [(accounts.held(None), accounts.income(None, p["kind"]), amount)]
    if settings.allocation.payout_mode == "full":
        moves.append((out, accounts.payable(None, accounts.CLIENT), amount))
        page.instructions.append(
            _instruction(
                ids.take("instruction"),
                f"payout:{allocation_id}",
                None,
                allocation_id,
                p["period"],
                "doorbetaling",
                p["payee_name"] or UNREGISTERED_NAME,
                p["iban"],
                None,
                amount,
                p["payout_date"],
                accounts.held(None),
                entry_id,
                remittance=client_remittance(p["period"], "nl"),
            )
        )
    else:
        moves.append((out, accounts.held(None), amount))
    page.entries.append(
        (
            entry_id,
            transfer(
                f"allocation:{allocation_id}",
                None,
                p["payout_date"],
                "pass_through",
                f"Bijstand {format_month(p['period'])} doorbetaald",
                moves,
            ),
        )
    )
