"""Account names. An account is a colon-separated path whose root is one of
the five beancount types. Its second component says whose money it is:
``Household`` followed by the household id, or ``PassThrough`` for benefits
of persons who are not in the register (paid on unchanged).

Assets:Household:<H>:Held                  money held by the municipality for H
Assets:Household:<H>:Reserve:<obligation>  set aside for a quarterly cost
Income:Household:<H>:Bijstand:<kind>       benefits received, by kind
Expenses:Household:<H>:<kind>              fixed costs (huur, energie, ...) and
                                           leefgeld (the remainder for the client)
Liabilities:Household:<H>:Payable:<payee>  owed to a creditor, or to ``Client``
Liabilities:Household:<H>:Returned         money the bank sent back (rejected or
                                           returned payment), held until the coach
                                           decides (ADR 0007)
"""

from __future__ import annotations

import re
from functools import lru_cache

ROOTS = ("Assets", "Liabilities", "Equity", "Income", "Expenses")
CLIENT = "Client"
_COMPONENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")


@lru_cache(maxsize=1 << 16)
def _component(text: str) -> str:
    if not _COMPONENT.match(text):
        raise ValueError(f"not usable in an account name: {text!r}")
    return text


PASS_THROUGH = "PassThrough"
LEEFGELD = "leefgeld"


@lru_cache(maxsize=1 << 16)
def owner(household_id: str | None) -> str:
    """The owner part of an account: a household, or pass-through money."""
    if household_id is None:
        return PASS_THROUGH
    return f"Household:{_component(household_id)}"


def held(household_id: str | None) -> str:
    return f"Assets:{owner(household_id)}:Held"


def reserve(household_id: str, obligation_id: str) -> str:
    return f"Assets:{owner(household_id)}:Reserve:{_component(obligation_id)}"


def income(household_id: str | None, benefit_kind: str) -> str:
    return f"Income:{owner(household_id)}:Bijstand:{_component(benefit_kind)}"


def expense(household_id: str | None, cost_kind: str) -> str:
    return f"Expenses:{owner(household_id)}:{_component(cost_kind)}"


def payable(household_id: str | None, payee: str) -> str:
    return f"Liabilities:{owner(household_id)}:Payable:{_component(payee)}"


def returned(household_id: str | None) -> str:
    """Held money awaiting the coach's decision on a rejected or returned payment."""
    return f"Liabilities:{owner(household_id)}:Returned"


def household_of(account: str) -> str | None:
    parts = account.split(":")
    return parts[2] if parts[1] == "Household" else None


# The same shapes as SQL LIKE patterns, for queries over every household's
# accounts of one kind: the names are built above and only matched here.
ANY_PAYABLE = "Liabilities:%:Payable:%"
ANY_RETURNED = "Liabilities:%:Returned"
ANY_HOUSEHOLD_RESERVE = "Assets:Household:%:Reserve:%"
