"""Remittance texts (R9): to a creditor the reference, kind, period and the
client's name; to the client the period in plain words. Never a BSN."""

from __future__ import annotations

from datetime import date

from ontzorging.periods import format_month

# Unstructured remittance is at most 140 characters in SEPA.
REMITTANCE_MAX = 140

_CLIENT_TEXT = {
    "nl": "Bijstand {month} na betaling vaste lasten",
    "en": "Benefit {month} after payment of fixed costs",
}


def creditor_remittance(reference: str, kind: str, month: date, client_name: str) -> str:
    return f"{reference} {kind} {format_month(month)} {client_name}"[:REMITTANCE_MAX]


def client_remittance(month: date, language: str) -> str:
    return _CLIENT_TEXT.get(language, _CLIENT_TEXT["nl"]).format(month=format_month(month))
