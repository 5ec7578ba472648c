"""Validation of pain.001 documents: the ISO XSD, and our checker of the EPC/Dutch usage rules.

The XSD says what ISO allows; Dutch banks allow much less (reference/sepa.md §1). The rule
checker reads the XML independently of the writer, so it also checks files we did not write.
It visits every element once for the texts, then (filtered by tag inside libxml2) only the
element kinds that have rules of their own; that keeps it linear and fast on 100,000
transactions (one XPath ``//`` search per rule was several times slower).

Rules checked by :func:`check_epc_rules` (each problem names its line and element):

* character set: every text in ``a-z A-Z 0-9 / - ? : ( ) . , ' +`` and space, not empty,
  no leading or trailing space;
* lengths: names at most 70, Ustrd at most 140, identifiers at most 35;
* identifiers (MsgId, PmtInfId, InstrId, EndToEndId, CdtrRefInf/Ref): no leading or
  trailing ``/``, no ``//``; EndToEndId unique in the file;
* NbOfTxs and CtrlSum present and exact at group and payment-information level;
* amounts: ``Ccy="EUR"``, at most two decimals, 0.01 .. 999,999,999.99;
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
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Final, cast

from lxml import etree

from payments.accounts import iban_checksum_ok
from payments.errors import InvalidPaymentFile
from payments.references import betalingskenmerk_problem, rf_problem
from payments.schemas import (
    AMOUNT_MAX_CENTS,
    NOT_PROVIDED,
    Pain001Version,
    describe,
    local_name,
    namespace_of,
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
_EPC_WORD: Final = r"[A-Za-z0-9/\-?:().,'+]+"
_LEAF_OK: Final = re.compile(f"{_EPC_WORD}(?: +{_EPC_WORD})*")
_SEAM: Final = "\x00"  # joins all texts of a document for one fast check
_ALLOWED_WITH_SEAM: Final = frozenset(EPC_CHARACTERS | {_SEAM})
_ID_TAGS: Final = ("MsgId", "PmtInfId", "InstrId", "Ref")  # EndToEndId has its own handler


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
    return _Checker(version).run(root)


def text_problem(text: str) -> str:
    """Why a leaf text breaks the EPC character rules ("" when it does not)."""
    if _LEAF_OK.fullmatch(text):
        return ""
    if not text.strip():
        return "empty element"
    bad = sorted({c for c in text if c not in EPC_CHARACTERS})
    if bad:
        return "characters outside the EPC set: " + " ".join(repr(c) for c in bad)
    return "leading or trailing space"


def id_problem(text: str) -> str:
    """Why an identifier breaks the EPC identifier rules ("" when it does not)."""
    if len(text) > ID_MAX:
        return f"identifier longer than {ID_MAX} characters"
    if text.startswith("/") or text.endswith("/"):
        return "identifier must not start or end with '/'"
    if "//" in text:
        return "identifier must not contain '//'"
    return ""


def _texts_ok(texts: list[str]) -> bool:
    """All texts in the EPC set, none with a leading or trailing space (fast, no locations)."""
    joined = _SEAM.join(texts)
    if not set(joined) <= _ALLOWED_WITH_SEAM:
        return False
    edges = (f"{_SEAM} ", f" {_SEAM}")
    return not (joined.startswith(" ") or joined.endswith(" ") or any(e in joined for e in edges))


def amount_cents(text: str) -> int | None:
    """Cents of an amount with at most two decimals, None for any other text."""
    match = _AMOUNT.fullmatch(text)
    if match is None:
        return None
    return int(match[1]) * 100 + int((match[2] or "0").ljust(2, "0"))


@dataclass
class _PaymentInfoTally:
    """What the pass summed inside one PmtInf, to compare with its NbOfTxs and CtrlSum."""

    element: etree._Element
    cents: int = 0


class _Checker:
    """One run of the rules over one document.

    One pass collects every element text, and they are checked with one regular expression
    over all of them; only if that finds something does a second pass locate the offending
    elements. A second pass, filtered by tag inside libxml2, dispatches the few element kinds
    that have rules of their own to handlers, in document order.
    Presence rules per transaction (amount, creditor name, creditor IBAN) are counted per
    PmtInf with one child-axis XPath; only a PmtInf with incomplete transactions is searched
    transaction by transaction. This keeps the checker linear and fast at 100,000
    transactions while every problem still names its line.
    """

    def __init__(self, version: Pain001Version) -> None:
        self.version = version
        self.tag = _qualified_tags(namespace_of(version))
        self.counts = _counts(namespace_of(version))
        self.problems: list[str] = []
        self.tallies: list[_PaymentInfoTally] = []
        self.end_to_end_ids: list[etree._Element] = []
        t = self.tag
        handlers: dict[str, Callable[[etree._Element], None]] = {
            t["PmtInf"]: self.on_payment_info,
            t["InstdAmt"]: self.on_amount,
            t["EndToEndId"]: self.on_end_to_end_id,
            t["Nm"]: self.on_name,
            t["Ustrd"]: self.on_unstructured,
            t["Strd"]: self.on_structured,
            t["IBAN"]: self.on_iban,
            t["SvcLvl"]: self.on_service_level,
            t["ChrgBr"]: self.on_charge_bearer,
            t["CdtrAgt"]: self.on_creditor_agent,
            t["PstlAdr"]: self.on_address,
        }
        for name in _ID_TAGS:
            handlers[t[name]] = self.on_identifier
        self.handlers = handlers

    def add(self, element: etree._Element, message: str) -> None:
        self.problems.append(f"{describe(element)}: {message}")

    def child(self, parent: etree._Element | None, *path: str) -> etree._Element | None:
        found = parent
        for name in path:
            if found is None:
                return None
            found = found.find(self.tag[name])
        return found

    def run(self, root: etree._Element) -> list[str]:
        texts: list[str] = []
        keep = texts.append
        for element in root.iter(etree.Element):  # elements only: no comments, no PIs
            text = element.text
            if text is not None:
                keep(text)
            elif not len(element):
                self.add(element, "empty element")
        if not _texts_ok(texts):
            self.locate_text_problems(root)
        handlers = self.handlers
        for element in root.iter(*handlers):  # libxml2 filters by tag, in document order
            handlers[element.tag](element)
        self.finish(root)
        return self.problems

    def locate_text_problems(self, root: etree._Element) -> None:
        for element in root.iter():
            text = element.text
            if isinstance(element.tag, str) and text is not None and not len(element):
                problem = text_problem(text)
                if problem:
                    self.add(element, problem)

    def finish(self, root: etree._Element) -> None:
        file_count = file_cents = 0
        for tally in self.tallies:
            info = tally.element
            count = self.counts.transactions(info)
            if self.counts.incomplete(info):
                self.diagnose_transactions(info)
            for remittance in self.counts.crowded_remittance(info):
                self.on_remittance(remittance)
            self.totals(info, count, tally.cents)
            file_count += count
            file_cents += tally.cents
        header = self.child(root, "CstmrCdtTrfInitn", "GrpHdr")
        if header is None:
            self.add(root, "CstmrCdtTrfInitn/GrpHdr missing")
        else:
            self.totals(header, file_count, file_cents)
        counts = Counter(element.text for element in self.end_to_end_ids)
        if len(counts) != len(self.end_to_end_ids):
            for element in self.end_to_end_ids:
                if counts[element.text] > 1:
                    self.add(element, f"EndToEndId {element.text!r} is not unique in the file")

    # -- payment information level (few per file: plain lookups are fine) --

    def on_payment_info(self, info: etree._Element) -> None:
        self.tallies.append(_PaymentInfoTally(info))
        method = self.child(info, "PmtMtd")
        if method is None or method.text != "TRF":
            self.add(info, "PmtMtd must be TRF")
        requested = self.child(info, "ReqdExctnDt")
        if requested is None:
            self.add(info, "ReqdExctnDt missing")
        elif self.version == "pain.001.001.09" and [c.tag for c in requested] != [self.tag["Dt"]]:
            self.add(requested, "use Dt (a date), not DtTm")
        if self.child(info, "Dbtr", "Nm") is None:
            self.add(info, "debtor name (Dbtr/Nm) missing")
        if self.child(info, "DbtrAcct", "Id", "IBAN") is None:
            self.add(info, "DbtrAcct: only an IBAN is allowed and it is missing")
        institution = self.child(info, "DbtrAgt", "FinInstnId")
        other = self.child(institution, "Othr", "Id")
        if not self.has_bic(institution) and (other is None or other.text != NOT_PROVIDED):
            self.add(info, "DbtrAgt needs a BIC or Othr/Id NOTPROVIDED")

    def has_bic(self, institution: etree._Element | None) -> bool:
        if institution is None:
            return False
        return any(child.tag in (self.tag["BIC"], self.tag["BICFI"]) for child in institution)

    def on_service_level(self, level: etree._Element) -> None:
        code = self.child(level, "Cd")
        if code is not None and code.text != "SEPA":
            self.add(code, "only SEPA is allowed")

    def on_charge_bearer(self, element: etree._Element) -> None:
        if element.text != "SLEV":
            self.add(element, "only SLEV is allowed")

    # -- transaction level (up to 100,000 per file: keep these cheap) --

    def on_amount(self, amount: etree._Element) -> None:
        if amount.get("Ccy") != "EUR":
            self.add(amount, "only EUR is allowed")
        cents = amount_cents(amount.text or "")
        if cents is None:
            self.add(amount, "amount needs digits with at most two decimals")
        elif not 1 <= cents <= AMOUNT_MAX_CENTS:
            self.add(amount, "amount outside 0.01..999,999,999.99")
        elif self.tallies:
            self.tallies[-1].cents += cents

    def on_end_to_end_id(self, element: etree._Element) -> None:
        self.end_to_end_ids.append(element)
        self.on_identifier(element)

    def on_identifier(self, element: etree._Element) -> None:
        text = element.text or ""
        if len(text) > ID_MAX or "/" in text:  # the common case, no slash, is decided here
            problem = id_problem(text)
            if problem:
                self.add(element, problem)

    def on_name(self, name: etree._Element) -> None:
        if len(name.text or "") > NAME_MAX:
            self.add(name, f"longer than {NAME_MAX} characters")

    def on_unstructured(self, element: etree._Element) -> None:
        if len(element.text or "") > USTRD_MAX:
            self.add(element, f"longer than {USTRD_MAX} characters")

    def on_iban(self, iban: etree._Element) -> None:
        if not iban_checksum_ok(iban.text or ""):
            self.add(iban, "IBAN check digits are wrong")

    def on_creditor_agent(self, agent: etree._Element) -> None:
        if not self.has_bic(self.child(agent, "FinInstnId")):
            self.add(agent, "CdtrAgt: only a BIC is allowed")

    def on_remittance(self, info: etree._Element) -> None:
        """Only called for RmtInf with more than one child (see ``_crowded_remittance``)."""
        tags = [child.tag for child in info]
        unstructured = tags.count(self.tag["Ustrd"])
        structured = tags.count(self.tag["Strd"])
        if unstructured and structured:
            self.add(info, "both Ustrd and Strd: only one is allowed")
        if unstructured > 1:
            self.add(info, "more than one Ustrd")
        if structured > 1:
            self.add(info, "more than one Strd")

    def on_structured(self, strd: etree._Element) -> None:
        # One walk over the Strd: this runs for every structured reference in the file.
        prefix = len(self.tag["Strd"]) - len("Strd")  # "{namespace}"
        pairs = [(e.tag, e.text) for e in strd.iterdescendants(etree.Element)]
        length = sum(2 * (len(tag) - prefix) + 5 + len((text or "").strip()) for tag, text in pairs)
        if length > STRD_MAX:
            self.add(strd, f"longer than {STRD_MAX} characters with tags")
        only_creditor_ref = len(strd) == 1 and strd[0].tag == self.tag["CdtrRefInf"]
        for creditor_ref in strd.iterchildren(self.tag["CdtrRefInf"]):
            if not only_creditor_ref:  # other parts of Strd could have their own Cd
                pairs = [(e.tag, e.text) for e in creditor_ref.iterdescendants(etree.Element)]
            problem = self.creditor_reference_problem(dict(pairs))
            if problem:
                self.add(creditor_ref, problem)

    def creditor_reference_problem(self, values: dict[str, str | None]) -> str:
        code = values.get(self.tag["Cd"])
        issuer = values.get(self.tag["Issr"])
        ref = values.get(self.tag["Ref"])
        if code != "SCOR":
            return "reference type code (Tp/CdOrPrtry/Cd) must be SCOR"
        if ref is None:
            return "Ref missing"
        if issuer == "CUR":
            problem = betalingskenmerk_problem(ref)
            return f"issuer CUR needs a valid betalingskenmerk: {problem}" if problem else ""
        if issuer == "ISO":
            problem = rf_problem(ref)
            return f"issuer ISO needs a valid RF creditor reference: {problem}" if problem else ""
        return f"issuer must be CUR (betalingskenmerk) or ISO (RF), not {issuer!r}"

    def on_address(self, address: etree._Element) -> None:
        if self.child(address, "TwnNm") is None or self.child(address, "Ctry") is None:
            self.add(address, "address must be structured or hybrid (TwnNm and Ctry)")
        if len(address.findall(self.tag["AdrLine"])) > ADR_LINE_MAX:
            self.add(address, f"more than {ADR_LINE_MAX} AdrLine")

    # -- after the pass --

    def diagnose_transactions(self, info: etree._Element) -> None:
        """The slow search, only for a PmtInf whose counts showed something missing."""
        for tx in info.iterchildren(self.tag["CdtTrfTxInf"]):
            if self.child(tx, "Amt", "InstdAmt") is None:
                self.add(tx, "only Amt/InstdAmt is allowed and it is missing")
            if self.child(tx, "Cdtr", "Nm") is None:
                self.add(tx, "creditor name (Cdtr/Nm) missing")
            if self.child(tx, "CdtrAcct", "Id", "IBAN") is None:
                self.add(tx, "CdtrAcct: only an IBAN is allowed and it is missing")

    def totals(self, parent: etree._Element, count: int, cents: int) -> None:
        count_element = self.child(parent, "NbOfTxs")
        if count_element is None:
            self.add(parent, "NbOfTxs missing")
        elif count_element.text != str(count):
            self.add(count_element, f"is {count_element.text}, counted {count}")
        sum_element = self.child(parent, "CtrlSum")
        if sum_element is None:
            self.add(parent, "CtrlSum missing")
        elif amount_cents(sum_element.text or "") != cents:
            total = f"{cents // 100}.{cents % 100:02d}"
            self.add(sum_element, f"is {sum_element.text}, the amounts add up to {total}")


class _Counts:
    """Child-axis XPath from a PmtInf: they visit only the children of each transaction."""

    def __init__(self, namespace: str) -> None:
        def compiled(expression: str) -> etree.XPath:
            return etree.XPath(expression, namespaces={"p": namespace}, smart_strings=False)

        self._transactions = compiled("count(p:CdtTrfTxInf)")
        self._incomplete = compiled(
            "count(p:CdtTrfTxInf[not(p:Amt/p:InstdAmt) or not(p:Cdtr/p:Nm)"
            " or not(p:CdtrAcct/p:Id/p:IBAN)])"
        )
        self._crowded_remittance = compiled("p:CdtTrfTxInf/p:RmtInf[count(*) > 1]")

    def transactions(self, info: etree._Element) -> int:
        return int(cast(float, self._transactions(info)))

    def incomplete(self, info: etree._Element) -> int:
        """Transactions without an amount, a creditor name or a creditor IBAN."""
        return int(cast(float, self._incomplete(info)))

    def crowded_remittance(self, info: etree._Element) -> list[etree._Element]:
        """RmtInf with more than one child: the only ones that can break the Ustrd/Strd rule."""
        return cast(list[etree._Element], self._crowded_remittance(info))


@lru_cache(maxsize=4)
def _counts(namespace: str) -> _Counts:
    return _Counts(namespace)


@lru_cache(maxsize=4)
def _qualified_tags(namespace: str) -> dict[str, str]:
    names = [
        "CstmrCdtTrfInitn",
        "GrpHdr",
        "PmtInf",
        "PmtMtd",
        "PmtTpInf",
        "SvcLvl",
        "Cd",
        "ChrgBr",
        "ReqdExctnDt",
        "Dt",
        "Dbtr",
        "Nm",
        "DbtrAcct",
        "DbtrAgt",
        "FinInstnId",
        "Othr",
        "Id",
        "IBAN",
        "BIC",
        "BICFI",
        "CdtTrfTxInf",
        "PmtId",
        "EndToEndId",
        "CdtrAgt",
        "Cdtr",
        "CdtrAcct",
        "Amt",
        "InstdAmt",
        "RmtInf",
        "Ustrd",
        "Strd",
        "CdtrRefInf",
        "Tp",
        "CdOrPrtry",
        "Issr",
        "Ref",
        "NbOfTxs",
        "CtrlSum",
        "PstlAdr",
        "TwnNm",
        "Ctry",
        "AdrLine",
        "MsgId",
        "PmtInfId",
        "InstrId",
    ]
    return {name: f"{{{namespace}}}{name}" for name in names}
