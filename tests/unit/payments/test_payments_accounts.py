"""IBAN and BIC values (schwifty registry and checks, plus our own mod-97 helper)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st
from schwifty import IBAN

from payments.accounts import bic_exists, bic_for_iban, iban_checksum_ok, parse_bic, parse_iban
from payments.errors import InvalidBic, InvalidIban, PaymentsError

VALID_IBANS = [
    ("NL91 ABNA 0417 1643 00", "NL91ABNA0417164300"),
    ("nl91abna0417164300", "NL91ABNA0417164300"),
    ("NL66BNGH0123456789", "NL66BNGH0123456789"),  # BNG Bank, the municipalities' bank
    ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
    ("BE68539007547034", "BE68539007547034"),
    ("GB29 NWBK 6016 1331 9268 19", "GB29NWBK60161331926819"),  # SEPA, not EEA
]


@pytest.mark.parametrize(("text", "compact"), VALID_IBANS)
def test_parse_iban_normalises(text: str, compact: str) -> None:
    assert parse_iban(text) == compact


INVALID_IBANS = [
    ("NL00ABNA0417164300", "checksum"),  # wrong check digits
    ("NL91ABNA041716430", "length"),  # one digit short
    ("XX91ABNA0417164300", "country"),
    ("", "empty"),
    ("   ", "empty"),
    ("NL91 ABNA 0417 1643 0O", ""),  # letter O for zero
    ("NL64XXXX0123456789", "unknown Dutch bank code 'XXXX'"),  # mod 97 fine, bank invented
]


@pytest.mark.parametrize(("text", "reason"), INVALID_IBANS)
def test_parse_iban_rejects(text: str, reason: str) -> None:
    with pytest.raises(InvalidIban) as raised:
        parse_iban(text)
    assert reason.lower() in str(raised.value).lower()


def test_the_invented_bank_code_really_passes_mod_97() -> None:
    assert iban_checksum_ok("NL64XXXX0123456789")  # so only the registry check rejects it


def test_errors_belong_to_the_package_tree() -> None:
    assert issubclass(InvalidIban, PaymentsError)
    assert issubclass(InvalidBic, PaymentsError)


@pytest.mark.parametrize(
    ("text", "bic"),
    [("bnghnl2g", "BNGHNL2G"), ("RABONL2U", "RABONL2U"), ("INGB NL 2A", "INGBNL2A"),
     ("DEUTDEFF500", "DEUTDEFF500")],
)  # fmt: skip
def test_parse_bic(text: str, bic: str) -> None:
    assert parse_bic(text) == bic


@pytest.mark.parametrize("text", ["RABO", "BNGHXX2G", "12345678", "", "RABONL2UX"])
def test_parse_bic_rejects(text: str) -> None:
    with pytest.raises(InvalidBic):
        parse_bic(text)


def test_bic_exists_uses_the_registry() -> None:
    assert bic_exists("BNGHNL2G")
    assert not bic_exists("BNGHNL2X")  # well-formed, not a bank
    assert not bic_exists("nonsense")


@pytest.mark.parametrize(
    ("iban", "bic"),
    [("NL66BNGH0123456789", "BNGHNL2G"), ("NL91 ABNA 0417 1643 00", "ABNANL2A"),
     ("NL44RABO0123456789", "RABONL2U"), ("NL64XXXX0123456789", None), ("garbage", None)],
)  # fmt: skip
def test_bic_for_iban(iban: str, bic: str | None) -> None:
    assert bic_for_iban(iban) == bic


@given(st.integers(0, 2**32), st.sampled_from(["NL", "DE", "BE", "FR", "ES"]))
def test_checksum_helper_agrees_with_schwifty(seed: int, country: str) -> None:
    """Our fast mod-97 check against an implementation we did not write."""
    iban = str(IBAN.random(country, random=random.Random(seed)).compact)
    assert iban_checksum_ok(iban)
    assert parse_iban(iban) == iban
    broken = iban[:2] + f"{(int(iban[2:4]) + 1) % 100:02d}" + iban[4:]
    assert iban_checksum_ok(broken) is IBAN(broken, allow_invalid=True).is_valid
