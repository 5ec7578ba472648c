"""The pain.001 writer: golden files, XSD validity, an independent read-back, and limits.

Golden files live in ``tests/unit/payments/golden/``. After an intended change to the
output, regenerate them and review the diff:

    PAYMENTS_UPDATE_GOLDEN=1 pytest tests/unit/payments/test_payments_pain001.py -k golden
"""

from __future__ import annotations

import dataclasses
import os
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from payments_testdata import GEMEENTE, HUUR, ZORG, sample_payment_file

from payments.errors import FileLimitExceeded, InvalidPaymentData
from payments.pain001 import (
    BANK_MAX_TRANSACTIONS_PER_FILE,
    Debtor,
    PaymentFile,
    Transfer,
    format_amount,
    render_pain001,
    split_transfers,
)
from payments.references import Reference, make_betalingskenmerk, make_rf
from payments.schemas import PAIN001_VERSIONS, Pain001Version, namespace_of, xml_schema
from payments.validate import check_epc_rules, validate_xsd

GOLDEN = Path(__file__).parent / "golden"


def parse(xml: bytes) -> etree._Element:
    """An independent reading: plain lxml, not the package's parser."""
    return etree.fromstring(xml)


def texts(root: etree._Element, path: str) -> list[str]:
    """All texts at a path of local names below the root, e.g. ``GrpHdr/NbOfTxs``."""
    xpath = "/*/*/" + "/".join(f"*[local-name()='{step}']" for step in path.split("/"))
    return [str(t) for t in cast(list[str], root.xpath(xpath + "/text()"))]


def count(root: etree._Element, name: str) -> int:
    return len(cast(list[etree._Element], root.xpath(f"//*[local-name()='{name}']")))


# --- golden files -------------------------------------------------------------------------


@pytest.mark.parametrize("version", PAIN001_VERSIONS)
def test_golden_file(version: Pain001Version) -> None:
    produced = render_pain001(sample_payment_file(), version)
    golden = GOLDEN / f"{version}.xml"
    if os.environ.get("PAYMENTS_UPDATE_GOLDEN") == "1":
        golden.write_bytes(produced)
    assert produced == golden.read_bytes(), f"output differs from {golden}; see module doc"


@pytest.mark.parametrize("version", PAIN001_VERSIONS)
def test_golden_file_is_valid_for_an_independent_validator(version: Pain001Version) -> None:
    xmlschema = pytest.importorskip("xmlschema")  # comes with sepaxml; not our code
    from importlib import resources

    xsd = resources.files("sepaxml").joinpath("schemas", f"{version}.xsd")
    assert xmlschema.XMLSchema(str(xsd)).is_valid(str(GOLDEN / f"{version}.xml"))


# --- shape of the output ------------------------------------------------------------------


def test_output_is_deterministic(sample_file: PaymentFile, version: Pain001Version) -> None:
    again = dataclasses.replace(sample_file, transfers=tuple(sample_file.transfers))
    assert render_pain001(sample_file, version) == render_pain001(again, version)


def test_output_is_xsd_valid_and_follows_epc_rules(
    sample_file: PaymentFile, version: Pain001Version
) -> None:
    xml = render_pain001(sample_file, version, validate=False)
    assert xml_schema(version).validate(parse(xml))
    validate_xsd(xml, version)
    assert check_epc_rules(xml) == []


def test_layout_is_what_lxml_itself_would_print(
    sample_file: PaymentFile, version: Pain001Version
) -> None:
    """The literal templates produce exactly lxml's canonical two-space layout."""
    _declaration, body = render_pain001(sample_file, version).split(b"\n", 1)
    tree = etree.fromstring(body, etree.XMLParser(remove_blank_text=True))
    assert etree.tostring(tree, encoding="UTF-8", pretty_print=True) == body


def test_header_and_declaration(sample_file: PaymentFile, version: Pain001Version) -> None:
    xml = render_pain001(sample_file, version)
    assert xml.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="')
    root = parse(xml)
    assert etree.QName(root).namespace == namespace_of(version)
    # local time, no offset, no fraction (Rabobank accepts nothing else)
    assert texts(root, "GrpHdr/CreDtTm") == ["2026-03-02T06:30:15"]


def test_counts_and_sums_at_both_levels(sample_file: PaymentFile, version: Pain001Version) -> None:
    root = parse(render_pain001(sample_file, version))
    assert texts(root, "GrpHdr/NbOfTxs") == texts(root, "PmtInf/NbOfTxs") == ["5"]
    assert texts(root, "GrpHdr/CtrlSum") == texts(root, "PmtInf/CtrlSum") == ["978.03"]


def test_fixed_codes(sample_file: PaymentFile, version: Pain001Version) -> None:
    root = parse(render_pain001(sample_file, version))
    assert texts(root, "PmtInf/PmtMtd") == ["TRF"]
    assert texts(root, "PmtInf/BtchBookg") == ["true"]
    assert texts(root, "PmtInf/PmtTpInf/SvcLvl/Cd") == ["SEPA"]
    assert texts(root, "PmtInf/ChrgBr") == ["SLEV"]
    assert count(root, "PmtInf") == 1


def test_requested_execution_date_per_version(sample_file: PaymentFile) -> None:
    root09 = parse(render_pain001(sample_file, "pain.001.001.09"))
    root03 = parse(render_pain001(sample_file, "pain.001.001.03"))
    assert texts(root09, "PmtInf/ReqdExctnDt/Dt") == ["2026-03-02"]
    assert texts(root03, "PmtInf/ReqdExctnDt") == ["2026-03-02"]


def test_agents(sample_file: PaymentFile, version: Pain001Version) -> None:
    bic = "BICFI" if version == "pain.001.001.09" else "BIC"
    root = parse(render_pain001(sample_file, version))
    assert texts(root, f"PmtInf/DbtrAgt/FinInstnId/{bic}") == ["BNGHNL2G"]
    # only the creditor with a BIC has a CdtrAgt
    assert texts(root, f"PmtInf/CdtTrfTxInf/CdtrAgt/FinInstnId/{bic}") == ["RABONL2U"]
    assert count(root, "CdtrAgt") == 1


def test_debtor_without_bic_gets_notprovided(version: Pain001Version) -> None:
    no_bic = sample_payment_file(Debtor(GEMEENTE.name, GEMEENTE.iban, None))
    xml = render_pain001(no_bic, version)
    assert texts(parse(xml), "PmtInf/DbtrAgt/FinInstnId/Othr/Id") == ["NOTPROVIDED"]
    assert check_epc_rules(xml) == []


def test_remittance_per_reference_kind(sample_file: PaymentFile, version: Pain001Version) -> None:
    root = parse(render_pain001(sample_file, version))
    strd = "PmtInf/CdtTrfTxInf/RmtInf/Strd/CdtrRefInf"
    assert texts(root, f"{strd}/Tp/CdOrPrtry/Cd") == ["SCOR", "SCOR"]
    assert texts(root, f"{strd}/Tp/Issr") == ["CUR", "ISO"]
    assert texts(root, f"{strd}/Ref") == ["5000056789012345", "RF18539007547034"]
    assert texts(root, "PmtInf/CdtTrfTxInf/RmtInf/Ustrd") == [
        "Premie maart 2026 polis 555-123 Aisha Al-Khalil",
        "klant 4711",  # free reference without remittance text: the reference itself
        "Leefgeld maart 2026",
    ]


def test_texts_are_transliterated(sample_file: PaymentFile, version: Pain001Version) -> None:
    root = parse(render_pain001(sample_file, version))
    assert texts(root, "PmtInf/CdtTrfTxInf/Cdtr/Nm") == [
        "Woonstichting 's-Hertogenbosch",
        "Energie Noord B.V.",
        "Zorgverzekeraar Zorg + Zo",
        "Akhmed Vodokanal",
        "Ahmd Ali",
    ]


def test_no_remittance_when_there_is_nothing_to_say(version: Pain001Version) -> None:
    silent = dataclasses.replace(ZORG, reference=Reference("free", ""), remittance_text=" ")
    f = dataclasses.replace(sample_payment_file(), transfers=(silent,))
    assert b"RmtInf" not in render_pain001(f, version)


def test_ibans_and_bics_are_written_compact_and_upper_case(version: Pain001Version) -> None:
    spaced = dataclasses.replace(
        HUUR, creditor_iban="nl44 rabo 0123 4567 89", creditor_bic="rabonl2u"
    )
    f = dataclasses.replace(sample_payment_file(), transfers=(spaced,))
    root = parse(render_pain001(f, version))
    assert texts(root, "PmtInf/CdtTrfTxInf/CdtrAcct/Id/IBAN") == ["NL44RABO0123456789"]


# --- independent read-back of arbitrary input ---------------------------------------------

IBANS = ("NL44RABO0123456789", "NL20INGB0001234567", "NL91ABNA0417164300", "DE89370400440532013000")


@st.composite
def transfers(draw: st.DrawFn, index: int) -> Transfer:
    kind = draw(st.sampled_from(["betalingskenmerk", "rf", "free"]))
    if kind == "betalingskenmerk":
        number = str(draw(st.integers(0, 10**15 - 1)))
        reference = Reference("betalingskenmerk", make_betalingskenmerk(number))
    elif kind == "rf":
        body = draw(st.from_regex(r"[A-Z0-9]{1,21}", fullmatch=True))
        reference = Reference("rf", make_rf(body))
    else:
        reference = Reference("free", f"klant {index}")
    return Transfer(
        end_to_end_id=f"P{index:012d}",
        amount_cents=draw(st.integers(1, 99_999_999_999)),
        creditor_name=draw(
            st.text(min_size=1, max_size=90).filter(
                lambda s: any(c.isalnum() and c.isascii() for c in s)
            )
        ),
        creditor_iban=draw(st.sampled_from(IBANS)),
        creditor_bic=draw(st.sampled_from([None, "RABONL2U", "INGBNL2A"])),
        reference=reference,
        remittance_text=draw(st.text(max_size=60)),
    )


@st.composite
def payment_files(draw: st.DrawFn) -> PaymentFile:
    count = draw(st.integers(1, 12))
    return dataclasses.replace(
        sample_payment_file(), transfers=tuple(draw(transfers(i)) for i in range(count))
    )


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(payment_files(), st.sampled_from(PAIN001_VERSIONS))
def test_read_back_equals_input(f: PaymentFile, version: Pain001Version) -> None:
    root = parse(render_pain001(f, version))  # also validated inside (XSD + EPC rules)
    tx = "PmtInf/CdtTrfTxInf"
    total = sum(t.amount_cents for t in f.transfers)
    assert texts(root, "GrpHdr/NbOfTxs") == [str(len(f.transfers))]
    assert Decimal(texts(root, "GrpHdr/CtrlSum")[0]) * 100 == total
    assert Decimal(texts(root, "PmtInf/CtrlSum")[0]) * 100 == total
    assert texts(root, f"{tx}/PmtId/EndToEndId") == [t.end_to_end_id for t in f.transfers]
    amounts = [Decimal(a) * 100 for a in texts(root, f"{tx}/Amt/InstdAmt")]
    assert amounts == [t.amount_cents for t in f.transfers]
    structured = [t.reference.text for t in f.transfers if t.reference.kind != "free"]
    assert texts(root, f"{tx}/RmtInf/Strd/CdtrRefInf/Ref") == structured
    assert texts(root, f"{tx}/CdtrAcct/Id/IBAN") == [t.creditor_iban for t in f.transfers]


# --- limits and bad input -----------------------------------------------------------------


@pytest.mark.parametrize("cents", [0, -1, 100_000_000_000])
def test_amount_outside_the_scheme_range_is_refused(cents: int) -> None:
    f = dataclasses.replace(
        sample_payment_file(), transfers=(dataclasses.replace(HUUR, amount_cents=cents),)
    )
    with pytest.raises(FileLimitExceeded, match=r"outside 1\.\.99999999999"):
        render_pain001(f)


@pytest.mark.parametrize("cents", [1, 99_999_999_999])
def test_amount_boundaries_are_accepted(cents: int, version: Pain001Version) -> None:
    f = dataclasses.replace(
        sample_payment_file(), transfers=(dataclasses.replace(HUUR, amount_cents=cents),)
    )
    assert format_amount(cents).encode() in render_pain001(f, version)


def test_a_float_amount_is_refused() -> None:
    f = dataclasses.replace(
        sample_payment_file(),
        transfers=(dataclasses.replace(HUUR, amount_cents=12.5),),
    )
    with pytest.raises(FileLimitExceeded, match=r"12\.5 is not a whole number of cents"):
        render_pain001(f)


def test_too_many_transfers_for_one_file() -> None:
    many = tuple(dataclasses.replace(HUUR, end_to_end_id=f"P{i:012d}") for i in range(4))
    f = dataclasses.replace(sample_payment_file(), transfers=many)
    with pytest.raises(FileLimitExceeded, match="4 transfers in one file, at most 3"):
        render_pain001(f, max_transactions=3)
    with pytest.raises(FileLimitExceeded, match="max_transactions"):
        render_pain001(f, max_transactions=BANK_MAX_TRANSACTIONS_PER_FILE + 1)


def test_every_input_problem_is_reported_at_once() -> None:
    bad = PaymentFile(
        message_id="/GEM",
        payment_info_id="GEM//1",
        created_at=datetime(2026, 3, 2, 6, 0),  # naive
        execution_date=date(2026, 4, 3),  # Good Friday
        debtor=Debtor("😀", "NL00BNGH0123456789", "BNGH"),  # an emoji has no transliteration
        transfers=(
            dataclasses.replace(HUUR, end_to_end_id="P 1"),
            dataclasses.replace(HUUR, end_to_end_id="P000000000002", creditor_iban="NL00X"),
            dataclasses.replace(HUUR, end_to_end_id="P000000000002"),
            dataclasses.replace(ZORG, end_to_end_id="P000000000004", remittance_text="x" * 141),
        ),
        initiating_party="",
    )
    with pytest.raises(InvalidPaymentData) as raised:
        render_pain001(bad)
    problems = "\n".join(raised.value.problems)
    for expected in [
        "message_id '/GEM'",
        "payment_info_id 'GEM//1'",
        "timezone-aware",
        "2026-04-03 is not a TARGET business day",
        "debtor: name",
        "debtor: IBAN",
        "debtor: BIC",
        "initiating party: name",
        "'P 1': end_to_end_id is not an EPC identifier",
        "IBAN 'NL00X'",
        "occurs more than once",
        "longer than 140",
    ]:
        assert expected in problems
    assert len(raised.value.problems) == 12


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(InvalidPaymentData, match="at least one transfer"):
        render_pain001(dataclasses.replace(sample_payment_file(), transfers=()))


def test_a_bic_must_fit_the_version() -> None:
    # .09 allows digits in the first four characters, .03 does not
    f = dataclasses.replace(
        sample_payment_file(), transfers=(dataclasses.replace(HUUR, creditor_bic="1234NL2A"),)
    )
    render_pain001(f, "pain.001.001.09")
    with pytest.raises(
        InvalidPaymentData, match=r"BIC '1234NL2A' is not valid for pain\.001\.001\.03"
    ):
        render_pain001(f, "pain.001.001.03")


def test_unknown_version_is_refused(sample_file: PaymentFile) -> None:
    with pytest.raises(InvalidPaymentData, match="unsupported"):
        render_pain001(sample_file, "pain.001.001.12")  # type: ignore[arg-type]


# --- splitting ----------------------------------------------------------------------------


def test_split_transfers_keeps_order_and_limits_size() -> None:
    many = [dataclasses.replace(HUUR, end_to_end_id=f"P{i:012d}") for i in range(25)]
    chunks = split_transfers(many, 10)
    assert [len(c) for c in chunks] == [10, 10, 5]
    assert [t for c in chunks for t in c] == many
    assert split_transfers([], 10) == ()


@pytest.mark.parametrize("size", [0, -1, BANK_MAX_TRANSACTIONS_PER_FILE + 1])
def test_split_transfers_refuses_impossible_sizes(size: int) -> None:
    with pytest.raises(FileLimitExceeded):
        split_transfers([HUUR], size)


@pytest.mark.parametrize(("cents", "text"), [(1, "0.01"), (100, "1.00"), (123456, "1234.56")])
def test_format_amount(cents: int, text: str) -> None:
    assert format_amount(cents) == text
