"""Signals for the coach (R8) that follow from the calendar: the period ends
within six weeks (handover due), or has ended. Raised once each."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection

from ontzorging.adapters.dbutil import insert_ignoring_duplicates
from ontzorging.adapters.repositories import household_pages, period_of
from ontzorging.adapters.schema import signals
from ontzorging.domain.notices import HANDOVER_NOTICE_DAYS  # six weeks (R8)
from ontzorging.domain.periods import Period

PAGE_ROWS = 5_000


def period_signals(household_id: str, period: Period, as_of: date) -> list[dict[str, Any]]:
    """Pure: the period signals due for one household on ``as_of``."""
    days = period.days_until_end(as_of)
    end = period.end.isoformat()
    if days < 0:
        return [signal_row(household_id, "period_ended", end, as_of, f"56a period ended on {end}")]
    if days <= HANDOVER_NOTICE_DAYS and period.start <= as_of:
        return [
            signal_row(
                household_id,
                "handover_due",
                end,
                as_of,
                f"56a period ends on {end}: arrange own payments with the client",
            )
        ]
    return []


def raise_period_signals(conn: Connection, as_of: date) -> int:
    raised = 0
    for rows in household_pages(conn, PAGE_ROWS):
        new = [s for r in rows for s in period_signals(r["household_id"], period_of(r), as_of)]
        raised += insert_ignoring_duplicates(conn, signals, new)
    return raised


def signal_row(hid: str | None, kind: str, subject: str, on: date, detail: str) -> dict[str, Any]:
    """A signal row; (household, kind, subject) is unique, so raising it again is a no-op."""
    return {
        "household_id": hid,
        "kind": kind,
        "subject": subject,
        "raised_on": on,
        "detail": detail,
    }
