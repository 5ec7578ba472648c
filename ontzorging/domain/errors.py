"""One exception tree for the engine (STYLE.md "Errors").

An entry point maps the tree to what the user sees: bad input and refusals
are expected and answered with their message (exit 1); a broken invariant is
a bug or corrupted data, stops the run and is written down as an incident
(exit 70). Any exception outside this tree, ``ValueError`` included, is a bug
too: it is never reported as bad input.

The ledger and payments packages are leaves with trees of their own
(``ledger.errors``, ``payments.errors``); the entry points map those as well.
"""

from __future__ import annotations


class OntzorgingError(Exception):
    """Base of every error the engine raises on purpose."""

    code = "error"


class BadInput(OntzorgingError):
    """What was given cannot be used: a file, an argument, a setting."""

    code = "bad_input"


class Refused(OntzorgingError):
    """The input is well formed, but a rule forbids doing this now."""

    code = "refused"


class NotFound(Refused):
    """The household, batch, signal or payment asked for does not exist
    (or is not visible to whoever asks)."""

    code = "not_found"


class InvariantBroken(OntzorgingError):
    """Something that must always hold does not: a bug or corrupted data."""

    code = "invariant_broken"
