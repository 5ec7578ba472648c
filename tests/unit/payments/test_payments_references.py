"""Betalingskenmerk (Currence weighted mod 11) and RF creditor reference (ISO 11649)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from payments.errors import InvalidReference, PaymentsError
from payments.references import (
    KENMERK_LENGTHS,
    Reference,
    betalingskenmerk_problem,
    is_valid_betalingskenmerk,
    is_valid_rf,
    kenmerk_check_digit,
    make_betalingskenmerk,
    make_rf,
    parse_betalingskenmerk,
    parse_reference,
    parse_rf,
)

# --- published examples -----------------------------------------------------------------


def test_currence_example_16_digits() -> None:
    # Betaalvereniging: (5)000 0567 8901 2345, A = 215, 215 mod 11 = 6, C = 5
    assert kenmerk_check_digit("000056789012345") == 5
    assert is_valid_betalingskenmerk("5000056789012345")


def test_currence_example_14_digits_with_length_code() -> None:
    # Betaalvereniging: 12 2345 3462 2567: check digit 1, length code 2 (twelve digits follow)
    assert parse_betalingskenmerk("12 2345 3462 2567") == Reference(
        "betalingskenmerk", "12234534622567"
    )


def test_iso_11649_examples() -> None:
    assert make_rf("2348231") == "RF712348231"  # ISO 11649 annex B
    assert is_valid_rf("RF18539007547034")
    assert make_rf("5390 0754 7034") == "RF18539007547034"


# --- parse_reference: classification -------------------------------------------------------

CLASSIFIED = [
    # (text as written, expected kind, expected normalised text)
    ("5000056789012345", "betalingskenmerk", "5000056789012345"),
    ("5000 0567 8901 2345", "betalingskenmerk", "5000056789012345"),
    (" 5000.0567.8901.2345 ", "betalingskenmerk", "5000056789012345"),
    ("RF18 5390 0754 7034", "rf", "RF18539007547034"),
    ("rf18539007547034", "rf", "RF18539007547034"),
    ("RF712348231", "rf", "RF712348231"),
    ("klantnummer 12345", "free", "klantnummer 12345"),
    ("  contract 2026/03  ", "free", "contract 2026/03"),
    ("12234534622567", "free", "12234534622567"),  # 14 digits: could be a customer number
    ("1234567", "free", "1234567"),  # 7 digits: no check information at all
    ("500005678901234", "free", "500005678901234"),  # 15 digits: never a kenmerk
    ("50000567890123456", "free", "50000567890123456"),  # 17 digits
    ("huur RF18 5390 0754 7034", "free", "huur RF18 5390 0754 7034"),
    ("RF huur", "free", "RF huur"),
    ("", "free", ""),
]


@pytest.mark.parametrize(("text", "kind", "normalised"), CLASSIFIED)
def test_parse_reference_classifies(text: str, kind: str, normalised: str) -> None:
    assert parse_reference(text) == Reference(kind, normalised)  # type: ignore[arg-type]


REJECTED = [
    # (text, why it is rejected)
    ("4000056789012345", "looks like a kenmerk, check digit 4 instead of 5"),
    ("5000 0567 8901 2346", "last digit mistyped"),
    ("RF19539007547034", "RF check digits wrong"),
    ("RF18 5390 0754 7035", "last character mistyped"),
    ("RF18", "RF without a reference"),
    ("RF18-5390-0754-7034", "dashes are not RF characters"),
    ("RF181234567890123456789012", "longer than 25 characters"),
]


@pytest.mark.parametrize(("text", "why"), REJECTED)
def test_parse_reference_rejects_bad_check_digits(text: str, why: str) -> None:
    with pytest.raises(InvalidReference) as raised:
        parse_reference(text)
    assert text.strip() in str(raised.value), why


def test_invalid_reference_belongs_to_the_package_tree() -> None:
    assert issubclass(InvalidReference, PaymentsError)


def test_error_message_says_what_was_expected() -> None:
    with pytest.raises(InvalidReference, match="check digit is 4, expected 5"):
        parse_reference("4000056789012345")


# --- explicit kenmerk parsing: every Currence length --------------------------------------

KENMERK_PROBLEMS = [
    ("1234567", None),
    ("12345678", "7, 9-14 or 16 digits, not 8"),
    ("123456789012345", "not 15"),
    ("123456", "not 6"),
    ("12345678901234567", "not 17"),
    ("13234534622567", "length code"),  # 2nd digit must be 2 for 14 digits
    ("22234534622567", "check digit is 2, expected 1"),
    ("5000O56789012345", "digits only"),  # letter O
    ("５000056789012345", "digits only"),  # full-width digit
]


@pytest.mark.parametrize(("digits", "problem"), KENMERK_PROBLEMS)
def test_betalingskenmerk_problem(digits: str, problem: str | None) -> None:
    found = betalingskenmerk_problem(digits)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_reference_checks_itself_when_built() -> None:
    with pytest.raises(InvalidReference):
        Reference("betalingskenmerk", "4000056789012345")
    with pytest.raises(InvalidReference):
        Reference("rf", "rf18539007547034")  # not normalised
    with pytest.raises(InvalidReference):
        Reference("free", " padded ")
    with pytest.raises(InvalidReference):
        Reference("iban", "x")  # type: ignore[arg-type]


def test_parse_rf_explicitly() -> None:
    assert parse_rf(" rf71 2348 231 ") == Reference("rf", "RF712348231")


# --- generators ---------------------------------------------------------------------------


def test_make_betalingskenmerk_pads_the_number() -> None:
    assert make_betalingskenmerk("56789012345") == "5000056789012345"
    assert make_betalingskenmerk("234534622567", length=14) == "12234534622567"
    assert make_betalingskenmerk("42", length=7) == "0000042"
    assert make_betalingskenmerk("1234567", length=9)[1] == "7"  # length code


@pytest.mark.parametrize(
    ("number", "length"),
    [("1234567890123456", 16), ("123", 8), ("123", 15), ("12a", 16), ("1234567890123", 14)],
)
def test_make_betalingskenmerk_refuses(number: str, length: int) -> None:
    with pytest.raises(InvalidReference):
        make_betalingskenmerk(number, length)


@pytest.mark.parametrize("body", ["", "a" * 22, "ab-cd", "é"])
def test_make_rf_refuses(body: str) -> None:
    with pytest.raises(InvalidReference):
        make_rf(body)


# --- properties ---------------------------------------------------------------------------

lengths = st.sampled_from(sorted(KENMERK_LENGTHS))


@st.composite
def kenmerken(draw: st.DrawFn, checked_only: bool = False) -> str:
    length = draw(st.sampled_from(sorted(KENMERK_LENGTHS - ({7} if checked_only else set()))))
    payload = 7 if length == 7 else 15 if length == 16 else length - 2
    number = draw(st.text("0123456789", min_size=1, max_size=payload))
    return make_betalingskenmerk(number, length)


@given(st.text("0123456789", min_size=1, max_size=15))
def test_generated_16_digit_kenmerk_is_recognised(number: str) -> None:
    kenmerk = make_betalingskenmerk(number)
    assert len(kenmerk) == 16
    assert kenmerk.endswith(number)
    assert parse_reference(kenmerk) == Reference("betalingskenmerk", kenmerk)
    spaced = " ".join(kenmerk[i : i + 4] for i in range(0, 16, 4))
    assert parse_reference(spaced) == Reference("betalingskenmerk", kenmerk)


@given(kenmerken())
def test_generated_kenmerk_of_any_length_validates(kenmerk: str) -> None:
    assert betalingskenmerk_problem(kenmerk) is None
    assert parse_betalingskenmerk(kenmerk).text == kenmerk


def _weighted_remainder(body: str) -> int:
    weights = (2, 4, 8, 5, 10, 9, 7, 3, 6, 1)
    return sum(int(c) * weights[i % 10] for i, c in enumerate(reversed(body))) % 11


@given(kenmerken(checked_only=True), st.data())
def test_single_digit_change_is_detected_where_guaranteed(
    kenmerk: str, data: st.DataObject
) -> None:
    """Mod 11 with weights coprime to 11 changes the remainder on any single-digit change.
    The check digit maps remainders 1 and 10 both to 1, so a change between exactly those
    two remainders is the one case the algorithm cannot detect."""
    position = data.draw(st.integers(0, len(kenmerk) - 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != kenmerk[position]]))
    changed = kenmerk[:position] + digit + kenmerk[position + 1 :]
    blind_spot = {_weighted_remainder(kenmerk[1:]), _weighted_remainder(changed[1:])} == {1, 10}
    if position == 0 or (position == 1 and len(kenmerk) < 16) or not blind_spot:
        assert betalingskenmerk_problem(changed) is not None
    else:
        assert betalingskenmerk_problem(changed) is None


def test_the_blind_spot_exists() -> None:
    """Guards the property above against being vacuous: one real undetected change."""
    found = None
    for number in range(1, 2000):
        kenmerk = make_betalingskenmerk(str(number))
        for position in range(1, 16):
            for digit in "0123456789":
                changed = kenmerk[:position] + digit + kenmerk[position + 1 :]
                if changed != kenmerk and is_valid_betalingskenmerk(changed):
                    found = (kenmerk, changed)
                    break
            if found:
                break
        if found:
            break
    assert found is not None
    assert {_weighted_remainder(found[0][1:]), _weighted_remainder(found[1][1:])} == {1, 10}


rf_bodies = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=21)


@given(rf_bodies)
def test_generated_rf_is_recognised(body: str) -> None:
    reference = make_rf(body)
    assert is_valid_rf(reference)
    assert parse_reference(reference) == Reference("rf", reference)
    assert parse_reference(reference.lower()) == Reference("rf", reference)


@given(rf_bodies, st.data())
def test_rf_single_substitution_is_always_detected(body: str, data: st.DataObject) -> None:
    """ISO 7064 mod 97-10 detects every substitution of a digit by a digit or a letter by a
    letter (the value changes by a non-zero multiple below 97 of a power of 10, and 97 is a
    prime that divides no power of 10)."""
    reference = make_rf(body)
    position = data.draw(st.integers(2, len(reference) - 1))
    alphabet = "0123456789" if reference[position].isdigit() else "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    char = data.draw(st.sampled_from([c for c in alphabet if c != reference[position]]))
    changed = reference[:position] + char + reference[position + 1 :]
    assert not is_valid_rf(changed)


@given(st.text(max_size=40))
def test_parse_reference_is_total_and_idempotent(text: str) -> None:
    try:
        reference = parse_reference(text)
    except InvalidReference:
        return
    assert parse_reference(reference.text) == reference


@given(st.text(max_size=40))
def test_text_not_looking_like_a_reference_is_free(text: str) -> None:
    stripped = text.strip()
    assume(stripped[:2].upper() != "RF")
    assume(sum(c.isdigit() for c in stripped) != 16)
    assert parse_reference(text) == Reference("free", stripped)
