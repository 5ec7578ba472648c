"""The ledger as a beancount file, for an independent check (``bean-check``)
and for anyone who wants to read a household's books in plain text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from sqlalchemy import Connection, func, select

from ledger.schema import ledger_entries, ledger_postings

CURRENCY = "EUR"
_BEANCOUNT_COMPONENT = re.compile(r"[^A-Za-z0-9\-]")


def beancount_account(account: str) -> str:
    """Our account name in beancount's stricter syntax (components start with
    a capital or digit and hold only letters, digits and dashes). Characters
    it refuses are written as ``-XX`` hex codes so distinct names stay distinct."""
    parts = account.split(":")
    out = [parts[0]]
    for part in parts[1:]:
        escaped = _BEANCOUNT_COMPONENT.sub(lambda m: f"-{ord(m.group()):02X}", part)
        out.append(escaped[0].upper() + escaped[1:] if escaped[0].isalpha() else "X" + escaped)
    return ":".join(out)


def export_beancount(conn: Connection, household_id: str | None = None) -> Iterator[str]:
    """Lines of a beancount file: open directives, then every entry by date."""
    p, e = ledger_postings, ledger_entries
    where = [] if household_id is None else [p.c.household_id == household_id]
    yield f'option "operating_currency" "{CURRENCY}"\n'
    opened = conn.execute(
        select(p.c.account, func.min(e.c.value_date))
        .join(e, e.c.id == p.c.entry_id)
        .where(*where)
        .group_by(p.c.account)
        .order_by(p.c.account)
    )
    for account, first in opened:
        yield f"{_as_date(first)} open {beancount_account(account)} {CURRENCY}\n"
    yield "\n"
    rows = conn.execute(
        select(e.c.id, e.c.value_date, e.c.key, e.c.description, p.c.account, p.c.amount_cents)
        .join(p, p.c.entry_id == e.c.id)
        .where(*where)
        .order_by(e.c.value_date, e.c.id, p.c.id)
    )
    current = None
    for entry_id, value_date, key, description, account, cents in rows:
        if entry_id != current:
            current = entry_id
            text = description.replace('"', "'")
            yield f'\n{_as_date(value_date)} * "{text}" ^{_link(key)}\n'
        yield f"  {beancount_account(account)}  {_decimal(cents)} {CURRENCY}\n"


def _as_date(value: date | str) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)[:10]


def _decimal(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _link(key: str) -> str:
    return re.sub(r"[^A-Za-z0-9\-_/.]", "-", key)
