"""Read models for the web pages (plain queries, no domain objects: reports
read the database directly). Write paths go through the use cases.

Access rules live here too, as queries: a coach sees a household, a signal
or a payment only when the household's ``coach`` is theirs; anything else
is :class:`Hidden` (a 404, never a hint that it exists)."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from ledger.schema import ledger_entries, ledger_postings
from ontzorging.adapters.repositories import period_of
from ontzorging.adapters.schema import (
    audit_log,
    bank_documents,
    batches,
    households,
    imported_files,
    instruction_events,
    payment_instructions,
    signals,
)
from ontzorging.domain.periods import add_months, format_month, month_of
from ontzorging.register.households import show_household
from ontzorging.reports.caseload import caseload_frame
from ontzorging.reports.statements import statement
from ontzorging.web.accounts import User

OVERVIEW_FILE = re.compile(
    r"^(?P<hid>[A-Za-z0-9][A-Za-z0-9._-]*)\.(?P<lang>[a-z]{2})\.(?P<ext>html|pdf)$"
)
MONTH_DIR = re.compile(r"^\d{4}-\d{2}$")
LEDGER_ROWS_SHOWN = 2_000  # a household's six months hold a few hundred postings


class Hidden(LookupError):
    """Not there, or not this user's to see: both answer 404."""


def same_coach(user: User, coach: str | None) -> bool:
    if not user.coach or not coach:
        return False
    return user.coach.strip().casefold() == coach.strip().casefold()


def household_row(conn: Connection, user: User, household_id: str) -> Any:
    row = (
        conn.execute(select(households).where(households.c.household_id == household_id))
        .mappings()
        .first()
    )
    if row is None or not same_coach(user, row["coach"]):
        raise Hidden(household_id)
    return row


def signal_household(conn: Connection, user: User, signal_id: int) -> str:
    hid = conn.execute(
        select(signals.c.household_id).where(signals.c.id == signal_id)
    ).scalar_one_or_none()
    if hid is None:
        raise Hidden(signal_id)
    household_row(conn, user, hid)
    return str(hid)


def payment_household(conn: Connection, user: User, payment_id: str) -> str:
    if not payment_id.isdigit():
        raise Hidden(payment_id)
    hid = conn.execute(
        select(payment_instructions.c.household_id).where(
            payment_instructions.c.id == int(payment_id)
        )
    ).scalar_one_or_none()
    if hid is None:
        raise Hidden(payment_id)
    household_row(conn, user, hid)
    return str(hid)


# Tables whose newest id moves whenever a figure of the caseload can change:
# imports (register, benefits), bookings, payment statuses, bank feedback,
# signals, and every decision (each one is audited).
_VERSION_TABLES = (
    imported_files,
    bank_documents,
    ledger_entries,
    payment_instructions,
    instruction_events,
    signals,
    audit_log,
    batches,
)
CACHE_ENTRIES = 256  # caseloads and household pages kept; each a few hundred KB at most
_caseload_cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_caseload_lock = threading.Lock()


def data_version(conn: Connection) -> tuple[Any, ...]:
    """The newest id of each table the caseload reads from: equal versions,
    equal caseload. One query of eight primary-key lookups."""
    newest = [select(func.max(table.c.id)).scalar_subquery() for table in _VERSION_TABLES]
    return tuple(conn.execute(select(*newest)).one())


def caseload(
    conn: Connection, user: User, today: date
) -> tuple[tuple[Any, ...], list[dict[str, Any]]]:
    """The coach's own households this month, most urgent first (the caseload
    report's order and figures), kept until the data changes: the report
    reads every household's month, a page view should not. Returns the key
    of this version of the caseload with its rows."""
    coach = (user.coach or "").strip().casefold()
    key = (str(conn.engine.url), coach, month_of(today), data_version(conn))
    if not coach:
        return key, []
    found = cached(key)
    if found is None:
        found = remember(key, _caseload_rows(conn, coach, today))
    return key, found


def cached(key: tuple[Any, ...]) -> Any:
    with _caseload_lock:
        if key in _caseload_cache:
            _caseload_cache.move_to_end(key)
            return _caseload_cache[key]
    return None


def remember(key: tuple[Any, ...], value: Any) -> Any:
    with _caseload_lock:
        _caseload_cache[key] = value
        while len(_caseload_cache) > CACHE_ENTRIES:
            _caseload_cache.popitem(last=False)
    return value


def _caseload_rows(conn: Connection, coach: str, today: date) -> list[dict[str, Any]]:
    frame = caseload_frame(conn, month_of(today), coach)
    rows = []
    for record in frame.to_dict("records"):
        rows.append(
            {
                "household_id": record["household_id"],
                "name": record["name"],
                "month_number": _int_or_none(record["month_number"]),
                "month_count": _int_or_none(record["month_count"]),
                "period_end": record["period_end"],
                "income_cents": int(record["income_cents"]),
                "paid_cents": int(record["paid_cents"]),
                "shortfall_cents": int(record["shortfall_cents"]),
                "problem_payments": int(record["problem_payments"]),
                "open_signals": record["open_signals"],
                "urgency": int(record["urgency"]),
            }
        )
    return rows


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def household_page(
    conn: Connection, user: User, household_id: str, today: date, overviews_dir: Path
) -> dict[str, Any]:
    row = household_row(conn, user, household_id)  # access first, every time
    key = (str(conn.engine.url), "household", household_id, today, data_version(conn))
    page = cached(key)
    if page is None:
        page = remember(key, _household_data(conn, row, household_id, today))
    return {**page, "overviews": overview_files(overviews_dir, household_id)}


def _household_data(conn: Connection, row: Any, household_id: str, today: date) -> dict[str, Any]:
    period = period_of(row)
    register = show_household(conn, household_id)
    for member in register["members"]:
        member.pop("bsn", None)  # never shown, not even masked
    this_month = month_of(today)
    last = min(month_of(period.end), this_month)
    months = []
    month = month_of(period.start)
    while month <= last:
        months.append(statement(conn, household_id, month))
        month = add_months(month, 1)
    months.reverse()  # the latest month first
    inside = period.start <= today <= period.end
    return {
        "register": register,
        "period": {
            "start": period.start,
            "end": period.end,
            "month_number": period.month_number(this_month) if inside else None,
            "month_count": period.month_count,
        },
        "statements": months,
        "ledger": ledger_accounts(conn, household_id),
    }


def ledger_accounts(conn: Connection, household_id: str) -> list[dict[str, Any]]:
    """Per account its postings in value-date order with the running balance."""
    le, lp = ledger_entries, ledger_postings
    rows = conn.execute(
        select(
            lp.c.account,
            lp.c.amount_cents,
            le.c.value_date,
            le.c.description,
            le.c.kind,
            le.c.id,
        )
        .join(le, le.c.id == lp.c.entry_id)
        .where(lp.c.household_id == household_id)
        .order_by(lp.c.account, le.c.value_date, le.c.id, lp.c.id)
        .limit(LEDGER_ROWS_SHOWN)
    ).mappings()
    by_account: dict[str, list[dict[str, Any]]] = defaultdict(list)
    balance: dict[str, int] = defaultdict(int)
    for r in rows:
        balance[r["account"]] += int(r["amount_cents"])
        by_account[r["account"]].append(
            {
                "entry_id": r["id"],
                "value_date": r["value_date"],
                "description": r["description"],
                "kind": r["kind"],
                "amount_cents": int(r["amount_cents"]),
                "balance_cents": balance[r["account"]],
            }
        )
    return [
        {"account": account, "postings": postings, "balance_cents": balance[account]}
        for account, postings in by_account.items()
    ]


def overview_files(overviews_dir: Path, household_id: str) -> list[dict[str, str]]:
    """The household's monthly overviews on disk, newest month first."""
    found: list[dict[str, str]] = []
    if not overviews_dir.is_dir():
        return found
    for month_dir in sorted(overviews_dir.iterdir(), reverse=True):
        if not (month_dir.is_dir() and MONTH_DIR.match(month_dir.name)):
            continue
        for path in sorted(month_dir.glob(f"{household_id}.*")):
            match = OVERVIEW_FILE.match(path.name)
            if match and match["hid"] == household_id:
                found.append(
                    {"month": month_dir.name, "file_name": path.name, "kind": match["ext"]}
                )
    return found


def overview_path(overviews_dir: Path, household_id: str, month: str, file_name: str) -> Path:
    match = OVERVIEW_FILE.match(file_name)
    if not (MONTH_DIR.match(month) and match and match["hid"] == household_id):
        raise Hidden(file_name)
    path = overviews_dir / month / file_name
    if not path.is_file():
        raise Hidden(file_name)
    return path


def month_label(month: date) -> str:
    return format_month(month)
