"""Readers for camt.053 statements and camt.054 notifications (.001.02 and .001.08).

What reconciliation needs from them: our batch debits (``Btch/PmtInfId``), single postings and
returns (``TxDtls/Refs/EndToEndId``, ``RtrInf/Rsn``), the balances that prove a statement is
complete, and the bank's reference of each entry (``AcctSvcrRef``) as its idempotency key. The
readers return plain values for every entry, ours or not; matching is the caller's job.

Both versions are validated against their ISO XSD first. A document that fails it is refused,
including one real banks do send: a camt.053 without ``Bal`` (as in the return sample of
OCA's Odoo importer). Deliberately so: without opening and closing balances nobody can check
that the statement holds every entry, and booking the returns it does show as if it were
complete would hide the ones it does not; the message says so and asks for the full file.
The same goes for anything not in euro (account, entry, balance or transaction amount) and
for amounts with fractions of a cent: the engine books whole euro cents only.

Version differences handled here: ``Ntry/Sts`` is text in .02 and ``Sts/Cd`` in .08; a
related party's name is ``Dbtr/Nm`` in .02 and ``Dbtr/Pty/Nm`` in .08; .08 puts the
transaction amount in ``TxDtls/Amt``, .02 only in ``AmtDtls``.
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

CAMT053_VERSIONS: Final[tuple[BankVersion, ...]] = ("camt.053.001.02", "camt.053.001.08")
CAMT054_VERSIONS: Final[tuple[BankVersion, ...]] = ("camt.054.001.02", "camt.054.001.08")
OPENING_BALANCE_CODES: Final = ("OPBD", "PRCD")
"""Opening booked, else the previous statement's closing booked (NVB IG: either may open)."""
CLOSING_BALANCE_CODE: Final = "CLBD"


@dataclass(frozen=True, slots=True)
class Balance:
    """A booked balance; ``amount_cents`` is signed (negative when the bank says DBIT)."""

    type_code: str
    amount_cents: int
    date: date | None


@dataclass(frozen=True, slots=True)
class BankTransactionCode:
    """ISO ``Domn/Cd``, ``Fmly/Cd``, ``SubFmlyCd`` (e.g. PMNT ICDT ESCT: a SEPA transfer we
    sent; PMNT ICDT RRTN: one that came back) and the bank's own ``Prtry/Cd``/``Issr``."""

    domain: str
    family: str
    sub_family: str
    proprietary: str
    proprietary_issuer: str


@dataclass(frozen=True, slots=True)
class BatchBooking:
    """``NtryDtls/Btch``: the entry books a whole batch of a pain.001 file."""

    message_id: str
    payment_information_id: str
    number_of_transactions: int | None
    total_amount_cents: int | None


@dataclass(frozen=True, slots=True)
class EntryTransaction:
    """One ``TxDtls``. ``return_reason`` is set when the bank reports a return or reject
    (``RtrInf``); the counterparty is the creditor of a debit and the debtor of a credit (for
    a returned payment: the original beneficiary sending the money back)."""

    message_id: str
    payment_information_id: str
    instruction_id: str
    end_to_end_id: str
    account_servicer_reference: str
    amount_cents: int | None
    return_reason: StatusReason | None
    counterparty_name: str
    counterparty_iban: str
    remittance: str
    additional_info: str


@dataclass(frozen=True, slots=True)
class Entry:
    """One ``Ntry``: ``amount_cents`` is positive, its direction is ``credit_debit`` (CRDT or
    DBIT); ``reversal`` is RvslInd (a return or reject booked back); ``status`` is BOOK, PDNG
    or INFO (only BOOK has happened)."""

    amount_cents: int
    credit_debit: str
    reversal: bool
    status: str
    booking_date: date | None
    value_date: date | None
    account_servicer_reference: str
    bank_transaction_code: BankTransactionCode
    batch: BatchBooking | None
    transactions: tuple[EntryTransaction, ...]
    additional_info: str
    line: int

    @property
    def signed_amount_cents(self) -> int:
        return self.amount_cents if self.credit_debit == "CRDT" else -self.amount_cents


@dataclass(frozen=True, slots=True)
class Statement:
    """One ``Stmt`` of a camt.053. ``electronic_sequence_number`` (ElctrncSeqNb) may be absent;
    ``opening_balance`` is OPBD or else PRCD, ``closing_balance`` CLBD, either None when the
    bank sent other balance types only."""

    version: BankVersion
    message_id: str
    statement_id: str
    electronic_sequence_number: int | None
    legal_sequence_number: int | None
    created_at: datetime | None
    account_iban: str
    account_currency: str
    opening_balance: Balance | None
    closing_balance: Balance | None
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Notification:
    """One ``Ntfctn`` of a camt.054: the same entries as a statement, without balances."""

    version: BankVersion
    message_id: str
    notification_id: str
    electronic_sequence_number: int | None
    legal_sequence_number: int | None
    created_at: datetime | None
    account_iban: str
    account_currency: str
    entries: tuple[Entry, ...]


def read_camt053_file(path: str | os.PathLike[str]) -> tuple[Statement, ...]:
    source = Path(path)
    check_size(source.stat().st_size, source.name)
    return read_camt053(source.read_bytes())


def read_camt054_file(path: str | os.PathLike[str]) -> tuple[Notification, ...]:
    source = Path(path)
    check_size(source.stat().st_size, source.name)
    return read_camt054(source.read_bytes())


def read_camt053(data: bytes) -> tuple[Statement, ...]:
    """The statements of a camt.053 document, or :class:`InvalidBankFile` listing problems."""
    root = parse_bank_xml(data)
    return read_camt053_tree(root, _expect(root, CAMT053_VERSIONS, "camt.053"))


def read_camt054(data: bytes) -> tuple[Notification, ...]:
    """The notifications of a camt.054 document, or :class:`InvalidBankFile`."""
    root = parse_bank_xml(data)
    return read_camt054_tree(root, _expect(root, CAMT054_VERSIONS, "camt.054"))


def read_camt053_tree(root: etree._Element, version: BankVersion) -> tuple[Statement, ...]:
    validate_bank_xsd(root, version)
    reader = _CamtReader(version)
    message_id = reader.required(root, "b:BkToCstmrStmt/b:GrpHdr/b:MsgId")
    result = tuple(
        reader.statement(s, message_id) for s in root.iterfind("b:BkToCstmrStmt/b:Stmt", reader.ns)
    )
    reader.fail_if_problems()
    return result


def read_camt054_tree(root: etree._Element, version: BankVersion) -> tuple[Notification, ...]:
    validate_bank_xsd(root, version)
    reader = _CamtReader(version)
    message_id = reader.required(root, "b:BkToCstmrDbtCdtNtfctn/b:GrpHdr/b:MsgId")
    result = tuple(
        reader.notification(n, message_id)
        for n in root.iterfind("b:BkToCstmrDbtCdtNtfctn/b:Ntfctn", reader.ns)
    )
    reader.fail_if_problems()
    return result


def _expect(root: etree._Element, versions: tuple[BankVersion, ...], kind: str) -> BankVersion:
    version = version_of(root)
    if version not in versions:
        raise InvalidBankFile(
            [f"line {root.sourceline}: {version} is not a {kind} (supported: "
             f"{', '.join(versions)}; all bank files: {supported_versions()})"]
        )  # fmt: skip
    return version


class _CamtReader(BankXmlReader):
    def statement(self, stmt: etree._Element, message_id: str) -> Statement:
        balances = [self.balance(b) for b in stmt.iterfind("b:Bal", self.ns)]
        by_code = {b.type_code: b for b in reversed(balances)}  # first of each code wins
        opening = next((by_code[c] for c in OPENING_BALANCE_CODES if c in by_code), None)
        return Statement(
            version=self.version,
            message_id=message_id,
            statement_id=self.identifier(stmt, "b:Id", required=True),
            electronic_sequence_number=self.whole_number(stmt, "b:ElctrncSeqNb"),
            legal_sequence_number=self.whole_number(stmt, "b:LglSeqNb"),
            created_at=self.timestamp(stmt, "b:CreDtTm"),
            account_iban=self.account_iban(stmt),
            account_currency=self.account_currency(stmt),
            opening_balance=opening,
            closing_balance=by_code.get(CLOSING_BALANCE_CODE),
            entries=self.entries(stmt),
        )

    def notification(self, ntfctn: etree._Element, message_id: str) -> Notification:
        return Notification(
            version=self.version,
            message_id=message_id,
            notification_id=self.identifier(ntfctn, "b:Id", required=True),
            electronic_sequence_number=self.whole_number(ntfctn, "b:ElctrncSeqNb"),
            legal_sequence_number=self.whole_number(ntfctn, "b:LglSeqNb"),
            created_at=self.timestamp(ntfctn, "b:CreDtTm"),
            account_iban=self.account_iban(ntfctn),
            account_currency=self.account_currency(ntfctn),
            entries=self.entries(ntfctn),
        )

    def account_iban(self, report: etree._Element) -> str:
        iban = self.optional(report, "b:Acct/b:Id/b:IBAN")
        if not iban:
            self.problem(report, "Acct/Id/IBAN missing: the engine reads statements of IBANs")
        return iban

    def account_currency(self, report: etree._Element) -> str:
        currency = self.optional(report, "b:Acct/b:Ccy")
        if currency and currency != "EUR":
            self.problem(report, f"account currency {currency}, not EUR")
        return currency

    def balance(self, bal: etree._Element) -> Balance:
        code = self.optional(bal, "b:Tp/b:CdOrPrtry/b:Cd") or self.optional(
            bal, "b:Tp/b:CdOrPrtry/b:Prtry"
        )
        amount = self.optional_amount_cents(bal, "b:Amt") or 0
        debit = self.optional(bal, "b:CdtDbtInd") == "DBIT"
        return Balance(code, -amount if debit else amount, self.date_choice(bal, "b:Dt"))

    def entries(self, report: etree._Element) -> tuple[Entry, ...]:
        return tuple(self.entry(n) for n in self.all_kids(report, "Ntry"))

    def entry(self, ntry: etree._Element) -> Entry:
        k = self.kids(ntry)
        credit_debit = text_of(k.get("CdtDbtInd"))
        amount = k.get("Amt")
        details = self.all_kids(ntry, "NtryDtls")
        status = k.get("Sts")
        return Entry(
            amount_cents=0 if amount is None else self.amount_cents(amount),
            credit_debit=credit_debit,
            reversal=text_of(k.get("RvslInd")) in ("true", "1"),
            status=text_of(self.kids(status).get("Cd")) or text_of(status),
            booking_date=self.date_in(k.get("BookgDt")),
            value_date=self.date_in(k.get("ValDt")),
            account_servicer_reference=self.checked_id(
                ntry, "AcctSvcrRef", text_of(k.get("AcctSvcrRef")), required=False
            ),
            bank_transaction_code=self.transaction_code(k.get("BkTxCd")),
            batch=self.first_batch(details),
            transactions=tuple(
                self.transaction(t, credit_debit)
                for d in details
                for t in self.all_kids(d, "TxDtls")
            ),
            additional_info=text_of(k.get("AddtlNtryInf")),
            line=line_of(ntry),
        )

    def first_batch(self, details: list[etree._Element]) -> BatchBooking | None:
        batches = (b for d in details for b in self.all_kids(d, "Btch"))
        return next((self.batch(b) for b in batches), None)

    def transaction_code(self, code: etree._Element | None) -> BankTransactionCode:
        k = self.kids(code)
        domain, proprietary = self.kids(k.get("Domn")), self.kids(k.get("Prtry"))
        family = self.kids(domain.get("Fmly"))
        return BankTransactionCode(
            domain=text_of(domain.get("Cd")),
            family=text_of(family.get("Cd")),
            sub_family=text_of(family.get("SubFmlyCd")),
            proprietary=text_of(proprietary.get("Cd")),
            proprietary_issuer=text_of(proprietary.get("Issr")),
        )

    def batch(self, btch: etree._Element) -> BatchBooking:
        return BatchBooking(
            message_id=self.identifier(btch, "b:MsgId", required=False),
            payment_information_id=self.identifier(btch, "b:PmtInfId", required=False),
            number_of_transactions=self.whole_number(btch, "b:NbOfTxs"),
            total_amount_cents=self.optional_amount_cents(btch, "b:TtlAmt"),
        )

    def transaction(self, tx: etree._Element, credit_debit: str) -> EntryTransaction:
        k = self.kids(tx)
        refs = self.kids(k.get("Refs"))
        party = "Dbtr" if credit_debit == "CRDT" else "Cdtr"
        parties = self.kids(k.get("RltdPties"))
        who = self.kids(parties.get(party))
        account = self.kids(self.kids(parties.get(f"{party}Acct")).get("Id"))
        return_info = k.get("RtrInf")

        def ref(name: str) -> str:
            return self.checked_id(tx, f"Refs/{name}", text_of(refs.get(name)), required=False)

        return EntryTransaction(
            message_id=ref("MsgId"),
            payment_information_id=ref("PmtInfId"),
            instruction_id=ref("InstrId"),
            end_to_end_id=ref("EndToEndId"),
            account_servicer_reference=ref("AcctSvcrRef"),
            amount_cents=self.transaction_amount(k),
            return_reason=None if return_info is None else self.reason(return_info),
            counterparty_name=text_of(who.get("Nm"))
            or text_of(self.kids(who.get("Pty")).get("Nm")),
            counterparty_iban=text_of(account.get("IBAN")),
            remittance=self.remittance(k.get("RmtInf")),
            additional_info=text_of(k.get("AddtlTxInf")),
        )

    def transaction_amount(self, tx: dict[str, etree._Element]) -> int | None:
        """``Amt`` (.08), else ``AmtDtls/TxAmt/Amt``, else ``AmtDtls/InstdAmt/Amt``."""
        details = self.kids(tx.get("AmtDtls"))
        for element in (
            tx.get("Amt"),
            self.kids(details.get("TxAmt")).get("Amt"),
            self.kids(details.get("InstdAmt")).get("Amt"),
        ):
            if element is not None:
                return self.amount_cents(element)
        return None

    def remittance(self, information: etree._Element | None) -> str:
        lines = [text_of(e) for e in self.all_kids(information, "Ustrd")]
        if any(lines):
            return " ".join(line for line in lines if line)
        for structured in self.all_kids(information, "Strd"):
            reference = self.kids(self.kids(structured).get("CdtrRefInf")).get("Ref")
            if reference is not None:
                return text_of(reference)
        return ""
