"""Parsers for single field values of the input files.

Each parser takes the stripped text of one cell and returns the value, or
raises :class:`FieldError` with a message for the user. Messages never contain
a BSN; other values are echoed only through :func:`shown`, and messages of
``payments`` only through ``mask_digit_runs``: both mask runs of 8-9 digits in
case a BSN ended up in the wrong column.

Amount notation (DESIGN.md 5.2), for ``parse_amount_cents``:

* optional leading ``€`` or ``EUR``; no sign (negative amounts are refused);
* no separator: whole euros (``1334``);
* both ``.`` and ``,``: the last one is the decimal separator, the other one
  groups thousands (``1.334,23``, ``1,334.23``);
* one separator occurring more than once: thousands groups (``1.334.000``);
* one separator occurring once, followed by 1 or 2 digits: decimals
  (``1334,23``, ``1334.5``);
* one separator occurring once, followed by exactly 3 digits, after 1 to 3
  digits that do not start with 0 (``1.334``, ``12,500``): **ambiguous** —
  Dutch usage reads a thousands separator, English usage a decimal point.
  Money is too important to guess, so it is refused with a message asking for
  ``1334`` or ``1.334,00``;
* more than 2 decimals is refused.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from ontzorging.domain.money import euro_sign
from ontzorging.intake.parsing.problems import ParsingError, mask_digit_runs
from payments import accounts, references
from payments import text as text_module
from payments.schemas import SINGLE_AMOUNT_MAX_CENTS

MAX_AMOUNT_CENTS = SINGLE_AMOUNT_MAX_CENTS
"""€ 999.999,99, the one limit for a single amount (see ``payments.schemas``)."""

MAX_AMOUNT_TEXT_LENGTH = 40
"""Longer text is not an amount; bounds the work done on a bad cell."""

MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2099, 12, 31)
"""Dates outside this range are typing errors in this domain (birth dates,
benefit periods, contract dates)."""

MAX_ID_LENGTH = 35
"""Ids end up in SEPA ids (Max35Text) and file names."""

MAX_NAME_LENGTH = text_module.NAME_MAX
"""SEPA party names are Max70Text; also the limit of a coach's name."""

MAX_FREE_REFERENCE_LENGTH = text_module.USTRD_MAX
"""A free-text reference is sent as unstructured remittance (Max140Text).
A structured one (betalingskenmerk <= 16, RF <= 25 characters) always fits
its Max35Text by its format."""

MIN_PAYMENT_NAME_LETTERS = 2
"""A payee name needs at least this many letters A-Z after transliteration:
a name of one letter or none tells the bank (and Verification of Payee)
nothing."""

MAX_SHOWN_LENGTH = 40
"""How much of a bad value a message echoes."""

BSN_LENGTH = 9


class FieldError(ParsingError):
    """The text of one field is not valid; ``message`` says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def shown(text: str) -> str:
    """The value quoted for a message, shortened, with BSN-like digit runs masked.

    Masking keeps a BSN out of messages even when it sits in a column where
    nobody expects it.
    """
    masked = mask_digit_runs(text)
    if len(masked) > MAX_SHOWN_LENGTH:
        masked = masked[: MAX_SHOWN_LENGTH - 1] + "…"
    return repr(masked)


# --- amounts -------------------------------------------------------------

_CURRENCY_PREFIX = re.compile(r"^(?:€|eur)\s*", re.IGNORECASE)
_AMOUNT_CHARS = re.compile(r"[0-9.,]+")
_THOUSANDS_GROUPED = r"[1-9]\d{{0,2}}(?:{sep}\d{{3}})+"


def parse_amount_cents(text: str, *, allow_zero: bool = False) -> int:
    """Parse a euro amount in one of the accepted notations into cents."""
    body = _CURRENCY_PREFIX.sub("", text.strip(), count=1)
    if body.startswith("-") or body.endswith("-"):
        raise FieldError("negative amounts are not allowed")
    if len(body) > MAX_AMOUNT_TEXT_LENGTH or not _AMOUNT_CHARS.fullmatch(body):
        raise FieldError(f"not an amount: {shown(text)}; write e.g. 1334,23 or 1.334,23")
    euros, decimals = _split_amount(body)
    if len(decimals) > 2:
        raise FieldError("more than 2 decimals; amounts are in euros and cents")
    cents = int(euros) * 100 + int(decimals.ljust(2, "0"))
    if cents == 0 and not allow_zero:
        raise FieldError("amount must be more than zero")
    if cents > MAX_AMOUNT_CENTS:
        # The value is not echoed: a BSN or account number in the wrong column lands here.
        raise FieldError(f"amount is above the limit of {format_euro(MAX_AMOUNT_CENTS)}")
    return cents


format_euro = euro_sign
"""Cents in Dutch notation for messages: 10000034 -> ``€ 100.000,34``."""


def _split_amount(body: str) -> tuple[str, str]:
    """Split amount text into (whole euro digits, decimal digits)."""
    last_dot, last_comma = body.rfind("."), body.rfind(",")
    if last_dot < 0 and last_comma < 0:
        return body, ""
    if last_dot >= 0 and last_comma >= 0:
        decimal_sep = "." if last_dot > last_comma else ","
        thousands_sep = "," if decimal_sep == "." else "."
        whole, decimals = body.rsplit(decimal_sep, 1)
        return _ungroup(whole, thousands_sep), _decimal_digits(decimals)
    sep = "." if last_dot >= 0 else ","
    if body.count(sep) > 1:
        return _ungroup(body, sep), ""
    whole, decimals = body.split(sep)
    if len(decimals) == 3 and re.fullmatch(r"[1-9]\d{0,2}", whole):
        raise FieldError(
            f"ambiguous amount {shown(body)}: thousands or decimals? "
            "write 1334 or 1.334,00 for thousands, 1,33 for decimals"
        )
    if not whole:
        raise FieldError("not an amount: no digits before the decimal separator")
    return whole, _decimal_digits(decimals)


def _ungroup(whole: str, sep: str) -> str:
    if sep not in whole:
        if not whole:
            raise FieldError("not an amount: no digits before the decimal separator")
        return whole
    if not re.fullmatch(_THOUSANDS_GROUPED.format(sep=re.escape(sep)), whole):
        raise FieldError("not an amount: thousands separators must group exactly 3 digits")
    return whole.replace(sep, "")


def _decimal_digits(decimals: str) -> str:
    if not decimals.isdigit():
        raise FieldError("not an amount: misplaced separator or no digits after it")
    return decimals


# --- dates -----------------------------------------------------------------

_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_DUTCH_DATE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})", re.ASCII)
_PERIOD = re.compile(r"(\d{4})-(\d{2})", re.ASCII)


def parse_date(text: str) -> date:
    """Parse ``2026-03-01`` (ISO 8601) or ``01-03-2026`` / ``1-3-2026`` (Dutch)."""
    text = text.strip()
    if iso := _ISO_DATE.fullmatch(text):
        year, month, day = iso.groups()
    elif dutch := _DUTCH_DATE.fullmatch(text):
        day, month, year = dutch.groups()
    else:
        raise FieldError(f"not a date: {shown(text)}; write 2026-03-01 or 01-03-2026")
    return _calendar_date(int(year), int(month), int(day))


def parse_period(text: str) -> date:
    """Parse a month ``YYYY-MM`` into the date of its first day.

    An ISO date on the first of a month is also accepted, because a
    spreadsheet turns a typed ``2026-03`` into the date 2026-03-01.
    """
    text = text.strip()
    if match := _PERIOD.fullmatch(text):
        year, month = match.groups()
        if not 1 <= int(month) <= 12:
            raise FieldError(f"not a month: {shown(text)}; the month is 01 to 12")
        return _calendar_date(int(year), int(month), 1)
    if (iso := _ISO_DATE.fullmatch(text)) and iso.group(3) == "01":
        return parse_date(text)
    raise FieldError(f"not a period: {shown(text)}; write YYYY-MM, e.g. 2026-03")


def _calendar_date(year: int, month: int, day: int) -> date:
    try:
        value = date(year, month, day)
    except ValueError:
        raise FieldError(f"no such date: {year:04d}-{month:02d}-{day:02d}") from None
    if not MIN_DATE <= value <= MAX_DATE:
        raise FieldError(f"date {value.isoformat()} is outside {MIN_DATE.year}-{MAX_DATE.year}")
    return value


# --- identity ----------------------------------------------------------------

_BSN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def parse_bsn(text: str) -> str:
    """Parse a BSN: exactly 9 digits passing the 11-proef.

    Exactly 9: an 8-digit number is not padded here, because a dropped digit
    padded with a leading zero passes the 11-proef one time in eleven and
    would match somebody else. (The XLSX reader restores the leading zero of a
    numeric BSN cell, where Excel is known to drop it.)
    The message never contains the value.
    """
    text = text.strip()
    if len(text) != BSN_LENGTH or not text.isascii() or not text.isdigit():
        raise FieldError("BSN must be exactly 9 digits")
    if not is_valid_bsn(text):
        raise FieldError("BSN fails the 11-proef (check the digits)")
    return text


def is_valid_bsn(digits: str) -> bool:
    """The 11-proef on 9 ASCII digits: weights 9..2 and -1, sum divisible by 11."""
    if len(digits) != BSN_LENGTH or not digits.isascii() or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits, _BSN_WEIGHTS, strict=True))
    return total % 11 == 0 and digits != "0" * BSN_LENGTH


_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_NINE_DIGITS = re.compile(r"(?<!\d)\d{9}(?!\d)", re.ASCII)


def parse_id(text: str) -> str:
    """Parse an id: 1-35 of ``A-Za-z0-9-_.``, starting with a letter or digit.

    Ids become parts of SEPA ids and file names; a leading ``-`` would read as
    a command-line option, a leading ``.`` as a hidden file.
    """
    text = text.strip()
    if not text:
        raise FieldError("id is empty")
    if len(text) > MAX_ID_LENGTH:
        raise FieldError(f"id is longer than {MAX_ID_LENGTH} characters")
    if not _ID.fullmatch(text):
        raise FieldError(
            f"invalid id {shown(text)}: use only letters A-Z, digits, '-', '_' and '.',"
            " starting with a letter or digit"
        )
    return text


def parse_name(text: str) -> str:
    """Parse a person's or organisation's name: 1-70 printable characters,
    without a number that could be a BSN."""
    text = text.strip()
    if not text:
        raise FieldError("name is empty")
    if len(text) > MAX_NAME_LENGTH:
        raise FieldError(f"name is longer than {MAX_NAME_LENGTH} characters ({len(text)})")
    if not text.isprintable():
        raise FieldError("name contains a line break, tab or other control character")
    if any(is_valid_bsn(run) for run in _NINE_DIGITS.findall(text)):
        raise FieldError("name contains a 9-digit number that passes the 11-proef (a BSN?)")
    return text


def parse_payment_name(text: str) -> str:
    """A name that a payment file carries (payee, client in the remittance):
    :func:`parse_name`, and it must still be a name after transliteration to
    the EPC character set (at least 2 letters, at most 70 characters), so that
    it never fails or is cut when the payment file is written."""
    name = parse_name(text)
    epc = text_module.epc_transliteration(name)
    letters = sum(char.isascii() and char.isalpha() for char in epc)
    if letters < MIN_PAYMENT_NAME_LETTERS:
        raise FieldError("cannot be written in a SEPA payment file even after transliteration")
    if len(epc) > MAX_NAME_LENGTH:
        raise FieldError(
            f"longer than {MAX_NAME_LENGTH} characters after transliteration for the SEPA "
            f"payment file ({len(epc)}): {shown(epc)}"
        )
    return name


# --- codes and references ------------------------------------------------------


def parse_enum(text: str, allowed: Iterable[str]) -> str:
    """Parse one of ``allowed`` (case-insensitive); returns the allowed spelling."""
    options = tuple(allowed)
    wanted = text.strip().casefold()
    for option in options:
        if option.casefold() == wanted:
            return option
    raise FieldError(f"unknown value {shown(text.strip())}; expected one of: {', '.join(options)}")


def parse_iban(text: str) -> str:
    """Parse an IBAN with ``payments.accounts`` (check digits, bank code)."""
    try:
        return accounts.parse_iban(text.strip())
    except accounts.InvalidIban as error:
        raise FieldError(mask_digit_runs(str(error))) from None


def parse_bic(text: str) -> str:
    """Parse a BIC with ``payments.accounts``."""
    try:
        return accounts.parse_bic(text.strip())
    except accounts.InvalidBic as error:
        raise FieldError(mask_digit_runs(str(error))) from None


def parse_reference(text: str) -> references.Reference:
    """Parse a payment reference: betalingskenmerk, RF creditor reference or free text.

    Free text is sent as unstructured remittance, so after transliteration to
    the EPC set it must keep a letter or digit and fit in 140 characters.
    """
    try:
        reference = references.parse_reference(text.strip())
    except references.InvalidReference as error:
        raise FieldError(mask_digit_runs(str(error))) from None
    if reference.kind == "free":
        epc = text_module.epc_transliteration(reference.text)
        if not any(char.isascii() and char.isalnum() for char in epc):
            raise FieldError("cannot be written in a SEPA payment file even after transliteration")
        if len(epc) > MAX_FREE_REFERENCE_LENGTH:
            raise FieldError(
                f"free-text reference is longer than {MAX_FREE_REFERENCE_LENGTH} characters"
                f" after transliteration for the SEPA payment file ({len(epc)})"
            )
    return reference


# --- characters that no field may hold ----------------------------------------------

_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Embeddings, overrides and isolates: they make text display other than it
reads (the "Trojan Source" trick), in a name, a reference or a report."""


def forbidden_character_problem(value: str) -> str | None:
    """Why ``value`` may not be stored, or None: C0/C1 control characters
    (tab and line breaks included) and bidirectional controls are refused in
    every field of every file."""
    for char in value:
        if char in _BIDI_CONTROLS:
            return f"contains a bidirectional control character (U+{ord(char):04X})"
        if unicodedata.category(char) == "Cc":
            return f"contains a line break, tab or other control character (U+{ord(char):04X})"
    return None
