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
from functools import lru_cache
from pathlib import Path
from typing import Final, Literal

from lxml import etree

from payments.bank_xml import (
    ID_MAX,
    BankVersion,
    BankXmlReader,
    StatusReason,
    check_size,
    decimal_cents,
    line_of,
    namespace_of,
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
    """The statements of a parsed camt.053; each entry's subtree is emptied once read."""
    validate_bank_xsd(root, version)
    reader = _CamtReader(version)
    message_id = reader.required(root, "b:BkToCstmrStmt/b:GrpHdr/b:MsgId")
    result = tuple(
        reader.statement(s, message_id) for s in root.iterfind("b:BkToCstmrStmt/b:Stmt", reader.ns)
    )
    reader.fail_if_problems()
    return result


def read_camt054_tree(root: etree._Element, version: BankVersion) -> tuple[Notification, ...]:
    """The notifications of a parsed camt.054; each entry's subtree is emptied once read."""
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
        """Each entry of the common shape from one XSLT pass over the report (C, no
        element objects); any other entry, and any entry in which something is wrong, by
        :meth:`entry`, which reports problems on the element they are found in."""
        ntries = self.all_kids(report, "Ntry")
        rows = _plain_rows(report, self.version, len(ntries))
        result = []
        for index, ntry in enumerate(ntries):
            plain = None if rows is None else _plain_entry(rows[index], ntry)
            result.append(plain or self.entry(ntry))
            # Read and done with: freeing its subtree keeps the peak near the tree's size
            # instead of the tree's plus the values' (the caller's tree is not used again).
            ntry.clear()
        return tuple(result)

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


# --- The common entry, read in one pass -------------------------------------------------

_FIELD: Final = "\u241f"
_RECORD: Final = "\u241e"
"""Between the values of an entry, and after each entry, in the XSLT's text output (SYMBOL
FOR UNIT/RECORD SEPARATOR: XML allows them in text, so a value may hold one; it then splits
into parts too many and the entry, or the whole report, is read by the full reader)."""
_TX: Final = "b:NtryDtls/b:TxDtls/"
_ENTRY_VALUES: Final = (
    ("amount", "b:Amt"),
    ("currency", "b:Amt/@Ccy"),
    ("credit_debit", "b:CdtDbtInd"),
    ("reversal", "b:RvslInd"),
    ("status_code", "b:Sts/b:Cd"),
    ("status_text", "b:Sts/text()"),
    ("booked", "count(b:BookgDt)"),
    ("booked_dt", "b:BookgDt/b:Dt"),
    ("booked_dttm", "b:BookgDt/b:DtTm"),
    ("booked_parts", "count(b:BookgDt/b:Dt | b:BookgDt/b:DtTm)"),
    ("valued", "count(b:ValDt)"),
    ("valued_dt", "b:ValDt/b:Dt"),
    ("valued_dttm", "b:ValDt/b:DtTm"),
    ("valued_parts", "count(b:ValDt/b:Dt | b:ValDt/b:DtTm)"),
    ("reference", "b:AcctSvcrRef"),
    ("domain", "b:BkTxCd/b:Domn/b:Cd"),
    ("family", "b:BkTxCd/b:Domn/b:Fmly/b:Cd"),
    ("sub_family", "b:BkTxCd/b:Domn/b:Fmly/b:SubFmlyCd"),
    ("proprietary", "b:BkTxCd/b:Prtry/b:Cd"),
    ("issuer", "b:BkTxCd/b:Prtry/b:Issr"),
    ("info", "b:AddtlNtryInf"),
    ("details", "count(b:NtryDtls)"),
    ("batches", "count(b:NtryDtls/b:Btch)"),
    ("transactions", "count(b:NtryDtls/b:TxDtls)"),
    ("returns", f"count({_TX}b:RtrInf)"),
    ("refs", f"count({_TX}b:Refs)"),
    ("tx_msg", f"{_TX}b:Refs/b:MsgId"),
    ("tx_pmtinf", f"{_TX}b:Refs/b:PmtInfId"),
    ("tx_instr", f"{_TX}b:Refs/b:InstrId"),
    ("tx_e2e", f"{_TX}b:Refs/b:EndToEndId"),
    ("tx_ref", f"{_TX}b:Refs/b:AcctSvcrRef"),
    ("tx_amounts", f"count({_TX}b:Amt | {_TX}b:AmtDtls/b:TxAmt/b:Amt"
                   f" | {_TX}b:AmtDtls/b:InstdAmt/b:Amt)"),
    ("tx_amount", f"{_TX}b:Amt | {_TX}b:AmtDtls/b:TxAmt/b:Amt | {_TX}b:AmtDtls/b:InstdAmt/b:Amt"),
    ("tx_currency", f"({_TX}b:Amt | {_TX}b:AmtDtls/b:TxAmt/b:Amt"
                    f" | {_TX}b:AmtDtls/b:InstdAmt/b:Amt)/@Ccy"),
    ("parties", f"count({_TX}b:RltdPties)"),
    ("dbtr_nm", f"{_TX}b:RltdPties/b:Dbtr/b:Nm"),
    ("dbtr_pty_nm", f"{_TX}b:RltdPties/b:Dbtr/b:Pty/b:Nm"),
    ("cdtr_nm", f"{_TX}b:RltdPties/b:Cdtr/b:Nm"),
    ("cdtr_pty_nm", f"{_TX}b:RltdPties/b:Cdtr/b:Pty/b:Nm"),
    ("dbtr_iban", f"{_TX}b:RltdPties/b:DbtrAcct/b:Id/b:IBAN"),
    ("cdtr_iban", f"{_TX}b:RltdPties/b:CdtrAcct/b:Id/b:IBAN"),
    ("remittances", f"count({_TX}b:RmtInf)"),
    ("ustrd", f"count({_TX}b:RmtInf/b:Ustrd)"),
    ("ustrd_text", f"{_TX}b:RmtInf/b:Ustrd"),
    ("strd", f"count({_TX}b:RmtInf/b:Strd)"),
    ("tx_info", f"{_TX}b:AddtlTxInf"),
)  # fmt: skip
"""What the XSLT writes of each entry: the text of the first match of each XPath, or a count.
The counts decide whether an entry has the common shape (:func:`_plain_entry`)."""
_NAMES: Final = tuple(name for name, _ in _ENTRY_VALUES)
PlainRow = dict[str, str]


@lru_cache(maxsize=len(CAMT053_VERSIONS) + len(CAMT054_VERSIONS))
def _entries_as_text(version: BankVersion) -> etree.XSLT:
    """A stylesheet of ours, compiled once, that may read and write nothing outside."""
    values = "".join(
        f'<xsl:value-of select="{path}"/><xsl:text>{_FIELD}</xsl:text>' for _, path in _ENTRY_VALUES
    )
    source = (
        '<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"'
        f' xmlns:b="{namespace_of(version)}"><xsl:output method="text" encoding="utf-8"/>'
        f'<xsl:template match="/"><xsl:for-each select="*/b:Ntry">{values}'
        f"<xsl:text>{_RECORD}</xsl:text></xsl:for-each></xsl:template></xsl:stylesheet>"
    )
    return etree.XSLT(
        etree.fromstring(source.encode()),
        access_control=etree.XSLTAccessControl.DENY_ALL,  # type: ignore[attr-defined]
    )


def _plain_rows(
    report: etree._Element, version: BankVersion, count: int
) -> list[PlainRow | None] | None:
    """Per entry of ``report`` its values by name (None: not one value per field), or None
    for all when the output does not hold one record per entry."""
    records = str(_entries_as_text(version)(report)).split(_RECORD)
    if len(records) != count + 1 or records[-1]:
        return None
    rows: list[PlainRow | None] = []
    for record in records[:-1]:
        values = record.split(_FIELD)
        if len(values) != len(_NAMES) + 1 or values[-1]:
            rows.append(None)
        else:
            rows.append(dict(zip(_NAMES, (v.strip() for v in values), strict=False)))
    return rows


def _plain_entry(v: PlainRow | None, ntry: etree._Element) -> Entry | None:
    """The entry from its plain values when it has the common shape and nothing in it is
    wrong: a booking of at most one transaction, no batch, no return information, at most
    one remittance line and one amount, every id within 35 characters, amounts in whole
    euro cents, dates that are dates. None sends it to the full reader."""
    if v is None or any(v[name] not in ("0", "1") for name in _AT_MOST_ONE):
        return None
    if v["batches"] != "0" or v["returns"] != "0" or v["strd"] != "0":
        return None
    amount = _euro_cents(v["amount"], v["currency"])
    booked, valued = _plain_date(v, "booked"), _plain_date(v, "valued")
    if amount is None or booked is False or valued is False:
        return None
    if any(len(v[name]) > ID_MAX for name in _IDS):
        return None
    transactions: tuple[EntryTransaction, ...] = ()
    if v["transactions"] == "1":
        transaction = _plain_transaction(v)
        if transaction is None:
            return None
        transactions = (transaction,)
    return Entry(
        amount_cents=amount,
        credit_debit=v["credit_debit"],
        reversal=v["reversal"] in ("true", "1"),
        status=v["status_code"] or v["status_text"],
        booking_date=booked,
        value_date=valued,
        account_servicer_reference=v["reference"],
        bank_transaction_code=BankTransactionCode(
            v["domain"], v["family"], v["sub_family"], v["proprietary"], v["issuer"]
        ),
        batch=None,
        transactions=transactions,
        additional_info=v["info"],
        line=line_of(ntry),
    )


_AT_MOST_ONE: Final = (
    "details", "transactions", "refs", "tx_amounts", "parties", "remittances", "ustrd",
    "booked", "valued", "booked_parts", "valued_parts",
)  # fmt: skip
_IDS: Final = ("reference", "tx_msg", "tx_pmtinf", "tx_instr", "tx_e2e", "tx_ref")


def _euro_cents(text: str, currency: str) -> int | None:
    """Whole cents of a EUR amount; None where ``BankXmlReader.amount_cents`` would find a
    problem."""
    cents = decimal_cents(text)
    if currency != "EUR" or cents is None or cents < 0:
        return None
    return cents


def _plain_date(v: PlainRow, name: str) -> date | Literal[False] | None:
    """None when absent; False when ``BankXmlReader.date_in`` would find a problem."""
    if v[name] == "0":
        return None
    if v[f"{name}_parts"] != "1":
        return False
    try:
        return date.fromisoformat((v[f"{name}_dt"] or v[f"{name}_dttm"])[:10])
    except ValueError:
        return False


def _plain_transaction(v: PlainRow) -> EntryTransaction | None:
    amount: int | None = None
    if v["tx_amounts"] == "1":
        amount = _euro_cents(v["tx_amount"], v["tx_currency"])
        if amount is None:
            return None
    credit = v["credit_debit"] == "CRDT"
    name = (v["dbtr_nm"] or v["dbtr_pty_nm"]) if credit else (v["cdtr_nm"] or v["cdtr_pty_nm"])
    return EntryTransaction(
        message_id=v["tx_msg"],
        payment_information_id=v["tx_pmtinf"],
        instruction_id=v["tx_instr"],
        end_to_end_id=v["tx_e2e"],
        account_servicer_reference=v["tx_ref"],
        amount_cents=amount,
        return_reason=None,
        counterparty_name=name,
        counterparty_iban=v["dbtr_iban"] if credit else v["cdtr_iban"],
        remittance=v["ustrd_text"],
        additional_info=v["tx_info"],
    )
