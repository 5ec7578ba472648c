"""Reader for pain.002 payment status reports (.001.03 and .001.10): which payments of a
pain.001 file the bank rejected or accepted, and why.

A report links to our file by ``OrgnlMsgId``, to a batch by ``OrgnlPmtInfId`` and to a
payment by ``OrgnlEndToEndId``; the reader returns them as plain values and knows nothing of
the database. pain.002.001.10 is validated against its ISO XSD; for .001.03 no ISO schema
could be vendored (``payments.bank_xml``), so the reader checks what it reads: ids present
and at most 35 characters, status codes from the ISO code set, amounts in whole euro cents.

Deliberate choices, each refused with :class:`InvalidBankFile`:

* every ``TxInfAndSts`` must name its ``OrgnlEndToEndId``: a status that cannot be matched
  to a payment (above all a reject) must not be dropped silently;
* the same ``OrgnlEndToEndId`` twice with different statuses, reasons or amounts: the report
  contradicts itself and no one can tell which line holds. The same line repeated exactly is
  read once (a bank that repeats itself says nothing new).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Final

from lxml import etree

from payments.bank_xml import (
    BankVersion,
    BankXmlReader,
    StatusReason,
    check_size,
    line_of,
    parse_bank_xml,
    supported_versions,
    text_of,
    validate_bank_xsd,
    version_of,
)
from payments.errors import InvalidBankFile

PAIN002_VERSIONS: Final[tuple[BankVersion, ...]] = ("pain.002.001.03", "pain.002.001.10")
GROUP_STATUSES_03: Final = frozenset(
    {"ACCP", "ACSC", "ACSP", "ACTC", "ACWC", "PART", "PDNG", "RCVD", "RJCT"}
)
"""ISO TransactionGroupStatus3Code, the closed list of pain.002.001.03 (GrpSts, PmtInfSts)."""
TRANSACTION_STATUSES_03: Final = frozenset({"ACCP", "ACSC", "ACSP", "ACTC", "ACWC", "PDNG", "RJCT"})
"""ISO TransactionIndividualStatus3Code, the closed list of pain.002.001.03 (TxSts)."""


@dataclass(frozen=True, slots=True)
class TransactionStatus:
    """One ``TxInfAndSts``. ``status`` is TxSts as written (empty when absent);
    ``effective_status`` falls back to the PmtInfSts, then the GrpSts, as ISO says it does.
    ``original_amount_cents`` and ``creditor_iban`` come from OrgnlTxRef when the bank sent
    it; ``line`` is where it stands in the file, for messages."""

    original_end_to_end_id: str
    original_instruction_id: str
    status: str
    effective_status: str
    reasons: tuple[StatusReason, ...]
    original_amount_cents: int | None
    creditor_iban: str
    requested_execution_date: date | None
    line: int


@dataclass(frozen=True, slots=True)
class PaymentInformationStatus:
    """One ``OrgnlPmtInfAndSts``: the status of a batch (our PmtInfId) and of its payments."""

    original_payment_information_id: str
    status: str
    reasons: tuple[StatusReason, ...]
    transactions: tuple[TransactionStatus, ...]


@dataclass(frozen=True, slots=True)
class PaymentStatusReport:
    """A pain.002 document: ``group_status`` RJCT means nothing of ``original_message_id``
    was executed; PART means look at the batches and transactions."""

    version: BankVersion
    message_id: str
    created_at: datetime | None
    original_message_id: str
    original_message_name_id: str
    group_status: str
    group_reasons: tuple[StatusReason, ...]
    payment_informations: tuple[PaymentInformationStatus, ...]

    def transactions(self) -> tuple[TransactionStatus, ...]:
        """Every transaction status of the report, in document order."""
        return tuple(t for p in self.payment_informations for t in p.transactions)


def read_pain002_file(path: str | os.PathLike[str]) -> PaymentStatusReport:
    source = Path(path)
    check_size(source.stat().st_size, source.name)
    return read_pain002(source.read_bytes())


def read_pain002(data: bytes) -> PaymentStatusReport:
    """The status report in ``data``, or :class:`InvalidBankFile` listing every problem."""
    root = parse_bank_xml(data)
    version = version_of(root)
    if version not in PAIN002_VERSIONS:
        raise InvalidBankFile(
            [f"line {root.sourceline}: {version} is not a pain.002 (supported: "
             f"{', '.join(PAIN002_VERSIONS)}; all bank files: {supported_versions()})"]
        )  # fmt: skip
    return read_pain002_tree(root, version)


def read_pain002_tree(root: etree._Element, version: BankVersion) -> PaymentStatusReport:
    """Read a parsed pain.002 whose version is known (used by ``payments.bank_reader``)."""
    validate_bank_xsd(root, version)
    reader = _Pain002Reader(version)
    report = reader.report(root)
    reader.fail_if_problems()
    return report


class _Pain002Reader(BankXmlReader):
    def report(self, root: etree._Element) -> PaymentStatusReport:
        message = self.find(root, "b:CstmrPmtStsRpt")
        if message is None:
            self.refuse(root, "CstmrPmtStsRpt missing")
        group = self.find(message, "b:OrgnlGrpInfAndSts")
        if group is None:
            self.problem(message, "OrgnlGrpInfAndSts missing")
            group = message  # read on, to list every other problem too
        group_status = self.status(group, "b:GrpSts", GROUP_STATUSES_03)
        batches = tuple(
            self.batch(info, group_status)
            for info in message.iterfind("b:OrgnlPmtInfAndSts", self.ns)
        )
        batches = self.without_repeats(batches)
        return PaymentStatusReport(
            version=self.version,
            message_id=self.identifier(message, "b:GrpHdr/b:MsgId", required=True),
            created_at=self.created_at(message),
            original_message_id=self.identifier(group, "b:OrgnlMsgId", required=True),
            original_message_name_id=self.identifier(group, "b:OrgnlMsgNmId", required=True),
            group_status=group_status,
            group_reasons=self.reasons(group),
            payment_informations=batches,
        )

    def created_at(self, message: etree._Element) -> datetime | None:
        if not self.optional(message, "b:GrpHdr/b:CreDtTm"):
            self.problem(message, "GrpHdr/CreDtTm missing")
        return self.timestamp(message, "b:GrpHdr/b:CreDtTm")

    def batch(self, info: etree._Element, group_status: str) -> PaymentInformationStatus:
        status = self.status(info, "b:PmtInfSts", GROUP_STATUSES_03)
        inherited = status or group_status
        return PaymentInformationStatus(
            original_payment_information_id=self.identifier(info, "b:OrgnlPmtInfId", required=True),
            status=status,
            reasons=self.reasons(info),
            transactions=tuple(
                self.transaction(tx, inherited) for tx in self.all_kids(info, "TxInfAndSts")
            ),
        )

    def transaction(self, tx: etree._Element, inherited: str) -> TransactionStatus:
        k = self.kids(tx)
        status = self.checked_status(tx, "TxSts", text_of(k.get("TxSts")), TRANSACTION_STATUSES_03)
        original = self.kids(k.get("OrgnlTxRef"))
        account = self.kids(self.kids(original.get("CdtrAcct")).get("Id"))
        amount = self.kids(original.get("Amt")).get("InstdAmt")
        return TransactionStatus(
            original_end_to_end_id=self.checked_id(
                tx, "OrgnlEndToEndId", text_of(k.get("OrgnlEndToEndId")), required=True
            ),
            original_instruction_id=self.checked_id(
                tx, "OrgnlInstrId", text_of(k.get("OrgnlInstrId")), required=False
            ),
            status=status,
            effective_status=status or inherited,
            reasons=self.reasons(tx) if "StsRsnInf" in k else (),
            original_amount_cents=None if amount is None else self.amount_cents(amount),
            creditor_iban=text_of(account.get("IBAN")).replace(" ", "").upper(),
            requested_execution_date=self.date_in(original.get("ReqdExctnDt")),
            line=line_of(tx),
        )

    def status(self, element: etree._Element, path: str, known_03: frozenset[str]) -> str:
        return self.checked_status(
            element, path.replace("b:", ""), self.optional(element, path), known_03
        )

    def checked_status(
        self, element: etree._Element, path: str, text: str, known_03: frozenset[str]
    ) -> str:
        """A status code; .03 has a closed list (its XSD is not bundled, so checked here)."""
        if text and self.version == "pain.002.001.03" and text not in known_03:
            self.problem(element, f"{path} {text!r} is not an ISO status code")
        return text

    def reasons(self, element: etree._Element) -> tuple[StatusReason, ...]:
        return tuple(self.reason(r) for r in element.iterfind("b:StsRsnInf", self.ns))

    def without_repeats(
        self, batches: tuple[PaymentInformationStatus, ...]
    ) -> tuple[PaymentInformationStatus, ...]:
        """Drop exact repeats of an EndToEndId; a contradicting repeat is a problem."""
        first: dict[str, TransactionStatus] = {}
        result = []
        for batch in batches:
            kept = []
            for tx in batch.transactions:
                seen = first.setdefault(tx.original_end_to_end_id, tx)
                if seen is tx or not tx.original_end_to_end_id:
                    kept.append(tx)
                elif _content(seen) != _content(tx):
                    self.problems.append(
                        f"line {tx.line}: <TxInfAndSts>: OrgnlEndToEndId "
                        f"{tx.original_end_to_end_id} was already given another status on "
                        f"line {seen.line} ({seen.effective_status} there, "
                        f"{tx.effective_status} here)"
                    )
            result.append(
                PaymentInformationStatus(
                    batch.original_payment_information_id,
                    batch.status,
                    batch.reasons,
                    tuple(kept),
                )
            )
        return tuple(result)


def _content(tx: TransactionStatus) -> tuple[object, ...]:
    return (tx.effective_status, tx.reasons, tx.original_amount_cents, tx.creditor_iban)
