"""The catalogue of reject and return reasons shown to coaches and clients."""

from __future__ import annotations

import pytest

from payments.reason_codes import REASON_CODES, is_account_problem, reason_for, reason_text

# reference/sepa.md 4.3, every code of the EPC/ISO list there.
SEPA_MD_CODES = [
    "AC01",
    "AC03",
    "AC04",
    "AC06",
    "AC13",
    "AG01",
    "AG02",
    "AM01",
    "AM02",
    "AM04",
    "AM05",
    "AM09",
    "AM16",
    "AM17",
    "AM18",
    "AM19",
    "AM20",
    "BE04",
    "BE05",
    "BE06",
    "BE07",
    "CH03",
    "CH04",
    "CNOR",
    "DNOR",
    "CURR",
    "CUST",
    "DT01",
    "DU01",
    "DU02",
    "DU03",
    "DU04",
    "DU05",
    "FF01",
    "FOCR",
    "MD07",
    "MS02",
    "MS03",
    "NARR",
    "RC01",
    "RF01",
    "RR01",
    "RR02",
    "RR03",
    "RR04",
    "TM01",
    "DUPL",
]


@pytest.mark.parametrize("code", SEPA_MD_CODES)
def test_every_listed_code_has_a_text_in_both_languages(code: str) -> None:
    reason = REASON_CODES[code]
    assert reason.nl.endswith(".") and reason.en.endswith(".")
    assert reason.nl != reason.en


def test_plain_language() -> None:
    assert reason_text("AC01") == "Het rekeningnummer bestaat niet (meer)."
    assert reason_text("ac01", "en") == "The account number does not exist."


def test_account_problems_block_repaying_the_same_iban() -> None:
    flagged = {code for code, reason in REASON_CODES.items() if reason.account_problem}
    assert flagged == {"AC01", "AC03", "AC04", "AC06", "MD07"}
    assert is_account_problem(" md07 ") and not is_account_problem("AM04")


def test_an_unknown_code_gets_a_fallback_that_names_it() -> None:
    reason = reason_for("ZZ42")
    assert "ZZ42" in reason.nl and "ZZ42" in reason.en and not reason.account_problem
    assert "?" in reason_for("").en
