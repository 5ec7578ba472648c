"""Pure: what a monthly overview tells beyond the month's figures: the changes
of next month, and the handover checklist near the end of the period (R8).

No database, no clock: obligations and dates in, notices out. The overview
(:mod:`ontzorging.overviews`) puts them in words.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal, Protocol

from ontzorging.domain.allocation import Obligation
from ontzorging.domain.periods import Period, add_months, last_day, month_of

# Six weeks before the end of the period: time to arrange own payments per creditor.
HANDOVER_NOTICE_DAYS = 42

ChangeWhat = Literal["amount", "start", "stop", "once", "period_last_month", "period_ended"]


@dataclass(frozen=True)
class Change:
    """Something that is different next month."""

    what: ChangeWhat
    on: date
    kind: str = ""
    creditor_id: str = ""
    frequency: str = ""
    old_cents: int = 0
    new_cents: int = 0


def valid_on(obligation: Obligation, day: date) -> bool:
    return obligation.valid_from <= day and (
        obligation.valid_to is None or obligation.valid_to >= day
    )


def kind_rank(kind: str, kind_order: Sequence[str]) -> int:
    """Position of a cost kind in ``kind_order``; unknown kinds last."""
    return kind_order.index(kind) if kind in kind_order else len(kind_order)


def next_month_changes(
    obligations: Sequence[Obligation],
    month: date,
    period: Period | None,
    kind_order: Sequence[str] = (),
) -> tuple[Change, ...]:
    """What changes in the month after ``month``.

    A new amount is a new obligation row of the same kind and creditor (the
    old row ends, the new one starts), so recurring costs are compared as
    the rows in force at the end of this month and at the end of the next.
    ``period`` is the 56a period when ``month`` is in it: its end is news too.
    Changes are sorted by date, then by ``kind_order``, then creditor.
    """
    following = add_months(month, 1)
    now_day, next_day = last_day(month), last_day(following)
    groups: dict[tuple[str, str, str], tuple[list[Obligation], list[Obligation]]] = defaultdict(
        lambda: ([], [])
    )
    changes: list[Change] = []
    for o in obligations:
        if o.frequency == "once":
            if month_of(o.valid_from) == following:
                changes.append(
                    Change(
                        "once",
                        o.valid_from,
                        o.kind,
                        o.creditor_id,
                        o.frequency,
                        new_cents=o.amount_cents,
                    )
                )
            continue
        now, later = groups[(o.kind, o.creditor_id, o.frequency)]
        if valid_on(o, now_day):
            now.append(o)
        if valid_on(o, next_day):
            later.append(o)
    for (kind, creditor_id, frequency), (now, later) in groups.items():
        change = _recurring_change(now, later, following)
        if change is not None:
            changes.append(
                Change(
                    change[0],
                    change[1],
                    kind,
                    creditor_id,
                    frequency,
                    sum(o.amount_cents for o in now),
                    sum(o.amount_cents for o in later),
                )
            )
    changes.sort(key=lambda c: (c.on, kind_rank(c.kind, kind_order), c.creditor_id))
    if period is not None and period.covers_month(month):
        if month_of(period.end) == following:
            changes.append(Change("period_last_month", period.end))
        elif month_of(period.end) == month:
            changes.append(Change("period_ended", following))
    return tuple(changes)


def _recurring_change(
    now: Sequence[Obligation], later: Sequence[Obligation], following: date
) -> tuple[ChangeWhat, date] | None:
    if {o.obligation_id for o in now} == {o.obligation_id for o in later}:
        return None
    old = sum(o.amount_cents for o in now)
    new = sum(o.amount_cents for o in later)
    known = {o.obligation_id for o in now}
    starting = [o.valid_from for o in later if o.obligation_id not in known]
    if not later:
        return "stop", max(o.valid_to or following for o in now)
    if not now:
        return "start", min(starting)
    if old == new:
        return None  # the same cost under a new row: nothing changes for the client
    return "amount", max(following, min(starting, default=following))


def handover_due(period: Period, month: date) -> bool:
    """From six weeks before the end (R8), counted from the last day of ``month``:
    the overview of a month shows the checklist once that window has opened."""
    return period.days_until_end(last_day(month)) <= HANDOVER_NOTICE_DAYS


class ReferencedObligation(Protocol):
    """An obligation with the payment reference the creditor expects."""

    @property
    def obligation(self) -> Obligation: ...

    @property
    def reference(self) -> str: ...


@dataclass(frozen=True)
class HandoverItem:
    """One creditor the client pays personally from the first month after the period."""

    kind: str
    creditor_id: str
    amount_cents: int
    frequency: str
    reference: str
    start: date


def handover_items(
    obligations: Sequence[ReferencedObligation], period: Period, kind_order: Sequence[str] = ()
) -> tuple[HandoverItem, ...]:
    """The 56a costs still running on the first day of the month after the
    period, with the amount valid then (a new rent from 1 July included).
    Costs on another basis (art. 57, vrijwillig) go on being paid."""
    start = add_months(month_of(period.end), 1)
    items = [
        HandoverItem(
            o.obligation.kind,
            o.obligation.creditor_id,
            o.obligation.amount_cents,
            o.obligation.frequency,
            o.reference,
            start,
        )
        for o in obligations
        if o.obligation.legal_basis == "56a"
        and o.obligation.frequency != "once"
        and valid_on(o.obligation, start)
    ]
    return tuple(
        sorted(items, key=lambda i: (kind_rank(i.kind, kind_order), i.creditor_id, i.reference))
    )
