"""The ledger's values: an entry balances, stays within its limits, and a
correction is a new entry (ADR 0008), checked where the value is built."""

from __future__ import annotations

from datetime import date

import pytest

from ledger import accounts
from ledger.entries import DESCRIPTION_MAX_CHARS, MAX_POSTING_CENTS, Entry, Posting, transfer
from ledger.errors import InvalidEntry, LedgerError, UnbalancedEntry
from payments.schemas import AMOUNT_MAX_CENTS

DAY = date(2026, 3, 25)
HELD = accounts.held("D")
RENT = accounts.payable("D", "WOONCORP")
EXPENSE = accounts.expense("D", "huur")


def _entry(*postings: tuple[str, int], description: str = "test") -> Entry:
    return Entry(
        "k", "D", DAY, "allocation", description, tuple(Posting(a, c) for a, c in postings)
    )


def test_a_balanced_entry_is_built() -> None:
    entry = _entry((EXPENSE, 65_000), (RENT, -65_000))
    assert sum(p.amount_cents for p in entry.postings) == 0


@pytest.mark.parametrize(
    ("postings", "reason"),
    [
        (((EXPENSE, 65_000), (RENT, -64_999)), "postings do not sum to zero"),
        (((EXPENSE, 1), (RENT, 1)), "postings do not sum to zero"),
        (((EXPENSE, 0),), "needs at least two postings"),
        ((), "needs at least two postings"),
        ((("Cash:D", 5), (RENT, -5)), "bad account"),
    ],
)
def test_an_entry_that_does_not_balance_is_refused(
    postings: tuple[tuple[str, int], ...], reason: str
) -> None:
    with pytest.raises(UnbalancedEntry, match=reason):
        _entry(*postings)


def test_the_posting_limit_is_the_payment_files_limit() -> None:
    assert MAX_POSTING_CENTS == AMOUNT_MAX_CENTS
    _entry((EXPENSE, MAX_POSTING_CENTS), (RENT, -MAX_POSTING_CENTS))
    with pytest.raises(UnbalancedEntry, match="above the limit"):
        _entry((EXPENSE, MAX_POSTING_CENTS + 1), (RENT, -MAX_POSTING_CENTS - 1))


def test_a_description_over_its_column_is_refused_not_cut() -> None:
    _entry((EXPENSE, 1), (RENT, -1), description="x" * DESCRIPTION_MAX_CHARS)
    with pytest.raises(InvalidEntry, match="more than 200"):
        _entry((EXPENSE, 1), (RENT, -1), description="x" * (DESCRIPTION_MAX_CHARS + 1))
    assert issubclass(InvalidEntry, LedgerError)


def test_a_transfer_drops_zero_moves_and_pairs_each_move() -> None:
    entry = transfer("k", "D", DAY, "allocation", "t", [(EXPENSE, RENT, 500), (HELD, RENT, 0)])
    assert entry.postings == (Posting(EXPENSE, 500), Posting(RENT, -500))


def test_a_cancellation_is_a_new_entry_that_undoes_one_payable() -> None:
    """What batches.service._cancel books: the payable goes back, the original stays."""
    booked = transfer(
        "allocation:1", "D", DAY, "allocation", "b", [(EXPENSE, RENT, 65_000), (HELD, EXPENSE, 9)]
    )
    cancelled = transfer("cancel:7", "D", DAY, "cancellation", "c", [(RENT, EXPENSE, 65_000)])
    net: dict[str, int] = {}
    for posting in (*booked.postings, *cancelled.postings):
        net[posting.account] = net.get(posting.account, 0) + posting.amount_cents
    assert net[RENT] == 0
    assert booked.key != cancelled.key
    assert booked.postings[1] == Posting(RENT, -65_000)  # the original is unchanged


def test_the_sql_patterns_match_the_names_the_ledger_builds() -> None:
    import re

    def matches(pattern: str, name: str) -> bool:
        regex = "^" + ".*".join(re.escape(part) for part in pattern.split("%")) + "$"
        return re.match(regex, name) is not None

    assert matches(accounts.ANY_PAYABLE, accounts.payable("D", "WOON"))
    assert matches(accounts.ANY_PAYABLE, accounts.payable(None, accounts.CLIENT))
    assert matches(accounts.ANY_RETURNED, accounts.returned("D"))
    assert matches(accounts.ANY_HOUSEHOLD_RESERVE, accounts.reserve("F", "F3"))
    assert not matches(accounts.ANY_PAYABLE, accounts.returned("D"))
    assert not matches(accounts.ANY_HOUSEHOLD_RESERVE, accounts.held("F"))
