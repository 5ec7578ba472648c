"""The allocation policy (DOMAIN.md R2-R5): which fixed costs are due in a
month and how a household's money for that month is split over them.

Pure functions over frozen values: no database, no clock, no I/O. The service
layer gathers the facts, calls :func:`allocate`, and books the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from ontzorging.domain.errors import InvariantBroken
from ontzorging.domain.periods import Period, add_months, last_day, month_of, months_between
from ontzorging.domain.vocabulary import PASS_THROUGH_BENEFITS, WITHHOLDABLE_BENEFITS, BenefitKind

WITHHOLDABLE_KINDS = WITHHOLDABLE_BENEFITS
PASS_THROUGH_KINDS = PASS_THROUGH_BENEFITS
BENEFIT_KINDS = frozenset(BenefitKind)

Purpose = Literal["pay", "reserve", "pay_reserve"]
"""pay: paid to the creditor from the month's money; reserve: a part set
aside from the month's money; pay_reserve: the reserve paid to the creditor
(takes no money of the month)."""


class AllocationError(InvariantBroken):
    """A broken invariant of the policy: a bug, never bad input."""


@dataclass(frozen=True)
class Obligation:
    obligation_id: str
    kind: str
    creditor_id: str
    amount_cents: int
    frequency: Literal["monthly", "quarterly", "once"]
    valid_from: date
    valid_to: date | None
    legal_basis: Literal["56a", "57", "vrijwillig"] = "56a"

    def is_valid_in(self, month: date) -> bool:
        return self.valid_from <= last_day(month) and (
            self.valid_to is None or self.valid_to >= month
        )


@dataclass(frozen=True)
class Due:
    obligation_id: str
    kind: str
    creditor_id: str
    purpose: Purpose
    amount_cents: int


@dataclass(frozen=True)
class Money:
    payment_id: str
    kind: str
    amount_cents: int


@dataclass(frozen=True)
class Taken:
    """What earlier allocations of the same month already took for a due."""

    obligation_id: str
    purpose: Purpose
    amount_cents: int


@dataclass(frozen=True)
class Line:
    obligation_id: str
    kind: str
    creditor_id: str
    purpose: Purpose
    amount_cents: int
    shortfall_cents: int


@dataclass(frozen=True)
class Policy:
    priority: tuple[str, ...]
    leefgeld_floor_cents: int = 0
    allow_partial: bool = True


@dataclass(frozen=True)
class Allocation:
    lines: tuple[Line, ...]
    withholdable_cents: int
    pass_through_cents: int
    payout_cents: int

    @property
    def income_cents(self) -> int:
        return self.withholdable_cents + self.pass_through_cents

    @property
    def taken_cents(self) -> int:
        """Money of the month taken for creditors and reserves."""
        return sum(line.amount_cents for line in self.lines if line.purpose != "pay_reserve")


def in_force(obligation: Obligation, month: date, period: Period | None) -> bool:
    """R3: 56a costs only inside the period; art. 57 and voluntary whenever valid."""
    if not obligation.is_valid_in(month):
        return False
    if obligation.legal_basis == "56a":
        return period is not None and period.covers_month(month)
    return True


def dues_for(obligation: Obligation, month: date, period: Period | None) -> tuple[Due, ...]:
    """What ``obligation`` asks of ``month`` (R3)."""
    if not in_force(obligation, month, period):
        return ()
    o = obligation

    def due(purpose: Purpose, amount: int) -> Due:
        return Due(o.obligation_id, o.kind, o.creditor_id, purpose, amount)

    if o.frequency == "monthly":
        return (due("pay", o.amount_cents),)
    if o.frequency == "once":
        return (due("pay", o.amount_cents),) if month == month_of(o.valid_from) else ()
    position = months_between(month_of(o.valid_from), month) % 3
    third = o.amount_cents // 3
    if position < 2:
        return (due("reserve", third),)
    return (due("reserve", o.amount_cents - 2 * third), due("pay_reserve", o.amount_cents))


def quarter_months(obligation: Obligation, month: date) -> tuple[date, ...]:
    """The months of the quarter of ``obligation`` that ``month`` falls in."""
    first = add_months(
        month_of(obligation.valid_from),
        months_between(month_of(obligation.valid_from), month) // 3 * 3,
    )
    return (first, add_months(first, 1), add_months(first, 2))


def allocate(
    dues: Sequence[Due],
    money: Sequence[Money],
    taken: Sequence[Taken],
    policy: Policy,
    *,
    prior_payout_cents: int = 0,
    reserve_balance_cents: Mapping[str, int] | None = None,
) -> Allocation:
    """Split newly arrived ``money`` for one household and month (R4, R5).

    ``taken`` is what earlier allocations of this month already took, so a
    due is never withheld twice and later money (nabetaling) first covers the
    month's shortfalls. ``reserve_balance_cents`` is the reserve held per
    quarterly obligation before this allocation. The leefgeld floor counts what the
    client already received from this month's money (``prior_payout_cents``).
    """
    withholdable = sum(m.amount_cents for m in money if m.kind in WITHHOLDABLE_KINDS)
    pass_through = sum(m.amount_cents for m in money if m.kind in PASS_THROUGH_KINDS)
    for m in money:
        if m.kind not in BENEFIT_KINDS or m.amount_cents < 0:
            raise AllocationError(f"payment {m.payment_id}: invalid kind or amount")
    floor_left = max(0, policy.leefgeld_floor_cents - prior_payout_cents)
    available = max(0, withholdable - floor_left)
    already = _taken_by_due(taken)
    lines: list[Line] = []
    stopped = False
    for due in sorted(dues, key=lambda d: _rank(d, policy.priority)):
        if due.purpose == "pay_reserve":
            continue
        outstanding = due.amount_cents - already.get((due.obligation_id, due.purpose), 0)
        if outstanding <= 0:
            continue
        take = 0 if stopped else min(outstanding, available)
        if take < outstanding:
            stopped = True
            if not policy.allow_partial:
                take = 0
        available -= take
        lines.append(_line(due, take, outstanding - take))
    lines.extend(_reserve_payments(dues, lines, already, reserve_balance_cents or {}))
    taken_now = sum(line.amount_cents for line in lines if line.purpose != "pay_reserve")
    result = Allocation(
        lines=tuple(lines),
        withholdable_cents=withholdable,
        pass_through_cents=pass_through,
        payout_cents=withholdable - taken_now + pass_through,
    )
    _check(result)
    return result


def _reserve_payments(
    dues: Sequence[Due],
    lines: Sequence[Line],
    already: Mapping[tuple[str, str], int],
    reserve_balance_cents: Mapping[str, int],
) -> list[Line]:
    """In a quarter's third month the reserve goes to the creditor.

    What was reserved is paid, up to the amount due; a later nabetaling that
    completes the reserve tops the payment up.
    """
    reserved_now = {
        line.obligation_id: line.amount_cents for line in lines if line.purpose == "reserve"
    }
    result = []
    for due in dues:
        if due.purpose != "pay_reserve":
            continue
        paid_before = already.get((due.obligation_id, "pay_reserve"), 0)
        outstanding = due.amount_cents - paid_before
        held = reserve_balance_cents.get(due.obligation_id, 0) + reserved_now.get(
            due.obligation_id, 0
        )
        pay = max(0, min(outstanding, held))
        if outstanding > 0 and (pay > 0 or paid_before == 0):
            result.append(_line(due, pay, outstanding - pay))
    return result


def _line(due: Due, amount: int, shortfall: int) -> Line:
    return Line(due.obligation_id, due.kind, due.creditor_id, due.purpose, amount, shortfall)


def _rank(due: Due, priority: tuple[str, ...]) -> tuple[int, str, int]:
    kind_rank = priority.index(due.kind) if due.kind in priority else len(priority)
    return (kind_rank, due.obligation_id, 0 if due.purpose == "reserve" else 1)


def _taken_by_due(taken: Sequence[Taken]) -> dict[tuple[str, str], int]:
    result: dict[tuple[str, str], int] = {}
    for t in taken:
        key = (t.obligation_id, t.purpose)
        result[key] = result.get(key, 0) + t.amount_cents
    return result


def _check(result: Allocation) -> None:
    """Invariants checked where the value is built (and again in ``check``)."""
    if result.payout_cents < 0 or any(
        line.amount_cents < 0 or line.shortfall_cents < 0 for line in result.lines
    ):
        raise AllocationError("negative amount in allocation")
    if result.taken_cents + result.payout_cents != result.income_cents:
        raise AllocationError("allocation does not conserve money")


LATE_MONEY_MONTHS = 1
"""How long after an obligation's last month the engine waits for that month's
money when it has not arrived yet: a late benefits run may still pay the
quarter's bill from the reserve. After that the reserve goes to the client."""


def last_month_in_force(obligation: Obligation, period: Period | None) -> date | None:
    """The last month in which ``obligation`` asks anything of the engine, or
    None while no end is known (an art. 57 or voluntary cost without
    ``valid_to``). A 56a cost ends with the period (R1, R3)."""
    ends = []
    if obligation.valid_to is not None:
        ends.append(month_of(obligation.valid_to))
    if obligation.legal_basis == "56a":
        if period is None:
            return None
        ends.append(month_of(period.end))
    return min(ends) if ends else None


def reserve_goes_to_client(
    obligation: Obligation, period: Period | None, month: date, last_month_allocated: bool
) -> bool:
    """R3: the reserve of a quarterly cost that stopped being due through the
    engine belongs to the client, from the first month after its last month in
    force; once the money of that last month was allocated (its bill may be
    paid from the reserve), or ``LATE_MONEY_MONTHS`` after it anyway."""
    if obligation.frequency != "quarterly":
        return False
    last = last_month_in_force(obligation, period)
    if last is None or month <= last:
        return False
    return last_month_allocated or months_between(last, month) > LATE_MONEY_MONTHS
