"""Payment references: Dutch betalingskenmerk (Currence) and RF creditor reference (ISO 11649).

Both are sent structured in pain.001 (``RmtInf/Strd/CdtrRefInf`` with issuer ``CUR`` or
``ISO``); anything else is free text and goes into ``RmtInf/Ustrd``.

Betalingskenmerk (Betaalvereniging Nederland, "Specificaties betalingskenmerk"):

* digits only, of length 7, 9-14 or 16 (never 8 or 15);
* 7 digits: no check digit at all (``7N``);
* 16 digits: check digit + 15 digits (``C + 15N``);
* 9-14 digits: check digit + length code + number (``C + L + N``), where ``L`` is the number
  of digits after it modulo 10 (9 -> L=7, 10 -> 8, 11 -> 9, 12 -> 0, 13 -> 1, 14 -> 2);
* check digit: weights 2, 4, 8, 5, 10, 9, 7, 3, 6, 1 (repeating) from the rightmost digit
  leftwards over everything after ``C`` (the length code included); A = sum of
  digit x weight; C = 11 - (A mod 11), with 10 -> 1 and 11 -> 0.

Shorter kenmerken are never padded to 16: padding would change the check digit, so a padded
short kenmerk is not a valid 16-digit one. ``make_betalingskenmerk`` makes 16-digit ones by
default, zero-padding the *number* (as in the Currence example ``5000056789012345``).

RF creditor reference: ``RF`` + 2 check digits + 1-21 letters/digits, ISO 7064 mod 97-10.

All functions here are pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

from payments.errors import InvalidReference

ReferenceKind = Literal["betalingskenmerk", "rf", "free"]

KENMERK_LENGTHS: Final = frozenset({7, 9, 10, 11, 12, 13, 14, 16})
"""Lengths (in digits) that a betalingskenmerk may have; 8 and 15 do not exist."""
KENMERK_FULL_LENGTH: Final = 16
RF_MIN_LENGTH: Final = 5  # "RF" + 2 check digits + at least one character
RF_MAX_LENGTH: Final = 25  # ISO 11649: at most 21 characters after the check digits

# Powers of 2 modulo 11: the Currence weights 2, 4, 8, 5, 10, 9, 7, 3, 6, 1, repeating
# (period 10), written out for the 15 positions a kenmerk can have after its check digit.
_KENMERK_WEIGHTS: Final = tuple(pow(2, i + 1, 11) for i in range(KENMERK_FULL_LENGTH - 1))

_KENMERK_SEPARATORS: Final = re.compile(r"[ .]")
_LOOKS_LIKE_KENMERK: Final = re.compile(r"[0-9][0-9 .]*")
_LOOKS_LIKE_RF: Final = re.compile(r"RF[0-9]{2}", re.IGNORECASE)
_RF_BODY: Final = re.compile(r"[A-Z0-9]{1,21}")


@dataclass(frozen=True, slots=True)
class Reference:
    """A payment reference in normalised form.

    ``text`` is: for ``betalingskenmerk`` the digits only (16 of them when produced by
    :func:`parse_reference`); for ``rf`` the reference upper-case without spaces; for
    ``free`` the text stripped of surrounding whitespace. Building a ``Reference`` checks this.
    """

    kind: ReferenceKind
    text: str

    def __post_init__(self) -> None:
        if self.kind == "betalingskenmerk":
            problem = betalingskenmerk_problem(self.text)
        elif self.kind == "rf":
            problem = rf_problem(self.text)
        elif self.kind == "free":
            problem = None if self.text == self.text.strip() else "free text is not stripped"
        else:
            problem = f"unknown reference kind {self.kind!r}"
        if problem is not None:
            raise InvalidReference(f"{self.text!r}: {problem}")


def parse_reference(text: str) -> Reference:
    """Classify and validate a reference as written on an invoice or in a register.

    The "looks like" rules, applied to the text stripped of surrounding whitespace:

    * **betalingskenmerk**: only digits, spaces and dots, starting with a digit, and exactly
      16 digits once the spaces and dots are removed. Shorter Currence kenmerken (7, 9-14
      digits) are deliberately *not* recognised here, because customer and contract numbers
      of that length are common and must stay free text; use :func:`parse_betalingskenmerk`
      when the source says the number is a betalingskenmerk.
    * **RF**: starts with ``RF`` and two digits (any case); spaces are separators.
    * anything else is free text.

    A text that looks like a betalingskenmerk or RF reference but fails its check digits raises
    :class:`InvalidReference` rather than silently becoming free text.
    """
    stripped = text.strip()
    if _LOOKS_LIKE_KENMERK.fullmatch(stripped):
        digits = _KENMERK_SEPARATORS.sub("", stripped)
        if len(digits) == KENMERK_FULL_LENGTH:
            return parse_betalingskenmerk(stripped)
    if _LOOKS_LIKE_RF.match(stripped):
        return parse_rf(stripped)
    return Reference("free", stripped)


def parse_betalingskenmerk(text: str) -> Reference:
    """Validate text known to be a betalingskenmerk of any Currence length (7, 9-14, 16)."""
    digits = _KENMERK_SEPARATORS.sub("", text.strip())
    problem = betalingskenmerk_problem(digits)
    if problem is not None:
        raise InvalidReference(f"betalingskenmerk {text.strip()!r}: {problem}")
    return Reference("betalingskenmerk", digits)


def parse_rf(text: str) -> Reference:
    """Validate text known to be an RF creditor reference (spaces allowed, any case)."""
    compact = "".join(text.split()).upper()
    problem = rf_problem(compact)
    if problem is not None:
        raise InvalidReference(f"RF creditor reference {text.strip()!r}: {problem}")
    return Reference("rf", compact)


def betalingskenmerk_problem(digits: str) -> str | None:
    """Why ``digits`` is not a valid betalingskenmerk, or None when it is."""
    if not digits.isascii() or not digits.isdigit():
        return "a betalingskenmerk has digits only"
    length = len(digits)
    if length not in KENMERK_LENGTHS:
        return f"a betalingskenmerk has 7, 9-14 or 16 digits, not {length}"
    if length == 7:
        return None  # 7N: no check information at all
    if length < KENMERK_FULL_LENGTH:
        expected_code = (length - 2) % 10
        if int(digits[1]) != expected_code:
            return (
                f"length code (2nd digit) is {digits[1]}, expected {expected_code} "
                f"for {length} digits"
            )
    expected = kenmerk_check_digit(digits[1:])
    if int(digits[0]) != expected:
        return f"check digit is {digits[0]}, expected {expected} (weighted modulus 11)"
    return None


def kenmerk_check_digit(body: str) -> int:
    """The Currence check digit over ``body`` (everything after the check digit)."""
    if len(body) > len(_KENMERK_WEIGHTS):
        raise InvalidReference(f"{body!r}: at most 15 digits follow the check digit")
    weighted = zip(reversed(body), _KENMERK_WEIGHTS, strict=False)  # body may be shorter
    total = sum(int(char) * weight for char, weight in weighted)
    check = 11 - total % 11
    if check == 10:
        return 1
    if check == 11:
        return 0
    return check


def is_valid_betalingskenmerk(digits: str) -> bool:
    return betalingskenmerk_problem(digits) is None


def make_betalingskenmerk(number: str, length: int = KENMERK_FULL_LENGTH) -> str:
    """A valid betalingskenmerk of ``length`` digits carrying ``number`` (for test data).

    The number is zero-padded on the left to fill the kenmerk: 15 digits for length 16,
    ``length - 2`` digits for 9-14 (after check digit and length code), 7 for length 7.
    """
    if not number.isascii() or not number.isdigit():
        raise InvalidReference(f"{number!r}: a betalingskenmerk number has digits only")
    if length not in KENMERK_LENGTHS:
        raise InvalidReference(f"a betalingskenmerk has 7, 9-14 or 16 digits, not {length}")
    if length == 7:
        payload_length = 7
    elif length == KENMERK_FULL_LENGTH:
        payload_length = 15
    else:
        payload_length = length - 2
    if len(number) > payload_length:
        raise InvalidReference(
            f"{number!r} does not fit in a {length}-digit betalingskenmerk "
            f"(at most {payload_length} digits)"
        )
    payload = number.zfill(payload_length)
    if length == 7:
        return payload
    if length < KENMERK_FULL_LENGTH:
        payload = str(payload_length % 10) + payload
    return str(kenmerk_check_digit(payload)) + payload


def _rf_numeric(text: str) -> int:
    # Letters A..Z count as 10..35; int(c, 36) does exactly that for digits and letters.
    return int("".join(str(int(c, 36)) for c in text))


def rf_problem(compact: str) -> str | None:
    """Why ``compact`` (upper-case, no spaces) is not a valid RF reference, or None."""
    if not compact.startswith("RF") or not compact[2:4].isdigit() or not compact.isascii():
        return "an RF creditor reference starts with RF and two check digits"
    if not RF_MIN_LENGTH <= len(compact) <= RF_MAX_LENGTH:
        return f"an RF creditor reference has 5-25 characters, not {len(compact)}"
    if not _RF_BODY.fullmatch(compact[4:]):
        return "after RF and the check digits only letters A-Z and digits are allowed"
    if _rf_numeric(compact[4:] + compact[:4]) % 97 != 1:
        return "check digits do not match (ISO 11649 mod 97)"
    return None


def is_valid_rf(compact: str) -> bool:
    return rf_problem(compact) is None


def make_rf(body: str) -> str:
    """The RF creditor reference for ``body`` (1-21 letters/digits; spaces ignored)."""
    compact = "".join(body.split()).upper()
    if not compact.isascii() or not _RF_BODY.fullmatch(compact):
        raise InvalidReference(f"{body!r}: an RF reference body has 1-21 letters A-Z and digits")
    check = 98 - _rf_numeric(compact + "RF00") % 97
    return f"RF{check:02d}{compact}"
