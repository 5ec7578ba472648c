"""IBAN and BIC values, checked with schwifty (structure, check digits, bank registry).

``parse_iban`` is for data entering the system (registers, imports): it is strict and
explains what is wrong. ``iban_checksum_ok`` is the cheap ISO 13616 mod-97 check that the
pain.001 writer and rule checker repeat on every account as a second line of defence.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from payments.errors import InvalidBic, InvalidIban

IBAN_MAX_LENGTH: Final = 34
_IBAN_SHAPE: Final = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}")
_CACHE_SIZE: Final = 4096  # creditors repeat: landlords, insurers, utilities
_LETTER_VALUES: Final = str.maketrans({chr(65 + i): str(10 + i) for i in range(26)})
"""A -> 10 .. Z -> 35, for the mod-97 check."""


def compact_iban(text: str) -> str:
    """Upper-case, without spaces: the form used in files and the database."""
    return "".join(text.split()).upper()


@lru_cache(maxsize=_CACHE_SIZE)
def parse_iban(text: str) -> str:
    """The compact IBAN, or :class:`InvalidIban` saying why not.

    Checks country, length and structure (IBAN registry), the mod-97 check digits, and for
    Dutch IBANs that the bank code is a known Dutch bank (schwifty's registry): a typo in the
    four letters passes mod 97 only by chance, but an invented bank code must not reach a file.
    The old Dutch "elfproef" is not applied: it does not hold for all Dutch accounts any more.
    """
    compact = compact_iban(text)
    if not compact:
        raise InvalidIban("IBAN is empty")
    try:
        iban = IBAN(compact)
    except SchwiftyException as error:
        raise InvalidIban(f"IBAN {compact!r}: {error}") from None
    if iban.country_code == "NL" and iban.bank is None:
        raise InvalidIban(f"IBAN {compact!r}: unknown Dutch bank code {iban.bank_code!r}")
    return str(iban.compact)


@lru_cache(maxsize=_CACHE_SIZE)
def iban_checksum_ok(compact: str) -> bool:
    """ISO 13616 shape and mod-97 check of a compact IBAN (no registry lookup)."""
    if len(compact) > IBAN_MAX_LENGTH or not _IBAN_SHAPE.fullmatch(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int(rearranged.translate(_LETTER_VALUES)) % 97 == 1


@lru_cache(maxsize=_CACHE_SIZE)
def parse_bic(text: str) -> str:
    """The BIC in upper case (8 or 11 characters), or :class:`InvalidBic` saying why not.

    Only the format and the country are checked: a BIC missing from schwifty's registry is
    still accepted (the registry is incomplete abroad), see :func:`bic_exists`.
    """
    compact = "".join(text.split()).upper()
    if not compact:
        raise InvalidBic("BIC is empty")
    try:
        bic = BIC(compact)
    except SchwiftyException as error:
        raise InvalidBic(f"BIC {compact!r}: {error}") from None
    return str(bic)


def bic_exists(bic: str) -> bool:
    """Whether the BIC is in schwifty's bank registry."""
    try:
        return bool(BIC(bic).exists)
    except SchwiftyException:
        return False


@lru_cache(maxsize=_CACHE_SIZE)
def bic_for_iban(iban: str) -> str | None:
    """The primary BIC of the IBAN's bank from the registry, or None when unknown or invalid."""
    try:
        found = IBAN(compact_iban(iban)).bic
    except SchwiftyException:
        return None
    return None if found is None else str(found)
