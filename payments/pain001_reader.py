"""Reader for pain.001 payout files produced by a benefits system (.001.03 or .001.09).

The file is read as a stream (``lxml.etree.iterparse``) and validated against its ISO XSD
while it is read; every transfer is released as soon as it is read, so memory grows with
the transfers kept, not with the XML tree (a 150 MB file would be a tree of well over a
gigabyte). Problems are collected, not stopped at: one :class:`InvalidPaymentFile` lists
each with its line and element. The reader is lenient where other systems legitimately
differ from our writer (text outside the EPC set, several PmtInf, several Ustrd) and
strict where money is at stake (currency, fractions of a cent, totals that do not add up,
IBAN check digits, an EndToEndId twice) and where we could not carry a value on (a
creditor name longer than the 70 characters of the EPC rules and of our database).

Hostile XML is refused as by :func:`payments.schemas.parse_xml`: no DTD is loaded, no
entity resolved, nothing fetched from the network, a DOCTYPE is an error, and libxml2's
limits on depth and text size stay on (``huge_tree=False``).
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any, Final

from lxml import etree

from payments.accounts import iban_checksum_ok
from payments.bank_xml import decimal_cents
from payments.errors import FileLimitExceeded, InvalidPaymentFile
from payments.schemas import (
    AMOUNT_MAX_CENTS,
    Pain001Version,
    describe,
    namespace_of,
    parse_xml,
    version_of_namespace,
    xml_schema,
)
from payments.text import NAME_MAX
from payments.validate import validate_xsd_tree

READ_MAX_BYTES: Final = 256 * 1024 * 1024
"""A 100,000-transfer file (the banks' maximum) is about 50 MB; far larger is not a payout."""
TREE_MAX_BYTES: Final = 16 * 1024 * 1024
"""Streaming validation stops at the first XSD error and cannot say its line. A file up to
this size that fails is parsed whole once more, so that every XSD error (up to 100) is
listed with its line; a larger one gets the first error without a line."""

_SAFE_PARSING: Final[dict[str, Any]] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
    "remove_blank_text": True,
}
_SCHEMA_ERROR_CODES: Final = frozenset(
    getattr(etree.ErrorTypes, name) for name in dir(etree.ErrorTypes) if name.startswith("SCHEMAV")
)


@dataclass(frozen=True, slots=True)
class ReadTransfer:
    """One credit transfer read from a payout file; ``remittance`` is the Ustrd text (several
    joined by a space) or else the structured creditor reference, or empty."""

    end_to_end_id: str
    amount_cents: int
    creditor_name: str
    creditor_iban: str
    requested_execution_date: date
    remittance: str


def read_pain001_file(path: str | os.PathLike[str]) -> tuple[str, tuple[ReadTransfer, ...]]:
    source = Path(path)
    with source.open("rb") as stream:
        size = os.fstat(stream.fileno()).st_size
        if size > READ_MAX_BYTES:
            raise FileLimitExceeded([f"{source.name}: {size} bytes, at most {READ_MAX_BYTES} read"])
        return _read(stream, size)


def read_pain001(data: bytes) -> tuple[str, tuple[ReadTransfer, ...]]:
    """``(message_id, transfers)`` of a pain.001 document, in document order."""
    if len(data) > READ_MAX_BYTES:
        raise FileLimitExceeded([f"{len(data)} bytes, at most {READ_MAX_BYTES} read"])
    return _read(io.BytesIO(data), len(data))


def _read(stream: IO[bytes], size: int) -> tuple[str, tuple[ReadTransfer, ...]]:
    version = _version(stream)
    stream.seek(0)
    reader = _Reader(namespace_of(version))
    try:
        message_id, transfers = reader.read(stream, xml_schema(version))
    except etree.XMLSyntaxError as error:
        if getattr(error, "code", None) not in _SCHEMA_ERROR_CODES:
            raise _not_well_formed(error) from None
        if size <= TREE_MAX_BYTES:
            stream.seek(0)
            validate_xsd_tree(parse_xml(stream.read()), version)  # raises with every line
        raise InvalidPaymentFile([f"the XSD refuses the file: {error.msg}"]) from None
    if reader.problems:
        raise InvalidPaymentFile(reader.problems)
    return message_id, tuple(transfers)


def _version(stream: IO[bytes]) -> Pain001Version:
    """The version of the document's root element, read without reading further."""
    try:
        _, root = next(etree.iterparse(stream, events=("start",), **_SAFE_PARSING))
    except etree.XMLSyntaxError as error:
        raise _not_well_formed(error) from None
    except StopIteration:
        raise InvalidPaymentFile(["line 1: not well-formed XML: no element"]) from None
    if root.getroottree().docinfo.internalDTD is not None:
        raise InvalidPaymentFile(["line 1: a DOCTYPE is not allowed in a payment file"])
    namespace = etree.QName(root).namespace or ""
    version = version_of_namespace(namespace)
    if version is None:
        raise InvalidPaymentFile(
            [f"{describe(root)}: namespace {namespace!r} is not pain.001.001.03 or pain.001.001.09"]
        )
    return version


def _not_well_formed(error: etree.XMLSyntaxError) -> InvalidPaymentFile:
    line = error.lineno if error.lineno else "?"
    return InvalidPaymentFile([f"line {line}: not well-formed XML: {error.msg}"])


def _release(element: etree._Element) -> None:
    """Free a read element and the siblings of its kind read before it."""
    element.clear()
    parent = element.getparent()
    while parent is not None:
        previous = element.getprevious()
        if previous is None or previous.tag != element.tag:
            break
        parent.remove(previous)


class _Reader:
    def __init__(self, namespace: str) -> None:
        self.ns = {"p": namespace}
        self.tag = {name: f"{{{namespace}}}{name}" for name in _TAGS}
        self.problems: list[str] = []
        self.first_seen: dict[str, int] = {}  # EndToEndId -> number of its transfer

    def find(self, element: etree._Element, path: str) -> etree._Element | None:
        return element.find(path, self.ns)

    def text(self, element: etree._Element, path: str) -> str:
        found = self.find(element, path)
        if found is None or not (found.text or "").strip():
            self.problems.append(f"{describe(element)}: {path.replace('p:', '')} missing")
            return ""
        return (found.text or "").strip()

    def read(self, stream: IO[bytes], schema: etree.XMLSchema) -> tuple[str, list[ReadTransfer]]:
        """Stream the document: each transfer read when its end tag is, then released."""
        tag = self.tag
        result: list[ReadTransfer] = []
        header: etree._Element | None = None
        requested, batch_count, batch_cents, file_cents = date.min, 0, 0, 0
        finished = False
        events = etree.iterparse(stream, events=("end",), schema=schema, **_SAFE_PARSING)
        for _, element in events:
            if element.tag == tag["CdtTrfTxInf"]:
                transfer = self.transfer(element, requested, len(result) + 1)
                result.append(transfer)
                batch_count, batch_cents = batch_count + 1, batch_cents + transfer.amount_cents
                _release(element)
            elif element.tag == tag["ReqdExctnDt"]:
                requested = self.execution_date(element)
            elif element.tag == tag["PmtInf"]:
                self.check_totals(element, batch_count, batch_cents)
                file_cents += batch_cents
                requested, batch_count, batch_cents = date.min, 0, 0
                _release(element)
            elif element.tag == tag["GrpHdr"]:
                header = element
            elif element.tag == tag["Document"] and element.getparent() is None:
                finished = True
        if not finished:  # libxml2 does not always say so while validating
            raise InvalidPaymentFile(["not well-formed XML: the file ends before the document"])
        if header is None:
            self.problems.append("GrpHdr missing")
            return "", result
        self.check_totals(header, len(result), file_cents)
        return self.text(header, "p:MsgId"), result

    def execution_date(self, element: etree._Element) -> date:
        inner = self.find(element, "p:Dt")
        if inner is None:
            inner = self.find(element, "p:DtTm")
        text = ((inner if inner is not None else element).text or "").strip()
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            self.problems.append(f"{describe(element)}: {text!r} is not a date")
            return date.min

    def transfer(self, tx: etree._Element, requested: date, number: int) -> ReadTransfer:
        iban = self.text(tx, "p:CdtrAcct/p:Id/p:IBAN")
        if iban and not iban_checksum_ok(iban):
            self.problems.append(f"{describe(tx)}: creditor IBAN {iban} has wrong check digits")
        return ReadTransfer(
            end_to_end_id=self.end_to_end_id(tx, number),
            amount_cents=self.amount(tx),
            creditor_name=self.creditor_name(tx),
            creditor_iban=iban,
            requested_execution_date=requested,
            remittance=self.remittance(tx),
        )

    def end_to_end_id(self, tx: etree._Element, number: int) -> str:
        """The id, which must be unique in the file: the payment id is built from it. The
        message does not repeat it (another system may put anything in it)."""
        value = self.text(tx, "p:PmtId/p:EndToEndId")
        first = self.first_seen.setdefault(value, number) if value else number
        if first != number:
            element = self.find(tx, "p:PmtId/p:EndToEndId")
            where = describe(element if element is not None else tx)
            self.problems.append(f"{where}: duplicate in this file, also at transfer {first}")
        return value

    def creditor_name(self, tx: etree._Element) -> str:
        """The name; the XSD allows 140 characters, the EPC rules (and so every file we
        write, and the database) 70: a longer one is refused, never cut."""
        name = self.text(tx, "p:Cdtr/p:Nm")
        if len(name) > NAME_MAX:
            element = self.find(tx, "p:Cdtr/p:Nm")
            self.problems.append(
                f"{describe(element if element is not None else tx)}: "
                f"creditor name has {len(name)} characters, at most {NAME_MAX} (EPC)"
            )
        return name

    def amount(self, tx: etree._Element) -> int:
        element = self.find(tx, "p:Amt/p:InstdAmt")
        if element is None:
            self.problems.append(f"{describe(tx)}: only Amt/InstdAmt is supported")
            return 0
        if element.get("Ccy") != "EUR":
            self.problems.append(f"{describe(element)}: currency {element.get('Ccy')}, not EUR")
        cents = decimal_cents(element.text or "")
        if cents is None or cents <= 0:
            self.problems.append(
                f"{describe(element)}: amount {element.text!r} is not a positive number of cents"
            )
            return 0
        if cents > AMOUNT_MAX_CENTS:
            self.problems.append(f"{describe(element)}: amount is over the EPC maximum")
            return 0
        return cents

    def remittance(self, tx: etree._Element) -> str:
        unstructured = [(e.text or "").strip() for e in tx.iterfind("p:RmtInf/p:Ustrd", self.ns)]
        if any(unstructured):
            return " ".join(u for u in unstructured if u)
        reference = self.find(tx, "p:RmtInf/p:Strd/p:CdtrRefInf/p:Ref")
        return "" if reference is None else (reference.text or "").strip()

    def check_totals(self, parent: etree._Element, count: int, cents: int) -> None:
        count_element = self.find(parent, "p:NbOfTxs")
        if count_element is not None and (count_element.text or "").strip() != str(count):
            self.problems.append(
                f"{describe(count_element)}: says {count_element.text}, file has {count}"
            )
        sum_element = self.find(parent, "p:CtrlSum")
        if sum_element is not None and decimal_cents(sum_element.text or "") != cents:
            self.problems.append(
                f"{describe(sum_element)}: says {sum_element.text}, amounts add up to "
                f"{cents // 100}.{cents % 100:02d}"
            )


_TAGS: Final = ("CdtTrfTxInf", "ReqdExctnDt", "PmtInf", "GrpHdr", "Document")
