"""Reading a benefits system's pain.001 payout file (.03 or .09)."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from payments_testdata import HUUR, sample_payment_file

from payments import pain001_reader
from payments.errors import FileLimitExceeded, InvalidPaymentFile
from payments.pain001 import PaymentFile, render_pain001
from payments.pain001_reader import ReadTransfer, read_pain001, read_pain001_file
from payments.schemas import PAIN001_VERSIONS, Pain001Version


def test_round_trip(sample_file: PaymentFile, version: Pain001Version) -> None:
    message_id, transfers = read_pain001(render_pain001(sample_file, version))
    assert message_id == "GEM-20260302-0001"
    assert transfers[0] == ReadTransfer(
        end_to_end_id="P000000000001",
        amount_cents=70000,
        creditor_name="Woonstichting 's-Hertogenbosch",
        creditor_iban="NL44RABO0123456789",
        requested_execution_date=date(2026, 3, 2),
        remittance="5000056789012345",
    )
    assert [t.end_to_end_id for t in transfers] == [t.end_to_end_id for t in sample_file.transfers]
    assert [t.amount_cents for t in transfers] == [t.amount_cents for t in sample_file.transfers]
    assert [t.remittance for t in transfers] == [
        "5000056789012345",
        "RF18539007547034",
        "Premie maart 2026 polis 555-123 Aisha Al-Khalil",
        "klant 4711",
        "Leefgeld maart 2026",
    ]


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.integers(1, 99_999_999_999), min_size=1, max_size=20),
    st.sampled_from(PAIN001_VERSIONS),
)
def test_round_trip_of_amounts(amounts: list[int], version: Pain001Version) -> None:
    transfers = tuple(
        dataclasses.replace(HUUR, end_to_end_id=f"P{i:012d}", amount_cents=cents)
        for i, cents in enumerate(amounts)
    )
    f = dataclasses.replace(sample_payment_file(), transfers=transfers)
    _, read = read_pain001(render_pain001(f, version))
    assert [t.amount_cents for t in read] == amounts


# A payout file as another benefits system writes it: .09, two batches on different dates,
# DtTm, no CtrlSum, two Ustrd lines, text outside the EPC set, amount with extra zeros.
BENEFITS_09 = """<?xml version="1.0" encoding="utf-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">
<CstmrCdtTrfInitn>
<GrpHdr><MsgId>BIJSTAND-2026-03</MsgId><CreDtTm>2026-02-26T10:00:00+01:00</CreDtTm>
<NbOfTxs>2</NbOfTxs><InitgPty><Nm>Gemeente Voorbeeldstad</Nm></InitgPty></GrpHdr>
<PmtInf><PmtInfId>B1</PmtInfId><PmtMtd>TRF</PmtMtd>
<ReqdExctnDt><DtTm>2026-03-02T08:00:00</DtTm></ReqdExctnDt>
<Dbtr><Nm>Gemeente</Nm></Dbtr><DbtrAcct><Id><IBAN>NL66BNGH0123456789</IBAN></Id></DbtrAcct>
<DbtrAgt><FinInstnId/></DbtrAgt>
<CdtTrfTxInf><PmtId><EndToEndId>UITK-1</EndToEndId></PmtId>
<Amt><InstdAmt Ccy="EUR">953.02000</InstdAmt></Amt>
<Cdtr><Nm>Zoë Yılmaz &amp; partner</Nm></Cdtr>
<CdtrAcct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></CdtrAcct>
<RmtInf><Ustrd>Bijstand maart</Ustrd><Ustrd>2026</Ustrd></RmtInf></CdtTrfTxInf>
</PmtInf>
<PmtInf><PmtInfId>B2</PmtInfId><PmtMtd>TRF</PmtMtd>
<ReqdExctnDt><Dt>2026-03-03</Dt></ReqdExctnDt>
<Dbtr><Nm>Gemeente</Nm></Dbtr><DbtrAcct><Id><IBAN>NL66BNGH0123456789</IBAN></Id></DbtrAcct>
<DbtrAgt><FinInstnId/></DbtrAgt>
<CdtTrfTxInf><PmtId><EndToEndId>UITK-2</EndToEndId></PmtId>
<Amt><InstdAmt Ccy="EUR">0.5</InstdAmt></Amt>
<Cdtr><Nm>Ахмед</Nm></Cdtr>
<CdtrAcct><Id><IBAN>NL86INGB0002445588</IBAN></Id></CdtrAcct></CdtTrfTxInf>
</PmtInf>
</CstmrCdtTrfInitn>
</Document>
"""


def test_reads_what_other_systems_write() -> None:
    message_id, transfers = read_pain001(BENEFITS_09.encode())
    assert message_id == "BIJSTAND-2026-03"
    assert transfers == (
        ReadTransfer("UITK-1", 95302, "Zoë Yılmaz & partner", "NL91ABNA0417164300",
                     date(2026, 3, 2), "Bijstand maart 2026"),
        ReadTransfer("UITK-2", 50, "Ахмед", "NL86INGB0002445588", date(2026, 3, 3), ""),
    )  # fmt: skip


BAD_FILES = [
    # (how the good file is broken, what the error must name)
    (("<MsgId>BIJSTAND-2026-03</MsgId>", ""), "line 4: "),  # XSD: MsgId missing
    (('Ccy="EUR">953', 'Ccy="USD">953'), "line 11: <InstdAmt>: currency USD, not EUR"),
    (("953.02000", "953.025"), "line 11: <InstdAmt>: amount '953.025' is not a positive"),
    (("0.5<", "0<"), "line 21: <InstdAmt>: amount '0' is not a positive number of cents"),
    (("<NbOfTxs>2</NbOfTxs>", "<NbOfTxs>3</NbOfTxs>"), "line 5: <NbOfTxs>: says 3, file has 2"),
    (("<NbOfTxs>2</NbOfTxs>", "<NbOfTxs>2</NbOfTxs><CtrlSum>1</CtrlSum>"),
     "line 5: <CtrlSum>: says 1, amounts add up to 953.52"),
    (("<Cdtr><Nm>Ахмед</Nm></Cdtr>", ""), "line 20: <CdtTrfTxInf>: Cdtr/Nm missing"),
    (("NL86INGB0002445588", "NL87INGB0002445588"), "creditor IBAN NL87INGB0002445588 has wrong"),
    (("pain.001.001.09", "pain.001.001.10"), "is not pain.001.001.03 or pain.001.001.09"),
    (("</Document>", ""), "not well-formed XML"),
]  # fmt: skip


@pytest.mark.parametrize(("replacement", "message"), BAD_FILES)
def test_malformed_input_names_element_and_line(replacement: tuple[str, str], message: str) -> None:
    old, new = replacement
    assert old in BENEFITS_09
    with pytest.raises(InvalidPaymentFile) as raised:
        read_pain001(BENEFITS_09.replace(old, new, 1).encode())
    assert any(message in p for p in raised.value.problems), raised.value.problems


def test_all_problems_are_listed_at_once() -> None:
    broken = BENEFITS_09.replace('Ccy="EUR">953', 'Ccy="USD">953').replace("0.5<", "0.505<")
    with pytest.raises(InvalidPaymentFile) as raised:
        read_pain001(broken.encode())
    assert len(raised.value.problems) == 2


def test_read_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "uitkering.xml"
    path.write_text(BENEFITS_09, encoding="utf-8")
    message_id, transfers = read_pain001_file(path)
    assert (message_id, len(transfers)) == ("BIJSTAND-2026-03", 2)


def test_a_huge_file_is_refused_before_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pain001_reader, "READ_MAX_BYTES", 100)
    path = tmp_path / "uitkering.xml"
    path.write_text(BENEFITS_09, encoding="utf-8")
    with pytest.raises(FileLimitExceeded):
        read_pain001_file(path)
    with pytest.raises(FileLimitExceeded):
        read_pain001(BENEFITS_09.encode())


def test_an_end_to_end_id_twice_names_the_first_transfer() -> None:
    twice = BENEFITS_09.replace(
        "<EndToEndId>UITK-2</EndToEndId>", "<EndToEndId>UITK-1</EndToEndId>"
    )
    with pytest.raises(InvalidPaymentFile) as raised:
        read_pain001(twice.encode())
    assert raised.value.problems == (
        "line 20: <EndToEndId>: duplicate in this file, also at transfer 1",
    )


def test_a_creditor_name_the_xsd_allows_but_epc_does_not_is_refused() -> None:
    long_name = "Ахмед " + "x" * 65  # 71 characters: Max140Text in the XSD, 70 for EPC
    with pytest.raises(InvalidPaymentFile) as raised:
        read_pain001(BENEFITS_09.replace("Ахмед", long_name).encode())
    assert raised.value.problems == (
        "line 22: <Nm>: creditor name has 71 characters, at most 70 (EPC)",
    )
    _, transfers = read_pain001(BENEFITS_09.replace("Ахмед", "x" * 70).encode())
    assert transfers[1].creditor_name == "x" * 70


def test_an_amount_over_the_epc_maximum_is_refused() -> None:
    with pytest.raises(InvalidPaymentFile, match="over the EPC maximum"):
        read_pain001(BENEFITS_09.replace("0.5<", "1000000000.00<").encode())


HOSTILE = [
    # (what the file tries, the document)
    ("entity expansion (billion laughs)",
     '<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY a "aaaaaaaaaa">'
     '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
     + BENEFITS_09.split("?>", 1)[1].replace("Gemeente Voorbeeldstad", "&c;")),
    ("external entity (XXE)",
     '<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     + BENEFITS_09.split("?>", 1)[1].replace("Gemeente Voorbeeldstad", "&x;")),
    ("deep nesting",
     BENEFITS_09.replace("<Nm>Gemeente</Nm>", "<Nm>" + "<a>" * 5000 + "</a>" * 5000 + "</Nm>", 1)),
    ("a truncated file", BENEFITS_09[: BENEFITS_09.index("</PmtInf>")]),
    ("an empty file", ""),
    ("no root end tag", BENEFITS_09.replace("</Document>", "")),
]  # fmt: skip


@pytest.mark.parametrize(("attack", "document"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_xml_is_refused(attack: str, document: str) -> None:
    with pytest.raises(InvalidPaymentFile) as raised:
        read_pain001(document.encode())
    assert raised.value.problems and "passwd" not in str(raised.value), attack
    if "DOCTYPE" in document:
        assert raised.value.problems == ("line 1: a DOCTYPE is not allowed in a payment file",)


def test_a_large_file_that_fails_the_xsd_gets_the_first_error_without_a_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(pain001_reader, "TREE_MAX_BYTES", 0)  # as if the file were large
    with pytest.raises(InvalidPaymentFile) as raised:
        read_pain001(BENEFITS_09.replace("953.02000", "95x").encode())
    (problem,) = raised.value.problems
    assert problem.startswith("the XSD refuses the file: ") and "'95x'" in problem
