"""Validation of pain.001 documents: the ISO XSD, and our checker of the EPC/Dutch usage rules.

The XSD says what ISO allows; Dutch banks allow much less (reference/sepa.md §1). The rule
checker reads the XML independently of the writer, so it also checks files we did not write.
Most rules run as compiled XPath (in libxml2, fast on 100,000 transactions); only the
arithmetic and check digits run in Python.

Rules checked by :func:`check_epc_rules` (each problem names its line and element):

* character set: every text in ``a-z A-Z 0-9 / - ? : ( ) . , ' +`` and space, not empty,
  no leading or trailing space;
* lengths: names at most 70, Ustrd at most 140, identifiers at most 35;
* identifiers (MsgId, PmtInfId, InstrId, EndToEndId, CdtrRefInf/Ref): no leading or
  trailing ``/``, no ``//``; EndToEndId unique in the file;
* NbOfTxs and CtrlSum present and exact at group and payment-information level;
* amounts: ``Ccy="EUR"``, at most two decimals, 0.01 .. 999999999.99;
* PmtMtd TRF, SvcLvl SEPA and ChrgBr SLEV where present; ReqdExctnDt present
  (as ``Dt`` in .09);
* accounts: only IBAN, with valid check digits; creditor name and account present;
* agents: a BIC, or for the debtor agent ``Othr/Id`` NOTPROVIDED;
* remittance: at most one Ustrd, at most one Strd, never both; Strd at most 140 characters
  including tags; CdtrRefInf code SCOR; issuer CUR only with a valid betalingskenmerk, ISO
  only with a valid RF creditor reference;
* addresses: structured or hybrid only (TwnNm and Ctry present), at most two AdrLine.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache
from itertools import islice
from typing import Final, cast

from lxml import etree

from payments.accounts import iban_checksum_ok
from payments.errors import InvalidPaymentFile
from payments.references import betalingskenmerk_problem, rf_problem
from payments.schemas import (
    Pain001Version,
    describe,
    local_name,
    parse_xml,
    version_of_namespace,
    xml_schema,
)
from payments.text import EPC_CHARACTERS, ID_MAX, NAME_MAX, USTRD_MAX

STRD_MAX: Final = 140
"""EPC: the Strd element, tags included, must not exceed 140 characters."""
ADR_LINE_MAX: Final = 2
_MAX_XSD_ERRORS: Final = 100  # a broken file can have thousands; the first 100 say enough
_AMOUNT: Final = re.compile(r"([0-9]+)(?:\.([0-9]{1,2}))?")
_AMOUNT_MAX_CENTS: Final = 99_999_999_999
_ALLOWED: Final = "".join(sorted(EPC_CHARACTERS))

_ID_TAGS: Final = ("MsgId", "PmtInfId", "InstrId", "EndToEndId")
_LEAF_RULES: Final[tuple[tuple[str, str], ...]] = (
    ("//*[not(*)][translate(., $ok, '') != '']", "character outside the EPC set"),
    ("//*[not(*)][string-length(.) = 0]", "empty element"),
    (
        "//*[not(*)][starts-with(., ' ') or substring(., string-length(.)) = ' ']",
        "leading or trailing space",
    ),
    (f"//p:Nm[string-length(.) > {NAME_MAX}]", f"name longer than {NAME_MAX} characters"),
    (f"//p:Ustrd[string-length(.) > {USTRD_MAX}]", f"longer than {USTRD_MAX} characters"),
    (
        "(" + "|".join(f"//p:{tag}" for tag in _ID_TAGS) + "|//p:CdtrRefInf/p:Ref)"
        f"[string-length(.) > {ID_MAX} or starts-with(., '/') or contains(., '//')"
        " or substring(., string-length(.)) = '/']",
        "",  # identifier rules, message computed per element
    ),
    ("//p:PmtMtd[. != 'TRF']", "only TRF is allowed"),
    ("//p:SvcLvl/p:Cd[. != 'SEPA']", "only SEPA is allowed"),
    ("//p:ChrgBr[. != 'SLEV']", "only SLEV is allowed"),
    ("//p:RmtInf[p:Ustrd and p:Strd]", "both Ustrd and Strd: only one is allowed"),
    ("//p:RmtInf[count(p:Ustrd) > 1]", "more than one Ustrd"),
    ("//p:RmtInf[count(p:Strd) > 1]", "more than one Strd"),
    ("//p:PmtInf[not(p:ReqdExctnDt)]", "ReqdExctnDt missing"),
    ("//p:CdtTrfTxInf[not(p:Cdtr/p:Nm)]", "creditor name missing"),
    ("//p:CdtTrfTxInf[not(p:CdtrAcct)]", "creditor account missing"),
    ("//p:CdtTrfTxInf[not(p:Amt/p:InstdAmt)]", "only InstdAmt is allowed"),
    ("//p:PmtInf[not(p:Dbtr/p:Nm)]", "debtor name missing"),
    ("//p:DbtrAcct[not(p:Id/p:IBAN)] | //p:CdtrAcct[not(p:Id/p:IBAN)]", "only IBAN is allowed"),
    ("//p:CdtrAgt[not(p:FinInstnId/p:BIC or p:FinInstnId/p:BICFI)]", "only a BIC is allowed"),
    (
        "//p:DbtrAgt[not(p:FinInstnId/p:BIC or p:FinInstnId/p:BICFI"
        " or p:FinInstnId/p:Othr/p:Id = 'NOTPROVIDED')]",
        "a BIC or Othr/Id NOTPROVIDED is required",
    ),
    (
        "//p:PstlAdr[not(p:TwnNm and p:Ctry)]",
        "address must be structured or hybrid (TwnNm and Ctry)",
    ),
    (f"//p:PstlAdr[count(p:AdrLine) > {ADR_LINE_MAX}]", f"more than {ADR_LINE_MAX} AdrLine"),
    ("//p:InstdAmt[@Ccy != 'EUR']", "only EUR is allowed"),
)


def validate_xsd(xml_bytes: bytes, version: Pain001Version) -> None:
    """Raise :class:`InvalidPaymentFile` listing the XSD errors (with lines) of the document."""
    validate_xsd_tree(parse_xml(xml_bytes), version)


def validate_xsd_tree(root: etree._Element, version: Pain001Version) -> None:
    schema = xml_schema(version)
    if schema.validate(root):
        return
    entries = cast(Iterable[etree._LogEntry], schema.error_log)
    problems = [f"line {e.line}: {e.message}" for e in islice(entries, _MAX_XSD_ERRORS)]
    raise InvalidPaymentFile(problems or ["document does not match the XSD"])


def check_epc_rules(xml_bytes: bytes) -> list[str]:
    """Every EPC/Dutch usage-rule problem of the document; empty when it complies."""
    try:
        root = parse_xml(xml_bytes)
    except InvalidPaymentFile as error:
        return list(error.problems)
    return check_epc_tree(root)


def validate_payment_file(xml_bytes: bytes, version: Pain001Version) -> None:
    """XSD first, then the EPC rules; :class:`InvalidPaymentFile` lists everything wrong."""
    root = parse_xml(xml_bytes)
    validate_xsd_tree(root, version)
    problems = check_epc_tree(root)
    if problems:
        raise InvalidPaymentFile(problems)


def check_epc_tree(root: etree._Element) -> list[str]:
    version = version_of_namespace(etree.QName(root).namespace or "")
    if version is None or local_name(root) != "Document":
        return [f"line {root.sourceline}: not a pain.001.001.03 or .09 Document"]
    rules = _compiled_rules(version)
    problems: list[str] = []
    for (_, message), rule in zip(_LEAF_RULES, rules.leaf, strict=True):
        for element in rule(root, ok=_ALLOWED):
            text = message or _id_problem(element.text or "")
            if text:
                problems.append(f"{describe(element)}: {text}")
    problems += _count_and_sum_problems(root, rules)
    problems += _execution_date_problems(root, rules, version)
    problems += _iban_problems(rules.ibans(root))
    problems += _end_to_end_problems(rules.end_to_end_ids(root))
    problems += _strd_problems(rules.structured(root))
    return problems


class _Rules:
    """The XPath expressions of one version (namespaces differ per version)."""

    def __init__(self, namespace: str) -> None:
        def xpath(expression: str) -> Callable[..., list[etree._Element]]:
            compiled = etree.XPath(expression, namespaces={"p": namespace})
            return compiled  # type: ignore[return-value]

        self.leaf = tuple(xpath(expression) for expression, _ in _LEAF_RULES)
        self.group_header = xpath("/p:Document/p:CstmrCdtTrfInitn/p:GrpHdr")
        self.payment_infos = xpath("/p:Document/p:CstmrCdtTrfInitn/p:PmtInf")
        self.amounts = xpath(".//p:CdtTrfTxInf/p:Amt/p:InstdAmt")
        self.count = xpath("p:NbOfTxs")
        self.control_sum = xpath("p:CtrlSum")
        self.execution_dates = xpath("//p:PmtInf/p:ReqdExctnDt")
        self.ibans = xpath("//p:IBAN")
        self.end_to_end_ids = xpath("//p:EndToEndId")
        self.structured = xpath("//p:RmtInf/p:Strd")
        self.children = xpath("*")


@lru_cache(maxsize=2)
def _compiled_rules(version: Pain001Version) -> _Rules:
    return _Rules(f"urn:iso:std:iso:20022:tech:xsd:{version}")


def _id_problem(text: str) -> str:
    if len(text) > ID_MAX:
        return f"identifier longer than {ID_MAX} characters"
    if text.startswith("/") or text.endswith("/"):
        return "identifier must not start or end with '/'"
    if "//" in text:
        return "identifier must not contain '//'"
    return ""


def _cents(text: str) -> int | None:
    match = _AMOUNT.fullmatch(text)
    if match is None:
        return None
    return int(match[1]) * 100 + int((match[2] or "0").ljust(2, "0"))


def _count_and_sum_problems(root: etree._Element, rules: _Rules) -> list[str]:
    problems: list[str] = []
    file_count = 0
    file_cents = 0
    for info in rules.payment_infos(root):
        amounts = rules.amounts(info)
        cents = 0
        for amount in amounts:
            value = _cents(amount.text or "")
            if value is None:
                problems.append(f"{describe(amount)}: amount needs at most two decimals")
            elif not 1 <= value <= _AMOUNT_MAX_CENTS:
                problems.append(f"{describe(amount)}: amount outside 0.01..999999999.99")
            else:
                cents += value
        problems += _totals_problems(info, rules, len(amounts), cents)
        file_count += len(amounts)
        file_cents += cents
    for header in rules.group_header(root):
        problems += _totals_problems(header, rules, file_count, file_cents)
    return problems


def _totals_problems(parent: etree._Element, rules: _Rules, count: int, cents: int) -> list[str]:
    problems = []
    counts = rules.count(parent)
    sums = rules.control_sum(parent)
    where = describe(parent)
    if not counts:
        problems.append(f"{where}: NbOfTxs missing")
    elif counts[0].text != str(count):
        problems.append(f"{describe(counts[0])}: is {counts[0].text}, counted {count}")
    if not sums:
        problems.append(f"{where}: CtrlSum missing")
    elif _cents(sums[0].text or "") != cents:
        problems.append(
            f"{describe(sums[0])}: is {sums[0].text}, "
            f"sum of amounts {cents // 100}.{cents % 100:02d}"
        )
    return problems


def _execution_date_problems(
    root: etree._Element, rules: _Rules, version: Pain001Version
) -> list[str]:
    if version != "pain.001.001.09":
        return []  # .03: a plain ISODate, which the XSD checks
    return [
        f"{describe(element)}: use Dt (a date), not DtTm"
        for element in rules.execution_dates(root)
        if [local_name(child) for child in rules.children(element)] != ["Dt"]
    ]


def _iban_problems(ibans: list[etree._Element]) -> list[str]:
    return [
        f"{describe(element)}: IBAN check digits are wrong"
        for element in ibans
        if not iban_checksum_ok(element.text or "")
    ]


def _end_to_end_problems(ids: list[etree._Element]) -> list[str]:
    counts = Counter(element.text for element in ids)
    return [
        f"{describe(element)}: EndToEndId {element.text!r} is not unique in the file"
        for element in ids
        if counts[element.text] > 1
    ]


def _strd_problems(structured: list[etree._Element]) -> list[str]:
    problems = []
    for strd in structured:
        if _tagged_length(strd) > STRD_MAX:
            problems.append(f"{describe(strd)}: longer than {STRD_MAX} characters with tags")
        for creditor_ref in strd.iterchildren("{*}CdtrRefInf"):
            problem = _creditor_reference_problem(creditor_ref)
            if problem:
                problems.append(f"{describe(creditor_ref)}: {problem}")
    return problems


def _tagged_length(element: etree._Element) -> int:
    """Characters of the element's children written as ``<Tag>text</Tag>``, no whitespace."""
    total = 0
    for child in element.iterdescendants():
        tag = local_name(child)
        total += 2 * len(tag) + 5 + len((child.text or "").strip())
    return total


def _creditor_reference_problem(creditor_ref: etree._Element) -> str:
    code = creditor_ref.findtext("{*}Tp/{*}CdOrPrtry/{*}Cd")
    issuer = creditor_ref.findtext("{*}Tp/{*}Issr")
    ref = creditor_ref.findtext("{*}Ref")
    if code != "SCOR":
        return f"reference type code must be SCOR, not {code!r}"
    if ref is None:
        return "Ref missing"
    if issuer == "CUR":
        problem = betalingskenmerk_problem(ref)
        return f"issuer CUR needs a valid betalingskenmerk: {problem}" if problem else ""
    if issuer == "ISO":
        problem = rf_problem(ref)
        return f"issuer ISO needs a valid RF creditor reference: {problem}" if problem else ""
    return f"issuer must be CUR (betalingskenmerk) or ISO (RF reference), not {issuer!r}"
