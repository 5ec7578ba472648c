"""One limit per quantity, enforced at the import: what the import accepts can be
booked in the ledger and written in a pain.001 file; what would fail there is
refused at the door with ``FILE:LINE: column: message``."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from ledger.entries import MAX_POSTING_CENTS, transfer
from ontzorging.domain.remittance import REMITTANCE_MAX, creditor_remittance
from ontzorging.intake.parsing import FileKind, ObligationRow, parse_file
from ontzorging.intake.parsing.fields import MAX_AMOUNT_CENTS, parse_payment_name, parse_reference
from ontzorging.intake.parsing.registers import (
    BIJSTAND_KINDS,
    AmountLimits,
    BijstandRow,
    check_amount_limits,
    check_bijstand_start,
    check_creditor_kinds,
    check_member_bsns,
)
from ontzorging.settings import SettingsError, load_settings
from payments.pain001 import Debtor, PaymentFile, Transfer, render_pain001
from payments.schemas import AMOUNT_MAX_CENTS
from payments.text import NAME_MAX, epc_transliteration, is_epc_text
from tests.unit.test_parsing_registers import BSN_A, row, text, write

NAMES_IN_SCRIPTS = {
    "Tigrinya": ("ዮናስ ገብረመድህን", "yonas gebremedhn"),
    "Amharic": ("አበበ ቢቂላ", "'abebe bik'ila"),
    "Greek": ("Γιώργος Παπαδόπουλος", "Giorgos Papadopoylos"),
    "Arabic": ("أحمد علي", "Ahmd Ali"),
    "Chinese": ("王小明", "WangXiaoMing"),
    "Armenian": ("Արամ Պետրոսյան", "Aram Petrosyan"),
    "Georgian": ("გიორგი ბერიძე", "giorgi beridze"),
}
LIMITS = load_settings().amount_limits
TODAY = date(2026, 3, 28)


def problems(kind: FileKind, tmp_path: Path, **changes: str) -> list[str]:
    path = write(tmp_path, text(kind, row(kind, **changes)))
    return [str(p) for p in parse_file(kind, path, file="f.csv").problems]


# --- the table of bad values, with the exact message ------------------------------------

RLO = "\u202e"
BAD_VALUES = {
    "BSN in the amount column": (
        "bijstand",
        {"amount": "100000034"},
        "f.csv:2: amount: amount is above the limit of € 999.999,99",
    ),
    "name only in symbols": (
        "households",
        {"name": "😀 ☺"},
        "f.csv:2: name: cannot be written in a SEPA payment file even after transliteration",
    ),
    "creditor name of one letter after transliteration": (
        "creditors",
        {"name": "Ö."},
        "f.csv:2: name: cannot be written in a SEPA payment file even after transliteration",
    ),
    "partner name longer than 70 after transliteration": (
        "households",
        {
            "partner_bsn": "123456782",
            "partner_name": "王" * 30,
            "partner_birth_date": "1999-01-01",
        },
        "f.csv:2: partner_name: longer than 70 characters after transliteration for the"
        " SEPA payment file (120): 'WangWangWangWangWangWangWangWangWangWan…'",
    ),
    "name holding a BSN": (
        "creditors",
        {"name": "Woonstichting 111222333"},
        "f.csv:2: name: name contains a 9-digit number that passes the 11-proef (a BSN?)",
    ),
    "coach longer than 70": (
        "households",
        {"coach": "M" * 71},
        "f.csv:2: coach: name is longer than 70 characters (71)",
    ),
    "free reference longer than 140 after transliteration": (
        "obligations",
        {"reference": "klant " + "ß" * 70},
        "f.csv:2: reference: free-text reference is longer than 140 characters after"
        " transliteration for the SEPA payment file (146)",
    ),
    "free reference with nothing left": (
        "obligations",
        {"reference": "☺☺"},
        "f.csv:2: reference: cannot be written in a SEPA payment file even after transliteration",
    ),
    "bidi override in a name": (
        "households",
        {"name": f"Jan {RLO}nesnaJ"},
        "f.csv:2: name: contains a bidirectional control character (U+202E)",
    ),
    "bidi isolate in a reference": (
        "obligations",
        {"reference": "klant\u2066 4711"},
        "f.csv:2: reference: contains a bidirectional control character (U+2066)",
    ),
    "escape character in an id": (
        "creditors",
        {"creditor_id": "C\x1bWOON"},
        "f.csv:2: creditor_id: contains a line break, tab or other control character (U+001B)",
    ),
    "C1 control in a coach": (
        "households",
        {"coach": "M. de\x85Vries"},
        "f.csv:2: coach: contains a line break, tab or other control character (U+0085)",
    ),
}


@pytest.mark.parametrize(("kind", "changes", "expected"), BAD_VALUES.values(), ids=BAD_VALUES)
def test_bad_value_is_refused_with_its_message(
    tmp_path: Path, kind: FileKind, changes: dict[str, str], expected: str
) -> None:
    assert problems(kind, tmp_path, **changes) == [expected]


@pytest.mark.parametrize("script", NAMES_IN_SCRIPTS)
def test_names_in_every_script_are_accepted(tmp_path: Path, script: str) -> None:
    name, _ = NAMES_IN_SCRIPTS[script]
    assert problems("households", tmp_path, name=name) == []
    assert problems("creditors", tmp_path, name=name) == []


# --- checks against the database, today and the settings (pure halves) ------------------


def obligation(**changes: object) -> ObligationRow:
    base = ObligationRow(
        7, "O-1", "H-A", "huur", "C-WOON", 61500, "monthly", "klant 4711", "free",
        date(2026, 2, 1), None, "56a",
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


def bijstand(kind: str, cents: int) -> BijstandRow:
    return BijstandRow(3, "B-1", BSN_A, date(2026, 3, 1), kind, cents, date(2026, 2, 25), None)


AMOUNT_CASES = {
    "levensonderhoud above its limit": (
        bijstand("levensonderhoud", 500001),
        "f.csv:3: amount: € 5.000,01 is above the limit of € 5.000,00 for levensonderhoud"
        " (setting import.max_amount.levensonderhoud)",
    ),
    "nabetaling within its larger limit": (bijstand("nabetaling", 2500000), None),
    "vakantietoeslag above its limit": (
        bijstand("vakantietoeslag", 200001),
        "f.csv:3: amount: € 2.000,01 is above the limit of € 2.000,00 for vakantietoeslag"
        " (setting import.max_amount.vakantietoeslag)",
    ),
    "payout-file transfer above the hard limit": (
        bijstand("levensonderhoud", 10_000_003_400),
        "f.csv:3: amount: amount is above the limit of € 999.999,99",
    ),
    "monthly obligation above its limit": (
        obligation(amount_cents=600000),
        "f.csv:7: amount: € 6.000,00 is above the limit of € 5.000,00 for an obligation"
        " (setting import.max_amount.obligation_per_month)",
    ),
    "quarterly obligation: three months' worth": (
        obligation(frequency="quarterly", amount_cents=1500000),
        None,
    ),
    "quarterly obligation above three months' worth": (
        obligation(frequency="quarterly", amount_cents=1500001),
        "f.csv:7: amount: € 15.000,01 for 3 months is above the limit of € 15.000,00 for"
        " 3 months for an obligation (setting import.max_amount.obligation_per_month)",
    ),
}


@pytest.mark.parametrize(("row_", "expected"), AMOUNT_CASES.values(), ids=AMOUNT_CASES)
def test_amount_limits(row_: BijstandRow | ObligationRow, expected: str | None) -> None:
    found = [str(p) for p in check_amount_limits([row_], LIMITS, "f.csv")]
    assert found == ([expected] if expected else [])


def test_obligation_kind_must_match_its_creditor_unless_overig() -> None:
    rows = [
        obligation(),
        obligation(line=8, creditor_id="C-ENER"),
        obligation(line=9, creditor_id="C-X"),
    ]
    kinds = {"C-WOON": "huur", "C-ENER": "energie", "C-X": "overig"}

    found = [str(p) for p in check_creditor_kinds(rows, kinds, "f.csv")]

    assert found == ["f.csv:8: kind: huur, but creditor C-ENER is energie"]


@pytest.mark.parametrize("reference", ["123456782", "klant 123-456-782", "RF 1234 5678 2"])
def test_reference_with_a_members_bsn_is_refused(reference: str) -> None:
    rows = [obligation(reference=reference)]

    found = [str(p) for p in check_member_bsns(rows, {"H-A": {BSN_A, "123456782"}}, "f.csv")]

    assert found == [
        "f.csv:7: reference: contains the client's BSN; a BSN may never be sent to a creditor"
    ]


def test_reference_with_another_valid_bsn_is_a_customer_number() -> None:
    rows = [obligation(reference="klant 999999990")]  # passes the 11-proef, not a member's
    assert check_member_bsns(rows, {"H-A": {BSN_A}}, "f.csv") == []


def test_bijstand_start_within_ten_years_back_and_one_year_ahead(tmp_path: Path) -> None:
    def household(line: int, start: str) -> object:
        path = write(tmp_path, text("households", row("households", bijstand_start=start)))
        (parsed,) = parse_file("households", path).rows
        return replace(parsed, line=line)

    rows = [
        household(2, "2027-03-29"),
        household(3, "2027-03-28"),
        household(4, "2016-03-28"),
        household(5, "2016-03-27"),
    ]
    found = [str(p) for p in check_bijstand_start(rows, TODAY, "f.csv")]  # type: ignore[arg-type]
    assert found == [
        "f.csv:2: bijstand_start: 2027-03-29 is more than a year after today (2026-03-28)",
        "f.csv:5: bijstand_start: 2016-03-27 is more than 10 years before today (2026-03-28)",
    ]


# --- settings --------------------------------------------------------------------------


def test_every_benefits_kind_has_a_limit() -> None:
    assert sorted(dict(LIMITS.by_kind_cents)) == sorted(BIJSTAND_KINDS)
    assert all(0 < cents <= MAX_AMOUNT_CENTS for _, cents in LIMITS.by_kind_cents)


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ('"1.000.000,00"', "above the limit of € 999.999,99"),
        ("5000", "written as text"),
        ('"vijf"', "not an amount"),
        ('"0,00"', "more than zero"),
    ],
)
def test_an_invalid_limit_names_its_key(tmp_path: Path, value: str, fragment: str) -> None:
    config = tmp_path / "limits.toml"
    config.write_text(f"[import.max_amount]\nlevensonderhoud = {value}\n", "utf-8")
    with pytest.raises(SettingsError, match=r"^import\.max_amount\.levensonderhoud: ") as raised:
        load_settings(config)
    assert fragment in str(raised.value)


def test_a_limit_can_be_set(tmp_path: Path) -> None:
    config = tmp_path / "limits.toml"
    config.write_text('[import.max_amount]\nnabetaling = "30.000,00"\n', "utf-8")
    assert dict(load_settings(config).amount_limits.by_kind_cents)["nabetaling"] == 3_000_000


# --- the limits in order: import <= ledger == pain.001 ------------------------------------


def test_each_limit_is_at_least_the_one_before_it() -> None:
    assert MAX_AMOUNT_CENTS * 1000 <= MAX_POSTING_CENTS == AMOUNT_MAX_CENTS
    assert isinstance(LIMITS, AmountLimits)


# --- remittance text -------------------------------------------------------------------


def test_remittance_leaves_off_whole_words_and_keeps_the_reference() -> None:
    reference = "klantnummer " + "9" * 98
    text_ = creditor_remittance(reference, "zorgverzekering", date(2026, 3, 1), "Aïsha Al-Khalil")

    assert text_ == f"{reference} zorgverzekering 2026-03 Aisha"  # 140; " Al-Khalil" left off
    assert len(text_) <= REMITTANCE_MAX and is_epc_text(text_)


def test_remittance_of_an_old_overlong_reference_is_cut_at_a_space() -> None:
    reference = "ß" * 60 + " " + "x" * 30  # 151 characters after transliteration
    text_ = creditor_remittance(reference, "huur", date(2026, 3, 1), "Jan")
    assert text_ == "ss" * 60 + " huur 2026-03 Jan"


# --- what the import accepts, the ledger books and the payment file carries ----------------

GEMEENTE = Debtor("Gemeente Voorbeeld", "NL14BNGH0285001234", None)
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def payment_file(transfers: tuple[Transfer, ...]) -> PaymentFile:
    return PaymentFile(
        "GEM-20260302-0001",
        "GEM-20260302-0001-B1",
        datetime(2026, 3, 2, 6, 30, tzinfo=AMSTERDAM),
        date(2026, 3, 2),
        GEMEENTE,
        transfers,
        "Gemeente Voorbeeld",
    )


@pytest.mark.parametrize("script", NAMES_IN_SCRIPTS)
@pytest.mark.parametrize("version", ["pain.001.001.09", "pain.001.001.03"])
def test_names_in_every_script_reach_a_valid_payment_file(script: str, version: str) -> None:
    name, expected = NAMES_IN_SCRIPTS[script]
    reference = parse_reference("klant 4711")
    remittance = creditor_remittance(reference.text, "huur", date(2026, 3, 1), name)
    payee = Transfer(
        "P000000000001", 61500, name, "NL91ABNA0417164300", None, reference, remittance
    )

    xml = render_pain001(payment_file((payee,)), version)  # type: ignore[arg-type]  # validates

    texts = {
        etree.QName(e).localname: e.text for e in etree.fromstring(xml).iter("{*}Nm", "{*}Ustrd")
    }
    assert texts == {"Nm": expected, "Ustrd": f"klant 4711 huur 2026-03 {expected}"}


_LETTERS = st.sampled_from(
    [chr(c) for c in range(0x41, 0x5B)] + list("éüßøłЖщأحΓιώργοςዮናስገብረԱրամგიორგი王小明")
)
_NAMES = st.text(_LETTERS, min_size=1, max_size=20).flatmap(
    lambda first: st.text(_LETTERS, min_size=1, max_size=30).map(lambda last: f"{first} {last}")
)


def _accepted_name(name: str) -> str | None:
    try:
        return parse_payment_name(name)
    except Exception:
        return None


@given(
    amounts=st.lists(st.integers(1, MAX_AMOUNT_CENTS), min_size=1, max_size=5),
    name=_NAMES,
    reference=st.sampled_from(["klant 4711", "5000056789012345", "RF18539007547034"]),
)
def test_what_the_import_accepts_can_be_booked_and_paid(
    amounts: list[int], name: str, reference: str
) -> None:
    accepted = _accepted_name(name)
    if accepted is None:  # refused at the door: nothing later to fail
        assert (
            len(epc_transliteration(name)) > NAME_MAX
            or sum(c.isascii() and c.isalpha() for c in epc_transliteration(name)) < 2
        )
        return
    ref = parse_reference(reference)
    remittance = creditor_remittance(ref.text, "huur", date(2026, 3, 1), accepted)
    payout = sum(amounts)  # a client's payout sums the month's benefit lines
    moves = [("Assets:Household:A:Held", "Income:Household:A:Levensonderhoud", a) for a in amounts]
    moves.append(("Expenses:Household:A:Leefgeld", "Liabilities:Household:A:Client", payout))
    transfer("allocation:1", "A", date(2026, 3, 1), "allocation", "test", moves)
    transfers = tuple(
        Transfer(f"P{i:012d}", cents, accepted, "NL91ABNA0417164300", None, ref, remittance)
        for i, cents in enumerate([*amounts, payout], start=1)
    )
    render_pain001(payment_file(transfers))  # XSD and EPC rules, or it raises
