"""Reading bank feedback: pain.002 (.03, .10), camt.053 and camt.054 (.02, .08)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from bank_testdata import camt053, camt054, pain002
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payments.bank_reader import read_bank_file, read_bank_file_path
from payments.bank_xml import BANK_FILE_MAX_BYTES, StatusReason, bank_schema, has_schema
from payments.camt_reader import (
    Balance,
    BatchBooking,
    Notification,
    Statement,
    read_camt053,
    read_camt053_file,
    read_camt054,
)
from payments.errors import BankFileTooLarge, InvalidBankFile, PaymentsError
from payments.pain002_reader import PaymentStatusReport, read_pain002, read_pain002_file

HERE = Path(__file__).parent
AC04 = StatusReason("AC04", False, "Rekening opgeheven")


def _xsd_valid(document: bytes, version: str) -> bool:
    from lxml import etree

    return bank_schema(version).validate(etree.fromstring(document))  # type: ignore[arg-type]


@pytest.mark.parametrize("version", ["pain.002.001.03", "pain.002.001.10"])
def test_pain002_reads_rejects_accepts_and_inherited_status(version: str) -> None:
    document = pain002(version)
    if has_schema(version):  # type: ignore[arg-type]
        assert _xsd_valid(document, version)
    report = read_pain002(document)
    assert (report.message_id, report.original_message_id, report.group_status) == (
        "BNG-PSR-20260303-01", "GEM-20260302-0001", "PART")  # fmt: skip
    rent, energy, water = report.transactions()
    assert (rent.original_end_to_end_id, rent.status, rent.reasons) == (
        "P000000000001",
        "RJCT",
        (AC04,),
    )
    assert (rent.original_amount_cents, rent.creditor_iban) == (70000, "NL44RABO0123456789")
    assert rent.requested_execution_date == date(2026, 3, 2)
    assert (energy.effective_status, energy.original_amount_cents) == ("ACCP", None)
    # No TxSts: the batch's RJCT holds, with the batch's proprietary reason.
    assert (water.status, water.effective_status) == ("", "RJCT")
    assert report.payment_informations[1].reasons == (StatusReason("X99", True, ""),)


@pytest.mark.parametrize("version", ["camt.053.001.02", "camt.053.001.08"])
def test_camt053_reads_balances_batch_and_return(version: str) -> None:
    document = camt053(version)
    assert _xsd_valid(document, version)
    (statement,) = read_camt053(document)
    assert (statement.statement_id, statement.electronic_sequence_number) == (
        "NL66BNGH0123456789-2026-03-04", 63)  # fmt: skip
    assert statement.opening_balance == Balance("OPBD", -10000, date(2026, 3, 1))
    assert statement.closing_balance == Balance("CLBD", -24000, date(2026, 3, 4))
    debit, back = statement.entries
    assert sum(e.signed_amount_cents for e in statement.entries) == -24000 - -10000
    assert debit.batch == BatchBooking("GEM-20260302-0001", "GEM-20260302-0001-B1", 2, 84000)
    assert [t.end_to_end_id for t in debit.transactions] == ["P000000000001", "P000000000002"]
    assert [t.remittance for t in debit.transactions] == ["Huur maart 2026", "RF18539007547034"]
    assert (back.credit_debit, back.reversal, back.status) == ("CRDT", True, "BOOK")
    assert back.bank_transaction_code.sub_family == "RRTN"
    (returned,) = back.transactions
    assert (returned.end_to_end_id, returned.amount_cents, returned.return_reason) == (
        "P000000000001", 70000, AC04)  # fmt: skip
    assert (returned.counterparty_name, returned.counterparty_iban) == (
        "Woonstichting", "NL44RABO0123456789")  # fmt: skip


@pytest.mark.parametrize("version", ["camt.054.001.02", "camt.054.001.08"])
def test_camt054_reads_the_same_entries(version: str) -> None:
    document = camt054(version)
    assert _xsd_valid(document, version)
    (notification,) = read_camt054(document)
    assert notification.notification_id == "NTF-2026-03-04-1"
    assert [e.account_servicer_reference for e in notification.entries] == [
        "BNG-20260302-000017", "BNG-20260304-000003"]  # fmt: skip
    assert notification.entries[1].transactions[0].return_reason == AC04


def test_the_detector_picks_the_reader_by_namespace() -> None:
    assert isinstance(read_bank_file(pain002("pain.002.001.10")), PaymentStatusReport)
    assert isinstance(read_bank_file(camt053("camt.053.001.08"))[0], Statement)
    assert isinstance(read_bank_file(camt054("camt.054.001.02"))[0], Notification)


def test_a_reader_refuses_the_other_kind() -> None:
    with pytest.raises(InvalidBankFile, match=r"camt\.053\.001\.02 is not a pain\.002"):
        read_pain002(camt053("camt.053.001.02"))
    with pytest.raises(InvalidBankFile, match=r"is not a camt\.054"):
        read_camt054(camt053("camt.053.001.02"))


def _replace(document: bytes, old: str, new: str) -> bytes:
    assert old.encode() in document, old
    return document.replace(old.encode(), new.encode(), 1)


P03 = pain002("pain.002.001.03")
P10 = pain002("pain.002.001.10")
C02 = camt053("camt.053.001.02")
LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + b"".join(f'<!ENTITY lol{i + 1} "{("&lol" + str(i) + ";") * 10}">'.encode()
                     for i in range(9)).replace(b"&lol0;", b"&lol;")
          + b"]><Document>&lol9;</Document>")  # fmt: skip
NESTED = b"<Document>" + b"<a>" * 300 + b"</a>" * 300 + b"</Document>"
PAIN001 = (HERE / "golden" / "pain.001.001.03.xml").read_bytes()

BAD_DOCUMENTS = [
    # (what is wrong, the document, what the refusal must say)
    ("empty file", b"", "the file is empty"),
    ("only whitespace", b"  \n", "the file is empty"),
    ("binary garbage", bytes(range(256)) * 4, "not well-formed XML"),
    ("truncated", C02[: len(C02) // 2], "not well-formed XML"),
    ("billion laughs", LAUGHS, "line 1: "),
    ("plain DOCTYPE", b'<?xml version="1.0"?><!DOCTYPE Document>' + P10.split(b"?>", 1)[1],
     "a DOCTYPE is not allowed"),
    ("external DTD", b'<!DOCTYPE Document SYSTEM "http://example.invalid/camt.dtd">'
     + C02.split(b"?>", 1)[1], "a DOCTYPE is not allowed"),
    ("deeply nested", NESTED, "line 1: "),
    ("wrong namespace", _replace(C02, "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02", "urn:example"),
     "namespace 'urn:example' is not a bank file this engine reads (supported: pain.002.001.03"),
    ("unknown version", _replace(C02, "camt.053.001.02", "camt.053.001.04"),
     "camt.053.001.04' is not a bank file this engine reads (supported:"),
    ("no namespace", b"<Document/>", "no namespace is not a bank file"),
    ("a pain.001 fed to the bank reader", PAIN001, "pain.001.001.03' is not a bank file"),
    ("amount with three decimals", _replace(C02, '"EUR">840.00</Amt>', '"EUR">840.001</Amt>'),
     "line 9: <Amt>: amount '840.001' is not a whole number of cents"),
    ("entry not in euro", _replace(C02, '"EUR">840.00</Amt>', '"USD">840.00</Amt>'),
     "line 9: <Amt>: currency USD, not EUR"),
    ("account not in euro", _replace(C02, "<Ccy>EUR</Ccy>", "<Ccy>CHF</Ccy>"),
     "account currency CHF, not EUR"),
    ("pain.002 amount not in euro", _replace(P03, 'Ccy="EUR">700.00', 'Ccy="GBP">700.00'),
     "<InstdAmt>: currency GBP, not EUR"),
    ("pain.002 amount with fractions of a cent", _replace(P10, ">700.00<", ">700.005<"),
     "amount '700.005' is not a whole number of cents"),
    ("RJCT without OrgnlEndToEndId (.03)", _replace(P03, "<OrgnlEndToEndId>P000000000001</OrgnlEndToEndId>", ""),
     "line 10: <TxInfAndSts>: OrgnlEndToEndId missing"),
    ("RJCT without OrgnlEndToEndId (.10)", _replace(P10, "<OrgnlEndToEndId>P000000000001</OrgnlEndToEndId>", ""),
     "line 10: <TxInfAndSts>: OrgnlEndToEndId missing"),
    ("pain.002.001.03 without MsgId", _replace(P03, "<MsgId>BNG-PSR-20260303-01</MsgId>", ""),
     "GrpHdr/MsgId missing"),
    ("pain.002.001.03 without OrgnlPmtInfId",
     _replace(P03, "<OrgnlPmtInfId>GEM-20260302-0001-B1</OrgnlPmtInfId>", ""),
     "OrgnlPmtInfId missing"),
    ("pain.002.001.10 without OrgnlMsgId (XSD)", _replace(P10, "<OrgnlMsgId>GEM-20260302-0001</OrgnlMsgId>", ""),
     "line 6: Element 'OrgnlMsgNmId': This element is not expected. Expected is ( OrgnlMsgId )."),
    ("pain.002.001.03 unknown status", _replace(P03, "<TxSts>ACCP</TxSts>", "<TxSts>OKAY</TxSts>"),
     "TxSts 'OKAY' is not an ISO status code"),
    ("id longer than 35", _replace(P03, "P000000000002", "P" * 36), "longer than 35 characters"),
    ("statement of a non-IBAN account",
     _replace(C02, "<IBAN>NL66BNGH0123456789</IBAN>", "<Othr><Id>0123456789</Id></Othr>"),
     "Acct/Id/IBAN missing"),
    ("statement without Id (XSD)", _replace(C02, "<Id>NL66BNGH0123456789-2026-03-04</Id>", ""),
     "Element 'ElctrncSeqNb': This element is not expected. Expected is ( Id )."),
    ("one EndToEndId, two statuses",
     _replace(P10, "<OrgnlEndToEndId>P000000000002</OrgnlEndToEndId>",
              "<OrgnlEndToEndId>P000000000001</OrgnlEndToEndId>"),
     "line 16: <TxInfAndSts>: OrgnlEndToEndId P000000000001 was already given another status on "
     "line 10 (RJCT there, ACCP here)"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("document", "message"),
    [(d, m) for _, d, m in BAD_DOCUMENTS],
    ids=[w for w, _, _ in BAD_DOCUMENTS],
)
def test_bad_documents_are_refused_with_a_reason(document: bytes, message: str) -> None:
    with pytest.raises(InvalidBankFile) as raised:
        read_bank_file(document)
    assert any(message in p for p in raised.value.problems), raised.value.problems


def test_an_exact_repeat_of_a_status_is_read_once() -> None:
    repeated = b"<TxInfAndSts><OrgnlEndToEndId>P000000000002</OrgnlEndToEndId><TxSts>ACCP</TxSts></TxInfAndSts>"
    report = read_pain002(P10.replace(repeated, repeated * 2))
    assert [t.original_end_to_end_id for t in report.transactions()] == [
        "P000000000001", "P000000000002", "P000000000003"]  # fmt: skip


def test_all_problems_are_listed_at_once() -> None:
    broken = _replace(_replace(C02, '"EUR">840.00</Amt>', '"USD">840.00</Amt>'),
                      '"EUR">700.00</Amt>', '"EUR">700.001</Amt>')  # fmt: skip
    with pytest.raises(InvalidBankFile) as raised:
        read_camt053(broken)
    assert len(raised.value.problems) == 2


def test_an_external_entity_never_reaches_the_output(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("MARKER-7f3a9c-GEHEIM")
    body = P10.split(b"?>", 1)[1].replace(b"BNG-PSR-20260303-01", b"&xxe;")
    document = (
        f'<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY xxe SYSTEM "file://{secret}">]>'
    ).encode() + body
    with pytest.raises(InvalidBankFile) as raised:
        read_bank_file(document)
    assert "DOCTYPE is not allowed" in str(raised.value)
    assert "MARKER" not in str(raised.value) and "MARKER" not in repr(raised.value.problems)


def test_a_file_over_the_limit_is_refused_before_reading(tmp_path: Path) -> None:
    huge = tmp_path / "huge.xml"
    with huge.open("wb") as f:  # sparse: costs no disk and no time
        f.truncate(BANK_FILE_MAX_BYTES + 1)
    for read in (read_bank_file_path, read_pain002_file, read_camt053_file):
        with pytest.raises(BankFileTooLarge):
            read(huge)
    with pytest.raises(BankFileTooLarge):
        read_bank_file(bytes(BANK_FILE_MAX_BYTES + 1))


def test_read_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "afschrift.xml"
    path.write_bytes(C02)
    statements = read_bank_file_path(path)
    assert isinstance(statements, tuple) and len(statements) == 1


# Real-world samples (AGPL test data of OCA's Odoo importers; see data/README.md).
def test_oca_pain002_of_a_direct_debit_file_is_read() -> None:
    report = read_pain002((HERE / "data" / "oca-pain002-unpaid.xml").read_bytes())
    assert report.original_message_name_id == "PAIN.008.001.02"
    assert [(t.original_end_to_end_id, t.reasons[0].code, t.original_amount_cents)
            for t in report.transactions()] == [
        ("E2EID1", "AC01", 10000), ("E2EID2", "MS02", 10000),
        ("E2EID3", "MD06", 10000), ("E2EID4", "AM04", 10000)]  # fmt: skip
    assert report.transactions()[0].reasons[0].additional_info == "ACC NUMBER INVALID"


def test_oca_camt053_is_read_with_its_reversal() -> None:
    (statement,) = read_camt053((HERE / "data" / "oca-camt053.xml").read_bytes())
    assert statement.account_iban == "NL77ABNA0574908765"
    assert (statement.opening_balance, statement.closing_balance) == (
        Balance("OPBD", 1556827, date(2014, 1, 5)), Balance("CLBD", 1512112, date(2014, 1, 5)))  # fmt: skip
    first = statement.entries[0].transactions[0]
    assert (first.end_to_end_id, first.amount_cents) == ("435005714488-ABNO33052620", 75425)
    assert [e.reversal for e in statement.entries].count(True) >= 1


def test_oca_camt054_return_is_read() -> None:
    (notification,) = read_camt054((HERE / "data" / "oca-camt054-unpaid.xml").read_bytes())
    (tx,) = notification.entries[0].transactions
    assert (tx.end_to_end_id, tx.amount_cents, tx.return_reason) == (
        "E2EID1", 10000, StatusReason("AC06", False, "/RTYP/RTRN"))  # fmt: skip


def test_oca_camt053_without_balances_is_refused_with_a_clear_reason() -> None:
    with pytest.raises(InvalidBankFile) as raised:
        read_camt053((HERE / "data" / "oca-camt053-unpaid-no-balances.xml").read_bytes())
    assert "a statement without balances cannot be checked" in str(raised.value)


# Fuzz: a mutated document is read or refused with a PaymentsError, nothing else.
MUTATIONS = st.one_of(
    st.tuples(st.just("truncate"), st.integers(0, 4000), st.just(b"")),
    st.tuples(st.just("flip"), st.integers(0, 4000), st.binary(min_size=1, max_size=3)),
    st.tuples(st.just("insert"), st.integers(0, 4000),
              st.sampled_from([b"<Ntry/>", b"<X>1</X>", b"</Stmt>", b"&amp;", b"&e;", b"<!--", b"]]>",
                               b"<TxSts>RJCT</TxSts>", b'<Amt Ccy="EUR">1.001</Amt>', b"\x00"])),
)  # fmt: skip


def _mutate(document: bytes, mutation: tuple[str, int, bytes]) -> bytes:
    kind, at, data = mutation
    at %= max(len(document), 1)
    if kind == "truncate":
        return document[:at]
    if kind == "flip":
        return document[:at] + data + document[at + len(data) :]
    return document[:at] + data + document[at:]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from([P03, P10, C02, camt053("camt.053.001.08")]),
    st.lists(MUTATIONS, min_size=1, max_size=3),
)
def test_mutated_documents_are_read_or_refused(
    document: bytes, mutations: list[tuple[str, int, bytes]]
) -> None:
    for mutation in mutations:
        document = _mutate(document, mutation)
    try:
        read_bank_file(document)
    except PaymentsError as refused:
        assert str(refused).startswith("bank file refused:\n  - ")
