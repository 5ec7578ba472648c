"""Reader for pain.001 payout files produced by a benefits system (.001.03 or .001.09).

The file is validated against its ISO XSD first; then every transfer is read. Problems are
collected, not stopped at: one :class:`InvalidPaymentFile` lists each with its line and
element. The reader is lenient where other systems legitimately differ from our writer
(text outside the EPC set, several PmtInf, several Ustrd) and strict where money is at stake
(currency, fractions of a cent, totals that do not add up, IBAN check digits).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Final

from lxml import etree

from payments.accounts import iban_checksum_ok
from payments.errors import FileLimitExceeded, InvalidPaymentFile
from payments.schemas import describe, namespace_of, parse_xml, version_of_namespace
from payments.validate import validate_xsd_tree

READ_MAX_BYTES: Final = 256 * 1024 * 1024
"""A 100,000-transfer file (the banks' maximum) is about 50 MB; far larger is not a payout."""


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
    size = source.stat().st_size
    if size > READ_MAX_BYTES:
        raise FileLimitExceeded([f"{source.name}: {size} bytes, at most {READ_MAX_BYTES} read"])
    return read_pain001(source.read_bytes())


def read_pain001(data: bytes) -> tuple[str, tuple[ReadTransfer, ...]]:
    """``(message_id, transfers)`` of a pain.001 document, in document order."""
    if len(data) > READ_MAX_BYTES:
        raise FileLimitExceeded([f"{len(data)} bytes, at most {READ_MAX_BYTES} read"])
    root = parse_xml(data)
    version = version_of_namespace(etree.QName(root).namespace or "")
    if version is None:
        raise InvalidPaymentFile(
            [
                f"{describe(root)}: namespace {etree.QName(root).namespace!r} "
                "is not pain.001.001.03 or pain.001.001.09"
            ]
        )
    validate_xsd_tree(root, version)
    reader = _Reader(namespace_of(version))
    message_id = reader.text(root, "p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId")
    transfers = reader.transfers(root)
    if reader.problems:
        raise InvalidPaymentFile(reader.problems)
    return message_id, tuple(transfers)


class _Reader:
    def __init__(self, namespace: str) -> None:
        self.ns = {"p": namespace}
        self.problems: list[str] = []

    def find(self, element: etree._Element, path: str) -> etree._Element | None:
        return element.find(path, self.ns)

    def text(self, element: etree._Element, path: str) -> str:
        found = self.find(element, path)
        if found is None or not (found.text or "").strip():
            self.problems.append(f"{describe(element)}: {path.replace('p:', '')} missing")
            return ""
        return (found.text or "").strip()

    def transfers(self, root: etree._Element) -> list[ReadTransfer]:
        result: list[ReadTransfer] = []
        file_cents = 0
        for info in root.iterfind("p:CstmrCdtTrfInitn/p:PmtInf", self.ns):
            requested = self.execution_date(info)
            batch = [self.transfer(tx, requested) for tx in info.iterfind("p:CdtTrfTxInf", self.ns)]
            cents = sum(t.amount_cents for t in batch)
            self.check_totals(info, len(batch), cents)
            file_cents += cents
            result += batch
        header = self.find(root, "p:CstmrCdtTrfInitn/p:GrpHdr")
        if header is not None:
            self.check_totals(header, len(result), file_cents)
        return result

    def execution_date(self, info: etree._Element) -> date:
        element = self.find(info, "p:ReqdExctnDt")
        if element is None:
            self.problems.append(f"{describe(info)}: ReqdExctnDt missing")
            return date.min
        inner = self.find(element, "p:Dt")
        if inner is None:
            inner = self.find(element, "p:DtTm")
        text = ((inner if inner is not None else element).text or "").strip()
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            self.problems.append(f"{describe(element)}: {text!r} is not a date")
            return date.min

    def transfer(self, tx: etree._Element, requested: date) -> ReadTransfer:
        iban = self.text(tx, "p:CdtrAcct/p:Id/p:IBAN")
        if iban and not iban_checksum_ok(iban):
            self.problems.append(f"{describe(tx)}: creditor IBAN {iban} has wrong check digits")
        return ReadTransfer(
            end_to_end_id=self.text(tx, "p:PmtId/p:EndToEndId"),
            amount_cents=self.amount(tx),
            creditor_name=self.text(tx, "p:Cdtr/p:Nm"),
            creditor_iban=iban,
            requested_execution_date=requested,
            remittance=self.remittance(tx),
        )

    def amount(self, tx: etree._Element) -> int:
        element = self.find(tx, "p:Amt/p:InstdAmt")
        if element is None:
            self.problems.append(f"{describe(tx)}: only Amt/InstdAmt is supported")
            return 0
        if element.get("Ccy") != "EUR":
            self.problems.append(f"{describe(element)}: currency {element.get('Ccy')}, not EUR")
        cents = _cents(element.text or "")
        if cents is None or cents <= 0:
            self.problems.append(
                f"{describe(element)}: amount {element.text!r} is not a positive number of cents"
            )
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
        if sum_element is not None and _cents(sum_element.text or "") != cents:
            self.problems.append(
                f"{describe(sum_element)}: says {sum_element.text}, amounts add up to "
                f"{cents // 100}.{cents % 100:02d}"
            )


def _cents(text: str) -> int | None:
    """Exact cents of an XML decimal, or None when it is not a whole number of cents."""
    try:
        value = Decimal(text.strip()) * 100
    except InvalidOperation:
        return None
    if not value.is_finite() or value != value.to_integral_value():
        return None
    return int(value)
