from datetime import date

import pytest

from ontzorging.domain.errors import BadInput
from ontzorging.domain.periods import Period, add_months, parse_month, six_month_end


@pytest.mark.parametrize(
    ("start", "end", "why"),
    [
        (date(2026, 2, 10), date(2026, 8, 9), "DOMAIN R1 example"),
        (date(2026, 3, 1), date(2026, 8, 31), "start on the 1st: six whole months"),
        (date(2026, 8, 31), date(2027, 2, 28), "no 31 February: to the end of February"),
        (date(2026, 8, 28), date(2027, 2, 27), "28 February exists: the day before"),
        (date(2027, 8, 30), date(2028, 2, 29), "leap year February has no 30th"),
        (date(2026, 12, 15), date(2027, 6, 14), "over the year end"),
    ],
)
def test_six_month_end(start: date, end: date, why: str) -> None:
    assert six_month_end(start) == end, why


def test_mid_month_start_covers_seven_months() -> None:
    period = Period.for_household(date(2026, 2, 10))
    covered = [m for m in range(1, 13) if period.covers_month(date(2026, m, 1))]
    assert covered == [2, 3, 4, 5, 6, 7, 8]
    assert period.month_count == 7
    assert period.month_number(date(2026, 8, 1)) == 7


def test_earlier_end_cuts_the_period_short() -> None:
    period = Period.for_household(date(2026, 2, 1), date(2026, 4, 15), None)
    assert period.end == date(2026, 4, 15)
    assert period.covers_month(date(2026, 4, 1))
    assert not period.covers_month(date(2026, 5, 1))


def test_end_later_than_six_months_does_not_extend() -> None:
    assert Period.for_household(date(2026, 2, 1), date(2027, 1, 1)).end == date(2026, 7, 31)


def test_month_helpers() -> None:
    assert add_months(date(2026, 11, 1), 3) == date(2027, 2, 1)
    assert parse_month("2026-03") == date(2026, 3, 1)
    for bad in ("2026-3", "2026-13", "2026-00", "26-03", "2026/03", ""):
        with pytest.raises(BadInput, match="is not a month YYYY-MM"):
            parse_month(bad)
