"""The one rule for a text that is longer than the field it goes into.

Texts the engine composes (a signal's detail, a ledger entry's description,
an event's reason) can carry words a person typed, up to their own limit.
When the whole does not fit the column, it keeps its first ``max_chars - 1``
characters and ends in "…", so whoever reads it sees that it was shortened.
It is never cut silently. Input a person gives is not shortened: it is
refused above its limit (``--reason``, ``--note``: 200 characters).
"""

from __future__ import annotations

ELLIPSIS = "…"


def shorten(text: str, max_chars: int) -> str:
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    if len(text) <= max_chars:
        return text
    return text[: max_chars - 1] + ELLIPSIS
