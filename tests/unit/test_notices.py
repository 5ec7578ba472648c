"""The pure notices of a monthly overview: next month's changes and the handover (R8)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ontzorging.domain.allocation import Obligation
from ontzorging.domain.notices import (
    HANDOVER_NOTICE_DAYS,
    handover_due,
    handover_items,
    next_month_changes,
)
from ontzorging.domain.periods import Period

JUNE, JULY = date(2026, 6, 1), date(2026, 7, 1)
KINDS = ("huur", "energie", "water", "zorgverzekering", "overig")


def rent(oid: str, cents: int, start: date, end: date | None = None) -> Obligation:
    return Obligation(oid, "huur", "WOON", cents, "monthly", start, end)


@dataclass(frozen=True)
class Referenced:
    obligation: Obligation
    reference: str = ""


def test_a_new_row_with_the_same_amount_is_no_change() -> None:
    period = Period.for_household(date(2026, 3, 1))  # to 31 August
    rows = [rent("R1", 60000, date(2026, 1, 1), date(2026, 6, 30)), rent("R2", 60000, JULY)]
    assert next_month_changes(rows, JUNE, period) == ()


def test_a_new_amount_from_the_first_of_next_month() -> None:
    premium = [
        Obligation(
            "Z1", "zorgverzekering", "ZORG", 14240, "monthly", date(2025, 1, 1), date(2025, 12, 31)
        ),
        Obligation("Z2", "zorgverzekering", "ZORG", 15110, "monthly", date(2026, 1, 1), None),
    ]
    (change,) = next_month_changes(premium, date(2025, 12, 1), None)
    assert (change.what, change.on, change.old_cents, change.new_cents) == (
        "amount",
        date(2026, 1, 1),
        14240,
        15110,
    )


def test_once_start_and_stop() -> None:
    once = [Obligation("O1", "overig", "X", 5000, "once", date(2026, 7, 15), None)]
    assert [c.what for c in next_month_changes(once, JUNE, None)] == ["once"]
    stop = [rent("R1", 60000, date(2026, 1, 1), date(2026, 7, 14))]
    (change,) = next_month_changes(stop, JUNE, None)
    assert (change.what, change.on) == ("stop", date(2026, 7, 14))
    (start,) = next_month_changes([rent("R9", 50000, date(2026, 7, 10))], JUNE, None)
    assert (start.what, start.on, start.new_cents) == ("start", date(2026, 7, 10), 50000)


def test_changes_on_one_day_follow_the_kind_order() -> None:
    rows = [
        Obligation("W", "water", "WAT", 2000, "monthly", JULY, None),
        Obligation("H", "huur", "WOON", 60000, "monthly", JULY, None),
    ]
    assert [c.kind for c in next_month_changes(rows, JUNE, None, KINDS)] == ["huur", "water"]


def test_the_end_of_the_period_is_news() -> None:
    period = Period(date(2026, 2, 1), date(2026, 7, 31))
    assert [c.what for c in next_month_changes([], JUNE, period)] == ["period_last_month"]
    assert [c.what for c in next_month_changes([], JULY, period)] == ["period_ended"]
    assert next_month_changes([], date(2026, 5, 1), period) == ()


def test_handover_due_edges() -> None:
    period = Period(date(2026, 2, 12), date(2026, 8, 11))  # 42 days after 30 June
    assert (period.end - date(2026, 6, 30)).days == HANDOVER_NOTICE_DAYS
    assert handover_due(period, JUNE)
    assert not handover_due(Period(date(2026, 2, 13), date(2026, 8, 12)), JUNE)


def test_handover_lists_the_56a_costs_running_after_the_period() -> None:
    period = Period(date(2026, 2, 1), date(2026, 7, 31))
    rows = [
        Referenced(
            Obligation("W", "water", "WAT", 2000, "quarterly", date(2026, 1, 1), None), "K1"
        ),
        Referenced(rent("R1", 60000, date(2026, 1, 1), date(2026, 7, 31))),
        Referenced(rent("R2", 62000, date(2026, 8, 1)), "huur-2"),
        Referenced(Obligation("O", "overig", "X", 100, "once", date(2026, 8, 5), None)),
        Referenced(
            Obligation("V", "energie", "ENER", 9000, "monthly", date(2026, 1, 1), None, "57")
        ),
    ]
    items = handover_items(rows, period, KINDS)
    assert [(i.creditor_id, i.amount_cents, i.reference) for i in items] == [
        ("WOON", 62000, "huur-2"),
        ("WAT", 2000, "K1"),
    ]
    assert {i.start for i in items} == {date(2026, 8, 1)}
