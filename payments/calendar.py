"""TARGET2 business days: the days on which SEPA credit transfers are executed.

Closed: Saturdays, Sundays, 1 January, Good Friday, Easter Monday, 1 May, 25 and 26 December
(ECB). Dutch public holidays such as Koningsdag or Hemelvaartsdag are *not* closing days:
BNG Bank processes payments on them. The closing days come from the ``holidays`` package's
ECB/TARGET financial calendar (``XECB``), which the tests check against an independent
Easter computation.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache
from typing import Final

import holidays

_MAX_CLOSED_RUN: Final = 7
"""No run of TARGET closing days is longer than 4 (Good Friday .. Easter Monday); 7 is a
safe bound for the search loop, which must never spin."""


@lru_cache(maxsize=256)
def target_closing_days(year: int) -> frozenset[date]:
    """The TARGET closing days of ``year`` that are not weekend days by themselves."""
    return frozenset(holidays.financial_holidays("XECB", years=year).keys())


def is_target_business_day(day: date) -> bool:
    return day.weekday() < 5 and day not in target_closing_days(day.year)


def next_target_business_day(day: date) -> date:
    """``day`` itself when it is a TARGET business day, else the first one after it."""
    candidate = day
    for _ in range(_MAX_CLOSED_RUN + 1):
        if is_target_business_day(candidate):
            return candidate
        candidate += timedelta(days=1)
    raise RuntimeError(f"no TARGET business day within {_MAX_CLOSED_RUN} days after {day}")


def execution_date(payout_date: date, run_date: date) -> date:
    """The requested execution date for money due on ``payout_date`` sent on ``run_date``.

    A bank does not execute in the past, so a late run pays as soon as possible.
    """
    return next_target_business_day(max(payout_date, run_date))


def target_business_days_after(day: date, count: int) -> date:
    """The ``count``-th TARGET business day after ``day`` (``day`` itself not counted)."""
    candidate = day
    for _ in range(count):
        candidate = next_target_business_day(candidate + timedelta(days=1))
    return candidate
