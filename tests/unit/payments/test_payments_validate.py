"""The validators: ISO XSD and our EPC/Dutch rule checker, one bad example per rule.

Each case takes a valid document from the writer, breaks exactly one rule with lxml, and
expects the checker to report it (with a line number). The same cases run for both versions.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from lxml import etree
from payments_testdata import sample_payment_file

from payments.errors import InvalidPaymentFile
from payments.pain001 import render_pain001
from payments.schemas import Pain001Version
from payments.validate import check_epc_rules, validate_payment_file, validate_xsd

Mutation = Callable[[etree._Element], None]


def first(root: etree._Element, name: str) -> etree._Element:
    found = root.find(f".//{{*}}{name}")
    assert found is not None, name
    return found


def all_of(root: etree._Element, name: str) -> list[etree._Element]:
    return root.findall(f".//{{*}}{name}")


def sibling(element: etree._Element, name: str, text: str | None = None) -> etree._Element:
    """A new element of the document's namespace right after ``element``."""
    namespace = etree.QName(element).namespace
    new = etree.Element(f"{{{namespace}}}{name}")
    new.text = text
    element.addnext(new)
    return new


def child(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    namespace = etree.QName(parent).namespace
    new = etree.SubElement(parent, f"{{{namespace}}}{name}")
    new.text = text
    return new


def set_text(name: str, text: str, index: int = 0) -> Mutation:
    def mutate(root: etree._Element) -> None:
        all_of(root, name)[index].text = text

    return mutate


def remove(name: str, index: int = 0) -> Mutation:
    def mutate(root: etree._Element) -> None:
        element = all_of(root, name)[index]
        parent = element.getparent()
        assert parent is not None
        parent.remove(element)

    return mutate


def set_ref(text: str, index: int = 0) -> Mutation:
    return set_text("Ref", text, index)


def empty_remittance(root: etree._Element) -> None:
    remittance = all_of(root, "RmtInf")[0]
    for element in list(remittance):
        remittance.remove(element)


def both_ustrd_and_strd(root: etree._Element) -> None:
    sibling(first(root, "Strd"), "Ustrd", "huur")


def two_ustrd(root: etree._Element) -> None:
    sibling(first(root, "Ustrd"), "Ustrd", "nog meer")


def long_strd(root: etree._Element) -> None:
    child(first(root, "Strd"), "AddtlRmtInf", "x" * 60)


def date_time_instead_of_date(root: etree._Element) -> None:
    requested = first(root, "ReqdExctnDt")
    if len(requested):
        requested[0].tag = requested[0].tag.replace("Dt", "DtTm")
        requested[0].text = "2026-03-02T09:00:00"
    else:
        requested.text = "2026-03-02T09:00:00"  # .03 has a plain date: the XSD rule


def creditor_account_without_iban(root: etree._Element) -> None:
    identification = first(root, "CdtrAcct")[0]
    iban = identification[0]
    identification.remove(iban)
    other = child(identification, "Othr")
    child(other, "Id", "123456789")


def creditor_agent_without_bic(root: etree._Element) -> None:
    institution = first(root, "CdtrAgt")[0]
    institution.remove(institution[0])
    other = child(institution, "Othr")
    child(other, "Id", "RABO")


def debtor_agent_other_id(root: etree._Element) -> None:
    institution = first(root, "DbtrAgt")[0]
    institution.remove(institution[0])
    other = child(institution, "Othr")
    child(other, "Id", "BNG")


def address(lines: int, town: bool) -> Mutation:
    def mutate(root: etree._Element) -> None:
        postal = sibling(first(root, "Cdtr")[0], "PstlAdr")
        if town:
            child(postal, "TwnNm", "Utrecht")
            child(postal, "Ctry", "NL")
        for n in range(lines):
            child(postal, "AdrLine", f"Straat {n}")

    return mutate


def currency(root: etree._Element) -> None:
    first(root, "InstdAmt").set("Ccy", "USD")


CASES: list[tuple[str, Mutation, str]] = [
    # (rule, how it is broken, what the checker must say)
    ("charset", set_text("Nm", "Zorg & Zo", 1), "characters outside the EPC set: '&'"),
    ("charset in id", set_text("EndToEndId", "P_0001"), "characters outside the EPC set: '_'"),
    ("leading space", set_text("Ustrd", " Premie"), "leading or trailing space"),
    ("trailing space", set_text("Nm", "Energie ", 2), "leading or trailing space"),
    ("empty element", empty_remittance, "empty element"),
    ("name length", set_text("Nm", "N" * 71, 1), "longer than 70 characters"),
    ("ustrd length", set_text("Ustrd", "u" * 141), "longer than 140 characters"),
    ("id leading slash", set_text("EndToEndId", "/P1"), "must not start or end with '/'"),
    ("id trailing slash", set_text("MsgId", "GEM/"), "must not start or end with '/'"),
    ("id double slash", set_text("PmtInfId", "GEM//B1"), "must not contain '//'"),
    ("id length", set_text("EndToEndId", "P" * 36), "longer than 35 characters"),
    ("unique EndToEndId", set_text("EndToEndId", "P000000000001", 1), "is not unique"),
    ("group count", set_text("NbOfTxs", "4", 0), "is 4, counted 5"),
    ("batch count", set_text("NbOfTxs", "6", 1), "is 6, counted 5"),
    ("group sum", set_text("CtrlSum", "978.04", 0), "the amounts add up to 978.03"),
    ("batch sum missing", remove("CtrlSum", 1), "CtrlSum missing"),
    ("group count missing", remove("NbOfTxs", 0), "NbOfTxs missing"),
    ("amount decimals", set_text("InstdAmt", "700.001"), "at most two decimals"),
    ("amount zero", set_text("InstdAmt", "0.00"), "outside 0.01..999,999,999.99"),
    ("amount maximum", set_text("InstdAmt", "1000000000.00"), "outside 0.01..999,999,999.99"),
    ("currency", currency, "only EUR is allowed"),
    ("Ustrd and Strd", both_ustrd_and_strd, "both Ustrd and Strd"),
    ("one Ustrd", two_ustrd, "more than one Ustrd"),
    ("Strd length", long_strd, "longer than 140 characters with tags"),
    ("execution date", remove("ReqdExctnDt"), "ReqdExctnDt missing"),
    ("CUR needs kenmerk", set_ref("4000056789012345"), "issuer CUR needs a valid betalingskenmerk"),
    ("CUR 16 digits", set_ref("500005678901234"), "issuer CUR needs a valid betalingskenmerk"),
    ("ISO needs RF", set_ref("RF19539007547034", 1), "issuer ISO needs a valid RF creditor"),
    ("ISO not kenmerk", set_ref("5000056789012345", 1), "issuer ISO needs a valid RF creditor"),
    ("issuer", set_text("Issr", "XYZ"), "issuer must be CUR (betalingskenmerk) or ISO (RF)"),
    ("SCOR", set_text("Cd", "RADM", 1), "must be SCOR"),
    ("PmtMtd", set_text("PmtMtd", "CHK"), "PmtMtd must be TRF"),
    ("service level", set_text("Cd", "NURG", 0), "only SEPA is allowed"),
    ("charge bearer", set_text("ChrgBr", "SHAR"), "only SLEV is allowed"),
    ("IBAN check digits", set_text("IBAN", "NL45RABO0123456789", 1), "IBAN check digits"),
    ("creditor name", remove("Cdtr", 2), "creditor name (Cdtr/Nm) missing"),
    ("creditor IBAN", creditor_account_without_iban, "CdtrAcct: only an IBAN is allowed"),
    ("creditor agent", creditor_agent_without_bic, "CdtrAgt: only a BIC is allowed"),
    ("debtor agent", debtor_agent_other_id, "DbtrAgt needs a BIC or Othr/Id NOTPROVIDED"),
    ("debtor name", remove("Nm", 1), "debtor name (Dbtr/Nm) missing"),
    ("unstructured address", address(lines=2, town=False), "structured or hybrid"),
    ("address lines", address(lines=3, town=True), "more than 2 AdrLine"),
]


def _broken(version: Pain001Version, mutate: Mutation) -> bytes:
    root = etree.fromstring(render_pain001(sample_payment_file(), version))
    mutate(root)
    return etree.tostring(root, encoding="UTF-8", xml_declaration=True, pretty_print=True)


@pytest.mark.parametrize(("rule", "mutate", "message"), CASES, ids=[c[0] for c in CASES])
def test_checker_catches(
    rule: str, mutate: Mutation, message: str, version: Pain001Version
) -> None:
    problems = check_epc_rules(_broken(version, mutate))
    assert any(message in p for p in problems), (rule, problems)
    assert all(p.startswith("line ") for p in problems)


def test_the_unbroken_documents_pass(version: Pain001Version) -> None:
    assert check_epc_rules(_broken(version, lambda root: None)) == []


def test_date_time_execution_date_in_09() -> None:
    problems = check_epc_rules(_broken("pain.001.001.09", date_time_instead_of_date))
    assert any("use Dt (a date), not DtTm" in p for p in problems)


def test_problem_names_the_line_and_element(version: Pain001Version) -> None:
    xml = _broken(version, set_text("EndToEndId", "/P1"))
    line = next(n for n, text in enumerate(xml.decode().splitlines(), 1) if "/P1" in text)
    assert f"line {line}: <EndToEndId>: identifier must not start or end with '/'" in (
        check_epc_rules(xml)
    )


def test_every_problem_is_listed(version: Pain001Version) -> None:
    def two_problems(root: etree._Element) -> None:
        set_text("PmtMtd", "CHK")(root)
        set_text("ChrgBr", "SHAR")(root)

    # CHK and SHAR are valid ISO codes (the XSD accepts them) but not SEPA ones
    with pytest.raises(InvalidPaymentFile) as raised:
        validate_payment_file(_broken(version, two_problems), version)
    assert [p.split(": ", 2)[2] for p in raised.value.problems] == [
        "PmtMtd must be TRF",
        "only SLEV is allowed",
    ]


def test_epc_rules_after_xsd(version: Pain001Version) -> None:
    def epc_only(root: etree._Element) -> None:  # XSD-valid, EPC-invalid
        set_text("Nm", "Zorg & Zo", 1)(root)
        set_text("EndToEndId", "P000000000001", 1)(root)

    with pytest.raises(InvalidPaymentFile) as raised:
        validate_payment_file(_broken(version, epc_only), version)
    assert len(raised.value.problems) == 3  # one bad name, two copies of one EndToEndId


def test_xsd_errors_carry_line_numbers(version: Pain001Version) -> None:
    with pytest.raises(InvalidPaymentFile) as raised:
        validate_xsd(_broken(version, remove("MsgId")), version)
    assert raised.value.problems[0].startswith("line 5: ")


def test_not_a_pain001_document() -> None:
    problems = check_epc_rules(b"<Document xmlns='urn:example'/>")
    assert problems == ["line 1: not a pain.001.001.03 or .09 Document"]


def test_malformed_xml() -> None:
    problems = check_epc_rules(b"<Document>\n<GrpHdr>\n</Document>")
    assert len(problems) == 1 and problems[0].startswith("line 3: not well-formed XML")


def test_a_doctype_is_refused(version: Pain001Version) -> None:
    xml = render_pain001(sample_payment_file(), version)
    with_doctype = xml.replace(b"<Document", b'<!DOCTYPE Document [<!ENTITY x "y">]>\n<Document', 1)
    with pytest.raises(InvalidPaymentFile, match="DOCTYPE"):
        validate_payment_file(with_doctype, version)
