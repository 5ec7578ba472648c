"""Entries and postings as values. An entry always balances: the check is
made here, where the value is built, and again over the database in
:mod:`ledger.check`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ledger.accounts import ROOTS
from ledger.errors import InvalidEntry, UnbalancedEntry

MAX_POSTING_CENTS = 99_999_999_999
"""The largest single posting: € 999.999.999,99, the largest amount one pain.001
transfer can carry (``payments.schemas.AMOUNT_MAX_CENTS``; ``ledger`` imports neither
``payments`` nor ``ontzorging``, a unit test keeps the two equal). A payable is paid in
one transfer, so a posting the ledger accepts always fits the payment file; and it is a
thousand times the import's limit for one amount (``SINGLE_AMOUNT_MAX_CENTS``), so the
sum of a month's benefit lines that a payout posting carries fits too. Above it is an
overflow or a units mistake: the run stops instead of paying."""

DESCRIPTION_MAX_CHARS = 200
"""The ledger_entries.description column. A longer description is refused, never
cut: the caller shortens its text by its own documented rule."""


@dataclass(frozen=True)
class Posting:
    account: str
    amount_cents: int  # debit positive, credit negative (beancount convention)


@dataclass(frozen=True)
class Entry:
    key: str  # idempotency key: one entry per key, ever
    household_id: str | None
    value_date: date
    kind: str
    description: str
    postings: tuple[Posting, ...]

    def __post_init__(self) -> None:
        if len(self.description) > DESCRIPTION_MAX_CHARS:
            raise InvalidEntry(
                f"entry {self.key}: description of {len(self.description)} characters, "
                f"more than {DESCRIPTION_MAX_CHARS}"
            )
        if len(self.postings) < 2:
            raise UnbalancedEntry(f"entry {self.key}: needs at least two postings")
        if sum(p.amount_cents for p in self.postings) != 0:
            raise UnbalancedEntry(f"entry {self.key}: postings do not sum to zero")
        for p in self.postings:
            if p.account.split(":")[0] not in ROOTS:
                raise UnbalancedEntry(f"entry {self.key}: bad account {p.account!r}")
            if abs(p.amount_cents) > MAX_POSTING_CENTS:
                raise UnbalancedEntry(
                    f"entry {self.key}: posting of {p.amount_cents} cents is above the limit"
                    f" of {MAX_POSTING_CENTS}"
                )


def transfer(
    key: str,
    household_id: str | None,
    value_date: date,
    kind: str,
    description: str,
    moves: list[tuple[str, str, int]],
) -> Entry:
    """An entry from (debit account, credit account, amount) moves; zero moves dropped."""
    postings: list[Posting] = []
    for debit, credit, amount in moves:
        if amount:
            postings += [Posting(debit, amount), Posting(credit, -amount)]
    return Entry(key, household_id, value_date, kind, description, tuple(postings))
