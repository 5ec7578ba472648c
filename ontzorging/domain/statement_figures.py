"""Pure: the figures of one household's statement for one month (DESIGN.md 5.4).

The reader (:mod:`ontzorging.reports.statement_reader`) loads the rows of a
whole page of households with a few queries; :func:`statement_figures` turns
the rows of one household into its figures. The CLI ``statement`` command,
the monthly overviews and the caseload report all use this one function, so
they cannot disagree. No database, no clock: frozen rows in, figures out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ontzorging.domain.periods import Period, format_month
from ontzorging.domain.vocabulary import HELD_STATUSES
from payments.reason_codes import reason_for

# A line that pays a reserve out takes no money of the month: it leaves no shortfall.
PAY_RESERVE = "pay_reserve"
RESERVE = "reserve"


@dataclass(frozen=True)
class StatementHousehold:
    household_id: str
    language: str
    period: Period


@dataclass(frozen=True)
class IncomeRow:
    """The payable benefits of one kind in the month (summed)."""

    kind: str
    amount_cents: int


@dataclass(frozen=True)
class PaymentRow:
    """One payment instruction of the month (to a creditor, or to the client
    when ``creditor_id`` is None), with the bank's reason and the coach's
    decision when it was rejected or returned."""

    payment_id: int
    kind: str
    creditor_id: str | None
    amount_cents: int
    status: str
    end_to_end_id: str | None
    payout_date: date
    reason_code: str = ""
    decision: str | None = None
    new_payment_id: int | None = None
    # A reserve paid to the client after its cost stopped (DOMAIN.md R3): the
    # obligation it was saved for and that obligation's cost kind.
    reserve_obligation_id: str | None = None
    reserve_kind: str | None = None

    @property
    def reserve_payout(self) -> bool:
        return self.reserve_obligation_id is not None

    @property
    def held(self) -> bool:
        return self.status in HELD_STATUSES

    @property
    def awaiting_decision(self) -> bool:
        return self.held and self.decision is None


@dataclass(frozen=True)
class AllocationLineRow:
    allocation_id: int
    line_id: int
    obligation_id: str
    purpose: str
    kind: str
    amount_cents: int
    shortfall_cents: int


@dataclass(frozen=True)
class StatementRows:
    """Everything one household's statement of ``month`` is computed from.
    ``payments`` in id order; ``lines`` in (allocation, line) order."""

    household: StatementHousehold
    month: date
    income: tuple[IncomeRow, ...] = ()
    payments: tuple[PaymentRow, ...] = ()
    lines: tuple[AllocationLineRow, ...] = ()
    payout_cents: int = 0


@dataclass(frozen=True)
class ShortfallItem:
    kind: str
    obligation_id: str
    amount_cents: int


@dataclass(frozen=True)
class StatementFigures:
    household_id: str
    month: date
    in_ontzorging: bool
    period: Period
    month_number: int
    income_by_kind: tuple[tuple[str, int], ...]
    paid: tuple[PaymentRow, ...]
    held_cents: int
    reserved_cents: int
    shortfall: tuple[ShortfallItem, ...]
    payout_to_client_cents: int
    language: str
    reserve_to_client: tuple[PaymentRow, ...] = ()

    @property
    def income_cents(self) -> int:
        return sum(amount for _, amount in self.income_by_kind)

    @property
    def paid_cents(self) -> int:
        return sum(p.amount_cents for p in self.paid)

    @property
    def problem_payments(self) -> int:
        """Creditor payments rejected or returned and not yet decided on."""
        return sum(1 for p in self.paid if p.awaiting_decision)

    @property
    def shortfall_cents(self) -> int:
        return sum(s.amount_cents for s in self.shortfall)

    def as_dict(self) -> dict[str, Any]:
        """The statement as ``ontzorging statement --json`` prints it."""
        return {
            "household_id": self.household_id,
            "period": format_month(self.month),
            "in_ontzorging": self.in_ontzorging,
            "period_start": self.period.start.isoformat(),
            "period_end": self.period.end.isoformat(),
            "month_number": self.month_number,
            "income_cents": self.income_cents,
            "income_by_kind": dict(self.income_by_kind),
            "paid": [_paid_item(p, self.language) for p in self.paid],
            "held_cents": self.held_cents,
            "reserved_cents": self.reserved_cents,
            "shortfall": [
                {"kind": s.kind, "obligation_id": s.obligation_id, "amount_cents": s.amount_cents}
                for s in self.shortfall
            ],
            "payout_to_client_cents": self.payout_to_client_cents,
            # R3: a reserve left when its cost stopped being due, paid to the
            # client this month (apart from the payout of the month's own money).
            "reserve_to_client": [_reserve_item(p) for p in self.reserve_to_client],
            "reserve_to_client_cents": sum(p.amount_cents for p in self.reserve_to_client),
        }


def _paid_item(p: PaymentRow, language: str) -> dict[str, Any]:
    item: dict[str, Any] = {
        "kind": p.kind,
        "creditor_id": p.creditor_id,
        "amount_cents": p.amount_cents,
        "status": p.status,
        "payment_id": str(p.payment_id),
        "payout_date": p.payout_date.isoformat(),
    }
    if p.end_to_end_id:
        item["end_to_end_id"] = p.end_to_end_id
    if p.held:
        item["reason_code"] = p.reason_code
        item["reason"] = reason_for(p.reason_code).text("en" if language == "en" else "nl")
        if p.decision is not None:
            item["decision"], item["new_payment_id"] = p.decision, str(p.new_payment_id)
    return item


def _reserve_item(p: PaymentRow) -> dict[str, Any]:
    item: dict[str, Any] = {
        "kind": p.reserve_kind,
        "obligation_id": p.reserve_obligation_id,
        "amount_cents": p.amount_cents,
        "status": p.status,
        "payment_id": str(p.payment_id),
        "payout_date": p.payout_date.isoformat(),
    }
    if p.end_to_end_id:
        item["end_to_end_id"] = p.end_to_end_id
    return item


def statement_figures(rows: StatementRows) -> StatementFigures:
    household, month = rows.household, rows.month
    income: dict[str, int] = defaultdict(int)
    for i in rows.income:
        income[i.kind] += i.amount_cents
    return StatementFigures(
        household_id=household.household_id,
        month=month,
        in_ontzorging=household.period.covers_month(month),
        period=household.period,
        month_number=household.period.month_number(month),
        income_by_kind=tuple(income.items()),
        paid=tuple(p for p in rows.payments if p.creditor_id is not None),
        held_cents=sum(p.amount_cents for p in rows.payments if p.awaiting_decision),
        reserved_cents=sum(line.amount_cents for line in rows.lines if line.purpose == RESERVE),
        shortfall=shortfall(rows.lines),
        payout_to_client_cents=rows.payout_cents,
        language=household.language,
        reserve_to_client=tuple(p for p in rows.payments if p.reserve_payout),
    )


def shortfall(lines: Sequence[AllocationLineRow]) -> tuple[ShortfallItem, ...]:
    """The shortfall left by the latest allocation of each due (obligation,
    purpose) of the month, merged per obligation in order of first appearance;
    paying out a reserve takes no money of the month."""
    latest: dict[tuple[str, str], tuple[str, int]] = {}
    for line in lines:
        if line.purpose != PAY_RESERVE:
            latest[(line.obligation_id, line.purpose)] = (line.kind, line.shortfall_cents)
    merged: dict[str, int] = defaultdict(int)
    order: list[str] = []
    for (obligation_id, _), (_kind, amount) in latest.items():
        if amount:
            if obligation_id not in merged:
                order.append(obligation_id)
            merged[obligation_id] += amount
    kinds = {oid: kind for (oid, _), (kind, _) in latest.items()}
    return tuple(ShortfallItem(kinds[oid], oid, merged[oid]) for oid in order)
