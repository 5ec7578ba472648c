"""Reading the statement rows of a whole page of households at once.

A page is a run of the register in the database's order of household ids
(:func:`ontzorging.facts.household_pages`), so each query selects it by
range: one index range scan and two parameters, a handful of queries per
page rather than six per household. The figures themselves come from the
one pure function :func:`ontzorging.domain.statement_figures.statement_figures`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select

from ontzorging.adapters.repositories import HouseholdRange, period_of
from ontzorging.adapters.schema import (
    allocation_lines,
    allocations,
    bank_feedback_items,
    batches,
    benefit_payments,
    obligations,
    payment_decisions,
    payment_instructions,
)
from ontzorging.allocation.reserve_payout import KEY_PREFIX as RESERVE_PAYOUT_PREFIX
from ontzorging.domain.statement_figures import (
    AllocationLineRow,
    IncomeRow,
    PaymentRow,
    StatementFigures,
    StatementHousehold,
    StatementRows,
    statement_figures,
)
from ontzorging.domain.vocabulary import HELD_STATUSES
from ontzorging.intake.never_twice import payable


@dataclass
class StatementPage:
    """The statement rows of a page of households, and the two facts about
    them that the overview shows besides the figures."""

    rows: dict[str, StatementRows]
    # The execution date of each payment's batch (None before it is in one).
    execution_dates: dict[int, date | None] = field(default_factory=dict)
    # The latest payout date of the month's benefits, per household.
    benefit_dates: dict[str, date] = field(default_factory=dict)

    def figures(self, household_id: str) -> StatementFigures:
        return statement_figures(self.rows[household_id])

    def payments(self, household_id: str) -> tuple[PaymentRow, ...]:
        return self.rows[household_id].payments


def statement_household(row: Any) -> StatementHousehold:
    """From a ``households`` row."""
    return StatementHousehold(row["household_id"], row["language"], period_of(row))


def read_statement_page(
    conn: Connection,
    page: HouseholdRange,
    households: Iterable[StatementHousehold],
    month: date,
) -> StatementPage:
    """The statement rows of ``households`` (all within ``page``) for ``month``."""
    wanted = {h.household_id: h for h in households}
    income: dict[str, list[IncomeRow]] = defaultdict(list)
    benefit_dates: dict[str, date] = {}
    bp = benefit_payments
    for hid, kind, total, latest in conn.execute(
        select(
            bp.c.household_id, bp.c.kind, func.sum(bp.c.amount_cents), func.max(bp.c.payout_date)
        )
        .where(page.contains(bp.c.household_id), bp.c.period == month, payable())
        .group_by(bp.c.household_id, bp.c.kind)
        .order_by(bp.c.household_id, bp.c.kind)
    ):
        if hid in wanted:
            income[hid].append(IncomeRow(kind, int(total)))
            benefit_dates[hid] = max(latest, benefit_dates.get(hid, latest))
    payments, execution_dates = _payments(conn, page, month, wanted)
    lines: dict[str, list[AllocationLineRow]] = defaultdict(list)
    al = allocation_lines
    for r in conn.execute(
        select(
            al.c.household_id,
            al.c.allocation_id,
            al.c.id,
            al.c.obligation_id,
            al.c.purpose,
            al.c.kind,
            al.c.amount_cents,
            al.c.shortfall_cents,
        )
        .where(page.contains(al.c.household_id), al.c.period == month)
        .order_by(al.c.allocation_id, al.c.id)
    ):
        if r.household_id in wanted:
            lines[r.household_id].append(
                AllocationLineRow(
                    int(r.allocation_id),
                    int(r.id),
                    r.obligation_id,
                    r.purpose,
                    r.kind,
                    int(r.amount_cents),
                    int(r.shortfall_cents),
                )
            )
    a = allocations
    payouts = {
        hid: int(total)
        for hid, total in conn.execute(
            select(a.c.household_id, func.sum(a.c.payout_cents))
            .where(page.contains(a.c.household_id), a.c.period == month)
            .group_by(a.c.household_id)
        )
    }
    rows = {
        hid: StatementRows(
            household,
            month,
            tuple(income.get(hid, ())),
            tuple(payments.get(hid, ())),
            tuple(lines.get(hid, ())),
            payouts.get(hid, 0),
        )
        for hid, household in wanted.items()
    }
    return StatementPage(rows, execution_dates, benefit_dates)


def _payments(
    conn: Connection, page: HouseholdRange, month: date, wanted: Mapping[str, Any]
) -> tuple[dict[str, list[PaymentRow]], dict[int, date | None]]:
    pi, pd = payment_instructions, payment_decisions
    found = conn.execute(
        select(
            pi.c.id,
            pi.c.household_id,
            pi.c.kind,
            pi.c.creditor_id,
            pi.c.amount_cents,
            pi.c.status,
            pi.c.end_to_end_id,
            pi.c.payout_date,
            batches.c.execution_date,
            pd.c.decision,
            pd.c.new_instruction_id,
            pi.c.key,
            pi.c.obligation_id,
            obligations.c.kind.label("obligation_kind"),
        )
        .select_from(
            pi.outerjoin(batches, pi.c.batch_id == batches.c.id)
            .outerjoin(pd, pd.c.instruction_id == pi.c.id)
            .outerjoin(obligations, obligations.c.obligation_id == pi.c.obligation_id)
        )
        .where(page.contains(pi.c.household_id), pi.c.period == month)
        .order_by(pi.c.id)
    ).all()
    codes = (
        _reason_codes(conn, page, month) if any(r.status in HELD_STATUSES for r in found) else {}
    )
    payments: dict[str, list[PaymentRow]] = defaultdict(list)
    execution_dates: dict[int, date | None] = {}
    for r in found:
        if r.household_id not in wanted:
            continue
        payment_id = int(r.id)
        execution_dates[payment_id] = r.execution_date
        payments[r.household_id].append(
            PaymentRow(
                payment_id,
                r.kind,
                r.creditor_id,
                int(r.amount_cents),
                r.status,
                r.end_to_end_id,
                r.payout_date,
                codes.get(payment_id, ""),
                r.decision,
                None if r.new_instruction_id is None else int(r.new_instruction_id),
                *_reserve_paid_out(r),
            )
        )
    return payments, execution_dates


def _reserve_paid_out(r: Any) -> tuple[str | None, str | None]:
    """(obligation, cost kind) when ``r`` pays a reserve to the client (R3)."""
    if r.creditor_id is None and r.key.startswith(f"{RESERVE_PAYOUT_PREFIX}:"):
        return r.obligation_id, r.obligation_kind
    return None, None


def _reason_codes(conn: Connection, page: HouseholdRange, month: date) -> dict[int, str]:
    """The bank's latest reason code of each rejected or returned payment of the page."""
    pi, items = payment_instructions, bank_feedback_items
    rows = conn.execute(
        select(items.c.instruction_id, items.c.reason_code)
        .select_from(items.join(pi, pi.c.id == items.c.instruction_id))
        .where(
            page.contains(pi.c.household_id),
            pi.c.period == month,
            items.c.outcome.in_(HELD_STATUSES),
        )
        .order_by(items.c.id)
    )
    return {int(i): code or "" for i, code in rows}


def read_statements(conn: Connection, households: Sequence[Any], month: date) -> StatementPage:
    """The statement rows of a page of ``households`` rows (in the register's order)."""
    return read_statement_page(
        conn,
        HouseholdRange.of_page([r["household_id"] for r in households]),
        [statement_household(r) for r in households],
        month,
    )
