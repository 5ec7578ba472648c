"""pain.001 (SEPA credit transfer initiation) writer, for pain.001.001.09 and .001.03.

One file holds one payment information block (one debtor account, one execution date,
batch booking) with at most ``max_transactions`` transfers. The output is a pure function of
the input: no clock, no random ids, so the same input always gives the same bytes and the
SHA-256 recorded for a file can be recomputed. Rendering is done with lxml directly; the
reasons are in docs/adr/0002-pain001-writer.md.

Dutch/EPC usage rules applied here (reference/sepa.md §1): NbOfTxs and CtrlSum at group and
payment-information level; PmtMtd TRF, SvcLvl SEPA, ChrgBr SLEV, BtchBookg true; no CdtrAgt
without a BIC; DbtrAgt ``Othr/Id`` NOTPROVIDED without a BIC; CreDtTm as local time without
offset or fraction (Rabobank); every text transliterated to the EPC character set; either
Ustrd or Strd, never both.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, cast

from lxml import etree

from payments.accounts import compact_iban, iban_checksum_ok
from payments.calendar import is_target_business_day
from payments.errors import FileLimitExceeded, InvalidPaymentData
from payments.references import Reference
from payments.schemas import (
    AMOUNT_MAX_CENTS,
    AMOUNT_MIN_CENTS,
    DEFAULT_VERSION,
    NOT_PROVIDED,
    PAIN001_VERSIONS,
    Pain001Version,
    namespace_of,
)
from payments.text import NAME_MAX, USTRD_MAX, epc_text, is_epc_id
from payments.validate import validate_payment_file

DEFAULT_MAX_TRANSACTIONS_PER_FILE: Final = 10_000
"""ABN AMRO's advice (Verification of Payee upload) and the project default setting."""
BANK_MAX_TRANSACTIONS_PER_FILE: Final = 100_000
"""BNG and ABN AMRO refuse more transactions in one file."""
XML_DECLARATION: Final = b'<?xml version="1.0" encoding="UTF-8"?>\n'
"""Double quotes and upper-case UTF-8, as bank examples write it (lxml would use quotes ')."""

_BIC_PATTERNS: Final[dict[Pain001Version, re.Pattern[str]]] = {
    "pain.001.001.09": re.compile(r"[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?"),
    "pain.001.001.03": re.compile(r"[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?"),
}
_ISSUER: Final = {"betalingskenmerk": "CUR", "rf": "ISO"}


@dataclass(frozen=True, slots=True)
class Debtor:
    """The municipality's account that pays."""

    name: str
    iban: str
    bic: str | None


@dataclass(frozen=True, slots=True)
class Transfer:
    """One credit transfer.

    ``reference`` decides the remittance information: a betalingskenmerk or RF reference is
    sent structured (``Strd/CdtrRefInf`` with issuer CUR or ISO) and ``remittance_text`` is
    then not sent; for a free reference ``remittance_text`` (or, when empty, the reference
    text) is sent as ``Ustrd``, and must fit in 140 characters after transliteration.
    """

    end_to_end_id: str
    amount_cents: int
    creditor_name: str
    creditor_iban: str
    creditor_bic: str | None
    reference: Reference
    remittance_text: str = ""


@dataclass(frozen=True, slots=True)
class PaymentFile:
    """Everything that goes into one pain.001 file. ``created_at`` must be timezone-aware;
    its wall-clock time is written (pass it in the municipality's timezone)."""

    message_id: str
    payment_info_id: str
    created_at: datetime
    execution_date: date
    debtor: Debtor
    transfers: tuple[Transfer, ...]
    initiating_party: str


def format_amount(cents: int) -> str:
    """Integer cents as an XML decimal with exactly two places: 12345 -> ``123.45``."""
    return f"{cents // 100}.{cents % 100:02d}"


def split_transfers(
    transfers: Sequence[Transfer], max_per_file: int = DEFAULT_MAX_TRANSACTIONS_PER_FILE
) -> tuple[tuple[Transfer, ...], ...]:
    """``transfers`` in order, in chunks of at most ``max_per_file`` (one chunk per file)."""
    if not 1 <= max_per_file <= BANK_MAX_TRANSACTIONS_PER_FILE:
        raise FileLimitExceeded(
            [f"max_per_file must be 1..{BANK_MAX_TRANSACTIONS_PER_FILE}, not {max_per_file}"]
        )
    items = tuple(transfers)
    return tuple(items[i : i + max_per_file] for i in range(0, len(items), max_per_file))


def render_pain001(
    f: PaymentFile,
    version: Pain001Version = DEFAULT_VERSION,
    *,
    max_transactions: int = DEFAULT_MAX_TRANSACTIONS_PER_FILE,
    validate: bool = True,
) -> bytes:
    """The pain.001 document for ``f`` as UTF-8 bytes.

    Raises :class:`FileLimitExceeded` for too many transfers or an amount outside
    0.01..999,999,999.99 EUR, and :class:`InvalidPaymentData` listing every other problem
    in the input. With ``validate`` (the default) the output is checked against the ISO XSD
    and the EPC rules before it is returned, so a writer bug cannot reach the bank.
    """
    if version not in PAIN001_VERSIONS:
        raise InvalidPaymentData([f"unsupported pain.001 version {version!r}"])
    _check_limits(f, max_transactions)
    problems = _input_problems(f, version)
    if problems:
        raise InvalidPaymentData(problems)
    xml_bytes = _Renderer(version).render(f)
    if validate:
        validate_payment_file(xml_bytes, version)
    return xml_bytes


def _check_limits(f: PaymentFile, max_transactions: int) -> None:
    if not 1 <= max_transactions <= BANK_MAX_TRANSACTIONS_PER_FILE:
        raise FileLimitExceeded(
            [
                f"max_transactions must be 1..{BANK_MAX_TRANSACTIONS_PER_FILE}, "
                f"not {max_transactions}"
            ]
        )
    if len(f.transfers) > max_transactions:
        raise FileLimitExceeded(
            [f"{len(f.transfers)} transfers in one file, at most {max_transactions} allowed"]
        )
    problems = [
        f"transfer {t.end_to_end_id!r}: amount {t.amount_cents} cents is outside "
        f"{AMOUNT_MIN_CENTS}..{AMOUNT_MAX_CENTS}"
        for t in f.transfers
        if not (isinstance(t.amount_cents, int) and not isinstance(t.amount_cents, bool))
        or not AMOUNT_MIN_CENTS <= t.amount_cents <= AMOUNT_MAX_CENTS
    ]
    if problems:
        raise FileLimitExceeded(problems)


def _input_problems(f: PaymentFile, version: Pain001Version) -> list[str]:
    problems: list[str] = []
    for label, value in (("message_id", f.message_id), ("payment_info_id", f.payment_info_id)):
        if not is_epc_id(value):
            problems.append(f"{label} {value!r} is not an EPC identifier (1-35 characters)")
    if f.created_at.tzinfo is None or f.created_at.utcoffset() is None:
        problems.append("created_at must be timezone-aware")
    if not is_target_business_day(f.execution_date):
        problems.append(f"execution_date {f.execution_date} is not a TARGET business day")
    if not f.transfers:
        problems.append("a payment file needs at least one transfer")
    problems += _party_problems("initiating party", f.initiating_party, None, None, version)
    problems += _party_problems("debtor", f.debtor.name, f.debtor.iban, f.debtor.bic, version)
    seen: set[str] = set()
    for t in f.transfers:
        label = f"transfer {t.end_to_end_id!r}"
        if not is_epc_id(t.end_to_end_id):
            problems.append(f"{label}: end_to_end_id is not an EPC identifier")
        if t.end_to_end_id in seen:
            problems.append(f"{label}: end_to_end_id occurs more than once in the file")
        seen.add(t.end_to_end_id)
        problems += _party_problems(
            label, t.creditor_name, t.creditor_iban, t.creditor_bic, version
        )
        if t.reference.kind == "free" and len(_ustrd(t)) > USTRD_MAX:
            problems.append(f"{label}: remittance text longer than {USTRD_MAX} characters")
    return problems


def _party_problems(
    label: str, name: str, iban: str | None, bic: str | None, version: Pain001Version
) -> list[str]:
    problems = []
    if not epc_text(name, NAME_MAX):
        problems.append(f"{label}: name {name!r} is empty in the EPC character set")
    if iban is not None and not iban_checksum_ok(compact_iban(iban)):
        problems.append(f"{label}: IBAN {iban!r} is not valid (ISO 13616 mod 97)")
    if bic is not None and not _BIC_PATTERNS[version].fullmatch(bic.strip().upper()):
        problems.append(f"{label}: BIC {bic!r} is not valid for {version}")
    return problems


def _ustrd(t: Transfer) -> str:
    # Not cut to length: a remittance text that does not fit is the caller's error.
    text = t.remittance_text if t.remittance_text.strip() else t.reference.text
    return epc_text(text, len(text))


class _Renderer:
    """Builds the element tree of one version; element names differ only in a few places."""

    def __init__(self, version: Pain001Version) -> None:
        self.version = version
        self.ns = "{" + namespace_of(version) + "}"
        self.bic_tag = "BICFI" if version == "pain.001.001.09" else "BIC"

    def sub(self, parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
        element = etree.SubElement(parent, self.ns + tag)
        if text is not None:
            element.text = text
        return element

    def render(self, f: PaymentFile) -> bytes:
        default_namespace = cast(Mapping[str, str], {None: namespace_of(self.version)})
        root = etree.Element(self.ns + "Document", nsmap=default_namespace)
        initiation = self.sub(root, "CstmrCdtTrfInitn")
        count = str(len(f.transfers))
        total = format_amount(sum(t.amount_cents for t in f.transfers))
        header = self.sub(initiation, "GrpHdr")
        self.sub(header, "MsgId", f.message_id)
        created = f.created_at.replace(tzinfo=None, microsecond=0)
        self.sub(header, "CreDtTm", created.isoformat(timespec="seconds"))
        self.sub(header, "NbOfTxs", count)
        self.sub(header, "CtrlSum", total)
        self.sub(self.sub(header, "InitgPty"), "Nm", epc_text(f.initiating_party, NAME_MAX))
        info = self.sub(initiation, "PmtInf")
        self.sub(info, "PmtInfId", f.payment_info_id)
        self.sub(info, "PmtMtd", "TRF")
        self.sub(info, "BtchBookg", "true")
        self.sub(info, "NbOfTxs", count)
        self.sub(info, "CtrlSum", total)
        self.sub(self.sub(self.sub(info, "PmtTpInf"), "SvcLvl"), "Cd", "SEPA")
        requested = f.execution_date.isoformat()
        if self.version == "pain.001.001.09":
            self.sub(self.sub(info, "ReqdExctnDt"), "Dt", requested)
        else:
            self.sub(info, "ReqdExctnDt", requested)
        self.sub(self.sub(info, "Dbtr"), "Nm", epc_text(f.debtor.name, NAME_MAX))
        self.account(info, "DbtrAcct", f.debtor.iban)
        self.agent(info, "DbtrAgt", f.debtor.bic, required=True)
        self.sub(info, "ChrgBr", "SLEV")
        for transfer in f.transfers:
            self.transfer(info, transfer)
        body = etree.tostring(root, encoding="UTF-8", xml_declaration=False, pretty_print=True)
        return XML_DECLARATION + body

    def transfer(self, parent: etree._Element, t: Transfer) -> None:
        tx = self.sub(parent, "CdtTrfTxInf")
        self.sub(self.sub(tx, "PmtId"), "EndToEndId", t.end_to_end_id)
        amount = self.sub(self.sub(tx, "Amt"), "InstdAmt", format_amount(t.amount_cents))
        amount.set("Ccy", "EUR")
        self.agent(tx, "CdtrAgt", t.creditor_bic, required=False)
        self.sub(self.sub(tx, "Cdtr"), "Nm", epc_text(t.creditor_name, NAME_MAX))
        self.account(tx, "CdtrAcct", t.creditor_iban)
        self.remittance(tx, t)

    def account(self, parent: etree._Element, tag: str, iban: str) -> None:
        self.sub(self.sub(self.sub(parent, tag), "Id"), "IBAN", compact_iban(iban))

    def agent(self, parent: etree._Element, tag: str, bic: str | None, *, required: bool) -> None:
        if bic is None and not required:
            return  # IBAN-only: the bank derives the creditor agent
        institution = self.sub(self.sub(parent, tag), "FinInstnId")
        if bic is None:
            self.sub(self.sub(institution, "Othr"), "Id", NOT_PROVIDED)
        else:
            self.sub(institution, self.bic_tag, bic.strip().upper())

    def remittance(self, parent: etree._Element, t: Transfer) -> None:
        if t.reference.kind == "free":
            text = _ustrd(t)
            if text:
                self.sub(self.sub(parent, "RmtInf"), "Ustrd", text)
            return
        structured = self.sub(self.sub(parent, "RmtInf"), "Strd")
        creditor_ref = self.sub(structured, "CdtrRefInf")
        kind = self.sub(creditor_ref, "Tp")
        self.sub(self.sub(kind, "CdOrPrtry"), "Cd", "SCOR")
        self.sub(kind, "Issr", _ISSUER[t.reference.kind])
        self.sub(creditor_ref, "Ref", t.reference.text)
