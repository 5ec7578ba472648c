"""Field parsers: tables of valid and invalid text, and properties."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from ontzorging.intake.parsing import fields
from ontzorging.intake.parsing.fields import (
    MAX_AMOUNT_CENTS,
    FieldError,
    parse_amount_cents,
    parse_bic,
    parse_bsn,
    parse_date,
    parse_enum,
    parse_iban,
    parse_id,
    parse_name,
    parse_period,
    parse_reference,
)

# --- amounts ------------------------------------------------------------------------

VALID_AMOUNTS = {
    "1.334,23": 133423,
    "1334,23": 133423,
    "1334.23": 133423,
    "€ 1.334,23": 133423,
    "€1334,23": 133423,
    "EUR 1334,23": 133423,
    "eur1334.23": 133423,
    "1,334.23": 133423,
    "1334": 133400,
    "1334,5": 133450,
    "1334.5": 133450,
    "0,05": 5,
    "0.99": 99,
    "  1334,23 ": 133423,
    "001334,23": 133423,
    "999.999,99": MAX_AMOUNT_CENTS,
}


@pytest.mark.parametrize(("text", "cents"), VALID_AMOUNTS.items(), ids=VALID_AMOUNTS.keys())
def test_accepted_amount_notations(text: str, cents: int) -> None:
    assert parse_amount_cents(text) == cents


INVALID_AMOUNTS = {
    "1.334.000": "above the limit of € 999.999,99",
    "1,334,000": "above the limit of € 999.999,99",
    "1.000.000,00": "above the limit of € 999.999,99",
    "100000034": "above the limit of € 999.999,99",  # a BSN in the amount column
    "1000000,34": "above the limit of € 999.999,99",  # a BSN read as cents
    "1.334": "ambiguous",
    "1,334": "ambiguous",
    "12.500": "ambiguous",
    "€ 999,000": "ambiguous",
    "1334,567": "more than 2 decimals",
    "0,334": "more than 2 decimals",
    "1.334,567": "more than 2 decimals",
    "1334.5678": "more than 2 decimals",
    "-1334,23": "negative",
    "€ -5": "negative",
    "5-": "negative",
    "0": "more than zero",
    "0,00": "more than zero",
    "": "not an amount",
    "abc": "not an amount",
    "1 334,23": "not an amount",
    "1e3": "not an amount",
    "+5": "not an amount",
    "1334,": "not an amount",
    ",50": "not an amount",
    ".": "not an amount",
    "1.33.4": "group exactly 3",
    "1.3345.000": "group exactly 3",
    "0.334.000": "group exactly 3",
    "1,334,5.00": "group exactly 3",
    "1.334,5.00": "group exactly 3",
    "1.000.000.000,00": "above the limit",
    "1" * 41: "not an amount",
    "١٢٣": "not an amount",  # Arabic-Indic digits are not accepted
}


@pytest.mark.parametrize(
    ("text", "fragment"), INVALID_AMOUNTS.items(), ids=[repr(t) for t in INVALID_AMOUNTS]
)
def test_rejected_amounts(text: str, fragment: str) -> None:
    with pytest.raises(FieldError, match=fragment):
        parse_amount_cents(text)


def test_zero_only_when_allowed() -> None:
    assert parse_amount_cents("0,00", allow_zero=True) == 0
    with pytest.raises(FieldError, match="negative"):
        parse_amount_cents("-0,01", allow_zero=True)


def _thousands(euros: int, sep: str) -> str:
    return f"{euros:,}".replace(",", sep)


NOTATIONS: dict[str, Callable[[int, int], str]] = {
    "dutch grouped": lambda e, c: f"{_thousands(e, '.')},{c:02d}",
    "dutch plain": lambda e, c: f"{e},{c:02d}",
    "point plain": lambda e, c: f"{e}.{c:02d}",
    "english grouped": lambda e, c: f"{_thousands(e, ',')}.{c:02d}",
    "euro sign": lambda e, c: f"€ {_thousands(e, '.')},{c:02d}",
    "euro sign no space": lambda e, c: f"€{e},{c:02d}",
    "EUR": lambda e, c: f"EUR {e}.{c:02d}",
}


@given(
    cents=st.integers(min_value=1, max_value=MAX_AMOUNT_CENTS),
    notation=st.sampled_from(sorted(NOTATIONS)),
)
@example(cents=133423, notation="dutch grouped")
@example(cents=100000, notation="english grouped")
def test_every_accepted_notation_parses_back_exactly(cents: int, notation: str) -> None:
    euros, rest = divmod(cents, 100)

    assert parse_amount_cents(NOTATIONS[notation](euros, rest)) == cents


@given(euros=st.integers(min_value=1, max_value=MAX_AMOUNT_CENTS // 100))
def test_whole_euros_parse_back_unless_ambiguous(euros: int) -> None:
    assert parse_amount_cents(str(euros)) == euros * 100
    grouped = _thousands(euros, ".")
    if grouped.count(".") == 1:  # 1.000 up to 999.999: thousands or decimals?
        with pytest.raises(FieldError, match="ambiguous"):
            parse_amount_cents(grouped)
    else:
        assert parse_amount_cents(grouped) == euros * 100


@given(cents=st.integers(min_value=1, max_value=MAX_AMOUNT_CENTS))
def test_one_decimal_means_tens_of_cents(cents: int) -> None:
    tens = cents - cents % 10 or 10
    euros, rest = divmod(tens, 100)

    assert parse_amount_cents(f"{euros},{rest // 10}") == tens


@given(
    cents=st.integers(min_value=1, max_value=10**9),
    extra=st.integers(min_value=0, max_value=9),
    sep=st.sampled_from([",", "."]),
)
def test_a_third_decimal_is_never_accepted(cents: int, extra: int, sep: str) -> None:
    euros, rest = divmod(cents, 100)
    text = f"{_thousands(euros, '.' if sep == ',' else ',')}{sep}{rest:02d}{extra}"

    with pytest.raises(FieldError):
        parse_amount_cents(text)


# --- dates and periods ------------------------------------------------------------------

VALID_DATES = {
    "2026-03-01": date(2026, 3, 1),
    "01-03-2026": date(2026, 3, 1),
    "1-3-2026": date(2026, 3, 1),
    "29-02-2028": date(2028, 2, 29),
    "2026-12-31": date(2026, 12, 31),
    " 2026-03-01 ": date(2026, 3, 1),
}


@pytest.mark.parametrize(("text", "value"), VALID_DATES.items(), ids=VALID_DATES.keys())
def test_accepted_date_notations(text: str, value: date) -> None:
    assert parse_date(text) == value


INVALID_DATES = {
    "2026-02-31": "no such date",
    "31-02-2026": "no such date",
    "29-02-2026": "no such date",
    "2026-13-01": "no such date",
    "00-01-2026": "no such date",
    "2026-3-1": "not a date",
    "01/03/2026": "not a date",
    "1 maart 2026": "not a date",
    "2026-03-01T00:00:00": "not a date",
    "20260301": "not a date",
    "": "not a date",
    "1899-12-31": "outside",
    "2100-01-01": "outside",
    "２０２６-03-01": "not a date",  # full-width digits
}


@pytest.mark.parametrize(("text", "fragment"), INVALID_DATES.items(), ids=INVALID_DATES.keys())
def test_rejected_dates(text: str, fragment: str) -> None:
    with pytest.raises(FieldError, match=fragment):
        parse_date(text)


@given(st.dates(min_value=fields.MIN_DATE, max_value=fields.MAX_DATE))
def test_iso_and_dutch_dates_parse_back(value: date) -> None:
    assert parse_date(value.isoformat()) == value
    assert parse_date(value.strftime("%d-%m-%Y")) == value
    assert parse_date(f"{value.day}-{value.month}-{value.year}") == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2026-03", date(2026, 3, 1)),
        ("2026-12", date(2026, 12, 1)),
        ("2026-03-01", date(2026, 3, 1)),
    ],
)
def test_periods(text: str, value: date) -> None:
    assert parse_period(text) == value


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("2026-13", "not a month"),
        ("2026-00", "not a month"),
        ("2026-3", "not a period"),
        ("03-2026", "not a period"),
        ("2026-03-15", "not a period"),
        ("maart 2026", "not a period"),
    ],
)
def test_rejected_periods(text: str, fragment: str) -> None:
    with pytest.raises(FieldError, match=fragment):
        parse_period(text)


# --- BSN ------------------------------------------------------------------------------------

WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2)


@st.composite
def bsns(draw: st.DrawFn) -> str:
    """A valid BSN: 8 random digits and the one last digit that passes the 11-proef."""
    first = draw(st.text(alphabet="0123456789", min_size=8, max_size=8))
    last = sum(int(d) * w for d, w in zip(first, WEIGHTS, strict=True)) % 11
    assume(last <= 9 and first != "0" * 8)
    return first + str(last)


@pytest.mark.parametrize("bsn", ["111222333", "123456782", "999999990", "012345672"])
def test_valid_bsns(bsn: str) -> None:
    assert parse_bsn(bsn) == bsn


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("123456789", "11-proef"),
        ("000000000", "11-proef"),
        ("12345678a", "9 digits"),
        ("12345678", "9 digits"),
        ("1234567820", "9 digits"),
        ("123 456 782", "9 digits"),
        ("١٢٣٤٥٦٧٨٢", "9 digits"),
    ],
)
def test_invalid_bsns_without_showing_the_value(text: str, fragment: str) -> None:
    with pytest.raises(FieldError, match=fragment) as raised:
        parse_bsn(text)
    assert text not in str(raised.value)
    assert text[:8] not in str(raised.value)


@given(bsns())
def test_generated_bsns_are_accepted(bsn: str) -> None:
    assert parse_bsn(bsn) == bsn


@given(bsns(), st.integers(min_value=0, max_value=8), st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_is_rejected(bsn: str, position: int, change: int) -> None:
    digit = (int(bsn[position]) + change) % 10
    changed = bsn[:position] + str(digit) + bsn[position + 1 :]

    with pytest.raises(FieldError, match="11-proef") as raised:
        parse_bsn(changed)
    assert changed not in str(raised.value)


# --- ids, names, codes ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["H-A", "h_1.2", "0", "A" * 35, "2026-03-B.1"])
def test_valid_ids(text: str) -> None:
    assert parse_id(text) == text


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("A" * 36, "longer than 35"),
        ("H A", "invalid id"),
        ("H/A", "invalid id"),
        ("H\\A", "invalid id"),
        ("H:A", "invalid id"),
        ("Hé", "invalid id"),
        ("-A", "invalid id"),
        (".A", "invalid id"),
        ("..", "invalid id"),
    ],
)
def test_invalid_ids(text: str, fragment: str) -> None:
    with pytest.raises(FieldError, match=fragment):
        parse_id(text)


def test_names() -> None:
    assert parse_name(" Gül Yılmaz-Öztürk ") == "Gül Yılmaz-Öztürk"
    assert parse_name("x" * 70) == "x" * 70
    with pytest.raises(FieldError, match="longer than 70"):
        parse_name("x" * 71)
    with pytest.raises(FieldError, match="control character"):
        parse_name("A\tB")


def test_enum_is_case_insensitive_and_returns_the_allowed_spelling() -> None:
    assert parse_enum(" HUUR ", ("huur", "energie")) == "huur"
    with pytest.raises(FieldError, match="expected one of: huur, energie"):
        parse_enum("gas", ("huur", "energie"))


def test_echoed_values_mask_long_digit_runs() -> None:
    with pytest.raises(FieldError) as raised:
        parse_enum("bsn 111222333", ("nl", "en"))

    assert "111222333" not in raised.value.message
    assert "#########" in raised.value.message


def test_iban_bic_and_reference_come_from_payments() -> None:
    assert parse_iban("nl91 abna 0417 1643 00") == "NL91ABNA0417164300"
    assert parse_bic("abnanl2a") == "ABNANL2A"
    assert parse_reference("5000 0567 8901 2345").kind == "betalingskenmerk"
    assert parse_reference("RF18 5390 0754 7034").text == "RF18539007547034"
    assert parse_reference("klant 12").kind == "free"
    for parse, bad in ((parse_iban, "NL00"), (parse_bic, "X"), (parse_reference, "RF00X")):
        with pytest.raises(FieldError):
            parse(bad)
