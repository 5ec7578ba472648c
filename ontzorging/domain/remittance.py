"""Remittance texts (R9): to a creditor the reference, kind, period and the
client's name; to the client the period in plain words. Never a BSN.

A remittance text is built in the EPC character set (``payments.text``) and
is at most ``REMITTANCE_MAX`` characters, so that the payment file's
validation never sees a text that is too long or has characters the bank
refuses. When the parts do not fit, whole words are left off from the end
(the client's name first, then the period, then the kind): the reference,
which the creditor needs to book the payment, comes first and stays whole.
The import keeps a free-text reference within 140 characters after
transliteration; a longer one (imported before that check) is cut at its last
space within the limit, or at the limit when it has no space there.
"""

from __future__ import annotations

from datetime import date

from ontzorging.domain.periods import format_month
from payments.text import USTRD_MAX, epc_transliteration

REMITTANCE_MAX = USTRD_MAX
"""Unstructured remittance is Max140Text in SEPA."""

_CLIENT_TEXT = {
    "nl": "Bijstand {month} na betaling vaste lasten",
    "en": "Benefit {month} after payment of fixed costs",
}


_RESERVE_TEXT = {
    "nl": "Gespaard voor {kind}, terug naar u",
    "en": "Savings for {kind} returned to you",
}


def creditor_remittance(reference: str, kind: str, month: date, client_name: str) -> str:
    head = _cut_at_word(epc_transliteration(reference), REMITTANCE_MAX)
    words = epc_transliteration(f"{kind} {format_month(month)} {client_name}").split()
    return _add_words(head, words, REMITTANCE_MAX)


def client_remittance(month: date, language: str) -> str:
    return _CLIENT_TEXT.get(language, _CLIENT_TEXT["nl"]).format(month=format_month(month))


def reserve_remittance(kind: str, language: str) -> str:
    """To the client: what was saved in a reserve that now comes back (R3)."""
    text = _RESERVE_TEXT.get(language, _RESERVE_TEXT["nl"]).format(kind=kind)
    return _cut_at_word(epc_transliteration(text), REMITTANCE_MAX)


def _add_words(text: str, words: list[str], limit: int) -> str:
    """``text`` followed by as many of ``words`` as fit in ``limit``, in order; the
    first word that does not fit ends the text."""
    for word in words:
        longer = f"{text} {word}" if text else word
        if len(longer) > limit:
            break
        text = longer
    return text


def _cut_at_word(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    space = text.rfind(" ", 0, limit + 1)
    return text[:space] if space > 0 else text[:limit]
