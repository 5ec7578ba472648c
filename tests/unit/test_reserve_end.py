"""When a quarterly reserve becomes the client's (DOMAIN.md R3): pure rules."""

from __future__ import annotations

from datetime import date

import pytest

from ontzorging.domain.allocation import Obligation, last_month_in_force, reserve_goes_to_client
from ontzorging.domain.periods import Period
from ontzorging.domain.remittance import REMITTANCE_MAX, reserve_remittance

FEB_TO_JULY = Period(date(2026, 2, 1), date(2026, 7, 31))
ENDED_15_JUNE = Period(date(2026, 2, 1), date(2026, 6, 15))


def water(
    valid_from: date = date(2026, 2, 1),
    valid_to: date | None = None,
    basis: str = "56a",
    frequency: str = "quarterly",
) -> Obligation:
    return Obligation("W", "water", "WATR", 6600, frequency, valid_from, valid_to, basis)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("obligation", "period", "last", "why"),
    [
        (water(), FEB_TO_JULY, date(2026, 7, 1), "ends with the period"),
        (water(), ENDED_15_JUNE, date(2026, 6, 1), "the household ended early"),
        (water(valid_to=date(2026, 5, 31)), FEB_TO_JULY, date(2026, 5, 1), "valid_to first"),
        (water(valid_to=date(2026, 9, 30)), FEB_TO_JULY, date(2026, 7, 1), "the period first"),
        (water(basis="57"), FEB_TO_JULY, None, "art. 57 goes on after the period"),
        (water(basis="vrijwillig", valid_to=date(2026, 10, 1)), FEB_TO_JULY, date(2026, 10, 1),
         "voluntary until valid_to"),
    ],
)  # fmt: skip
def test_last_month_in_force(
    obligation: Obligation, period: Period, last: date | None, why: str
) -> None:
    assert last_month_in_force(obligation, period) == last, why


@pytest.mark.parametrize(
    ("month", "allocated", "expected", "why"),
    [
        (date(2026, 7, 1), True, False, "the last month itself"),
        (date(2026, 8, 1), True, True, "the month after, last month allocated"),
        (date(2026, 8, 1), False, False, "the month after, its money not yet here"),
        (date(2026, 9, 1), False, True, "a month later it goes to the client anyway"),
        (date(2026, 3, 1), True, False, "long before the end"),
    ],
)
def test_reserve_goes_to_client_after_the_last_month(
    month: date, allocated: bool, expected: bool, why: str
) -> None:
    assert reserve_goes_to_client(water(), FEB_TO_JULY, month, allocated) is expected, why


def test_only_a_quarterly_cost_has_a_reserve() -> None:
    assert not reserve_goes_to_client(
        water(frequency="monthly"), FEB_TO_JULY, date(2026, 9, 1), True
    )


def test_reserve_remittance_is_plain_and_short() -> None:
    assert reserve_remittance("water", "nl") == "Gespaard voor water, terug naar u"
    assert reserve_remittance("water", "en") == "Savings for water returned to you"
    assert reserve_remittance("water", "xx") == reserve_remittance("water", "nl")
    assert len(reserve_remittance("x" * 200, "nl")) <= REMITTANCE_MAX
