"""TARGET2 business days and the requested execution date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payments.calendar import (
    execution_date,
    is_target_business_day,
    next_target_business_day,
    target_business_days_after,
    target_closing_days,
)


def test_closing_days_2026() -> None:
    assert target_closing_days(2026) == {
        date(2026, 1, 1),  # New Year
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 1),  # Labour Day
        date(2026, 12, 25),
        date(2026, 12, 26),  # a Saturday anyway
    }


def test_closing_days_2027() -> None:
    assert target_closing_days(2027) == {
        date(2027, 1, 1),
        date(2027, 3, 26),  # Good Friday
        date(2027, 3, 29),  # Easter Monday
        date(2027, 5, 1),  # a Saturday
        date(2027, 12, 25),  # a Saturday
        date(2027, 12, 26),  # a Sunday
    }


@pytest.mark.parametrize(
    ("day", "business"),
    [
        (date(2026, 3, 2), True),  # Monday
        (date(2026, 2, 28), False),  # Saturday
        (date(2026, 3, 1), False),  # Sunday
        (date(2026, 4, 3), False),  # Good Friday
        (date(2026, 4, 27), True),  # Koningsdag: Dutch holiday, TARGET open (BNG pays)
        (date(2026, 5, 5), True),  # Bevrijdingsdag
        (date(2026, 5, 14), True),  # Hemelvaartsdag
        (date(2026, 5, 25), True),  # Tweede Pinksterdag
        (date(2026, 12, 24), True),
        (date(2026, 12, 31), True),
    ],
)
def test_is_target_business_day(day: date, business: bool) -> None:
    assert is_target_business_day(day) is business


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 3, 2), date(2026, 3, 2)),  # already a business day
        (date(2026, 2, 28), date(2026, 3, 2)),  # Saturday -> Monday
        (date(2026, 4, 3), date(2026, 4, 7)),  # Good Friday -> past Easter Monday
        (date(2026, 4, 2), date(2026, 4, 2)),  # Maundy Thursday is open
        (date(2026, 12, 25), date(2026, 12, 28)),  # Christmas Friday -> Monday
        (date(2026, 12, 26), date(2026, 12, 28)),
        (date(2027, 1, 1), date(2027, 1, 4)),  # New Year Friday -> Monday
        (date(2027, 3, 26), date(2027, 3, 30)),  # Good Friday 2027 -> Tuesday
        (date(2027, 5, 1), date(2027, 5, 3)),
        (date(2027, 12, 24), date(2027, 12, 24)),
        (date(2027, 12, 25), date(2027, 12, 27)),
    ],
)
def test_next_target_business_day(day: date, expected: date) -> None:
    assert next_target_business_day(day) == expected


@pytest.mark.parametrize(
    ("payout", "run", "expected"),
    [
        (date(2026, 3, 2), date(2026, 2, 26), date(2026, 3, 2)),  # early run: on the due day
        (date(2026, 3, 1), date(2026, 2, 26), date(2026, 3, 2)),  # due Sunday -> Monday
        (date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 4)),  # late run: as soon as possible
        (date(2026, 4, 1), date(2026, 4, 3), date(2026, 4, 7)),  # late run on Good Friday
        (date(2027, 1, 1), date(2026, 12, 30), date(2027, 1, 4)),  # across the year end
    ],
)
def test_execution_date(payout: date, run: date, expected: date) -> None:
    assert execution_date(payout, run) == expected


def _easter_sunday(year: int) -> date:
    """Anonymous Gregorian algorithm (Meeus/Jones/Butcher), independent of ``holidays``."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


@pytest.mark.parametrize("year", range(2002, 2100))
def test_holidays_package_matches_the_ecb_rule(year: int) -> None:
    easter = _easter_sunday(year)
    assert target_closing_days(year) == {
        date(year, 1, 1),
        easter - timedelta(days=2),
        easter + timedelta(days=1),
        date(year, 5, 1),
        date(year, 12, 25),
        date(year, 12, 26),
    }


@given(st.dates(min_value=date(2002, 1, 1), max_value=date(2099, 12, 20)))
def test_next_business_day_is_the_first_open_day_on_or_after(day: date) -> None:
    result = next_target_business_day(day)
    assert result >= day
    assert is_target_business_day(result)
    assert result - day <= timedelta(days=4)  # Good Friday -> Tuesday is the longest gap
    cursor = day
    while cursor < result:
        assert not is_target_business_day(cursor)
        cursor += timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "count", "expected"),
    [
        (date(2026, 3, 25), 2, date(2026, 3, 27)),  # Wednesday: Friday
        (date(2026, 3, 27), 2, date(2026, 3, 31)),  # Friday: over the weekend to Tuesday
        (date(2026, 4, 2), 2, date(2026, 4, 8)),  # Thursday: Good Friday, Easter Monday closed
        (date(2026, 12, 24), 1, date(2026, 12, 28)),  # 25, 26 December closed
        (date(2026, 3, 25), 0, date(2026, 3, 25)),
    ],
)
def test_business_days_after_skip_weekends_and_target_closing_days(
    day: date, count: int, expected: date
) -> None:
    assert target_business_days_after(day, count) == expected
