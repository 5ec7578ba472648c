"""Month and period arithmetic (DOMAIN.md R1). Pure: no clock, no I/O.

A month is represented by the date of its first day."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from ontzorging.domain.errors import BadInput

PERIOD_MONTHS = 6


def month_of(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    """The first day of the month ``count`` months after ``month``."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(start_month: date, month: date) -> int:
    """Whole months from ``start_month`` to ``month`` (0 when equal)."""
    return (month.year - start_month.year) * 12 + month.month - start_month.month


@lru_cache(maxsize=4096)
def last_day(month: date) -> date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def parse_month(text: str) -> date:
    """``YYYY-MM`` to the first day of that month; :class:`BadInput` otherwise."""
    year, _, mon = text.partition("-")
    if len(year) != 4 or len(mon) != 2 or not (year + mon).isdigit() or not "01" <= mon <= "12":
        raise BadInput(f"{text!r} is not a month YYYY-MM")
    return date(int(year), int(mon), 1)


@lru_cache(maxsize=4096)
def format_month(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def six_month_end(start: date) -> date:
    """Last day of the six-month period that starts on ``start``.

    The period ends the day before the same day six months on (10 Feb ->
    9 Aug). When that day does not exist (31 Aug -> 31 Feb), the period runs
    to the end of that shorter month, so it is never shorter than six months.
    """
    target = add_months(month_of(start), PERIOD_MONTHS)
    if start.day > last_day(target).day:
        return last_day(target)
    return target.replace(day=start.day) - timedelta(days=1)


@dataclass(frozen=True)
class Period:
    """The 56a period of a household: ``start`` up to and including ``end``."""

    start: date
    end: date

    @classmethod
    def for_household(cls, bijstand_start: date, *ends: date | None) -> Period:
        """The period from ``bijstand_start``, cut short by any earlier end."""
        end = six_month_end(bijstand_start)
        for other in ends:
            if other is not None and other < end:
                end = other
        return cls(bijstand_start, max(end, bijstand_start - timedelta(days=1)))

    def covers_month(self, month: date) -> bool:
        """True when any day of ``month`` is in the period (setting ``overlap``)."""
        return self.start <= last_day(month) and self.end >= month

    def month_number(self, month: date) -> int:
        """1 for the month the period starts in, 2 for the next, ..."""
        return months_between(month_of(self.start), month) + 1

    @property
    def month_count(self) -> int:
        """How many calendar months the period touches (7 for a mid-month start)."""
        if self.end < self.start:
            return 0
        return months_between(month_of(self.start), month_of(self.end)) + 1

    def days_until_end(self, today: date) -> int:
        return (self.end - today).days
