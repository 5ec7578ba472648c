"""Pure: what a bank document says about payments, as plain feedback items.

A pain.002 rejects a whole file (GrpSts RJCT, matched by our MsgId), a payment
information (PmtInfSts RJCT, by our PmtInfId) or single transfers (TxSts RJCT,
by EndToEndId). A camt.053/054 credit that is a reversal or carries return
information is a return (by EndToEndId); a booked debit settles a batch (by
PmtInfId) or a single transfer (by EndToEndId). Everything else is kept as
information. Matching against the database is the use case's job
(:mod:`ontzorging.bank.feedback_import`); this module reads no database.

Every item has a key that is unique per bank reference, so the same feedback
read again (the same document, or a camt.054 and the camt.053 that books the
same return) is recognised.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from payments.bank_reader import BankFile
from payments.bank_xml import StatusReason
from payments.camt_reader import Entry, EntryTransaction, Notification, Statement
from payments.pain002_reader import PaymentStatusReport

Action = Literal["reject", "return", "settle", "info"]
REJECTED = "RJCT"
ITEM_KEY_MAX_CHARS = 120  # bank_feedback_items.item_key


@dataclass(frozen=True)
class FeedbackItem:
    """One thing the bank said. Exactly one of ``message_id`` (a whole file of
    ours), ``payment_info_id`` (one payment information of ours) or
    ``end_to_end_id`` (one transfer) is what it is matched by."""

    item_key: str
    action: Action
    end_to_end_id: str = ""
    payment_info_id: str = ""
    message_id: str = ""
    reason_code: str = ""
    amount_cents: int | None = None


def document_kind(document: BankFile) -> str:
    if isinstance(document, PaymentStatusReport):
        return "pain.002"
    return "camt.053" if isinstance(document[0], Statement) else "camt.054"


def document_message_id(document: BankFile) -> str:
    if isinstance(document, PaymentStatusReport):
        return document.message_id
    return document[0].message_id


def document_version(document: BankFile) -> str:
    if isinstance(document, PaymentStatusReport):
        return document.version
    return document[0].version


def feedback_items(document: BankFile) -> list[FeedbackItem]:
    """Every item of ``document``, first one per key (a document that repeats
    a reference says nothing new)."""
    if isinstance(document, PaymentStatusReport):
        found = list(_pain002_items(document))
    else:
        found = list(_camt_items(document_kind(document), document))
    unique: dict[str, FeedbackItem] = {}
    for item in found:
        unique.setdefault(item.item_key, item)
    return list(unique.values())


def _code(reasons: tuple[StatusReason, ...]) -> str:
    return next((r.code for r in reasons if r.code), "NARR" if reasons else "")


def _key(*parts: str) -> str:
    return ":".join(parts)[:ITEM_KEY_MAX_CHARS]


def _pain002_items(report: PaymentStatusReport) -> Iterator[FeedbackItem]:
    msg = report.message_id
    if report.group_status == REJECTED:
        yield FeedbackItem(
            _key("pain.002", msg, "grp", report.original_message_id),
            "reject",
            message_id=report.original_message_id,
            reason_code=_code(report.group_reasons),
        )
    for info in report.payment_informations:
        if info.status == REJECTED:
            yield FeedbackItem(
                _key("pain.002", msg, "pmtinf", info.original_payment_information_id),
                "reject",
                payment_info_id=info.original_payment_information_id,
                reason_code=_code(info.reasons) or _code(report.group_reasons),
            )
        for tx in info.transactions:
            rejected = tx.effective_status == REJECTED
            yield FeedbackItem(
                _key("pain.002", msg, "tx", tx.original_end_to_end_id),
                "reject" if rejected else "info",
                end_to_end_id=tx.original_end_to_end_id,
                reason_code=(
                    (_code(tx.reasons) or _code(info.reasons) or _code(report.group_reasons))
                    if rejected
                    else ""
                ),
                amount_cents=tx.original_amount_cents,
            )


def _camt_items(kind: str, reports: Sequence[Statement | Notification]) -> Iterator[FeedbackItem]:
    for r_index, report in enumerate(reports):
        for e_index, entry in enumerate(report.entries):
            entry_ref = entry.account_servicer_reference or _key(
                report.message_id, str(r_index), str(e_index)
            )
            yield from _entry_items(kind, entry_ref, entry)


def _entry_items(kind: str, entry_ref: str, entry: Entry) -> Iterator[FeedbackItem]:
    returned = entry.reversal or any(t.return_reason for t in entry.transactions)
    is_return = entry.credit_debit == "CRDT" and returned
    # A debit that carries return information books something back (a
    # returned direct debit, a reversed credit): it settles none of ours.
    booked = entry.status == "BOOK" and not returned
    batch_id = entry.batch.payment_information_id if entry.batch else ""
    if entry.credit_debit == "DBIT" and booked and batch_id:
        yield FeedbackItem(
            _key(kind, entry_ref, "btch"),
            "settle",
            payment_info_id=batch_id,
            amount_cents=entry.amount_cents,
        )
        return
    if not entry.transactions:
        yield FeedbackItem(_key(kind, entry_ref), "info", amount_cents=entry.amount_cents)
        return
    single = len(entry.transactions) == 1
    for t_index, tx in enumerate(entry.transactions):
        amount = tx.amount_cents if tx.amount_cents is not None else None
        if amount is None and single:
            amount = entry.amount_cents
        key = _key(kind, entry_ref, tx.end_to_end_id or str(t_index))
        yield _transaction_item(key, entry, tx, booked, is_return, amount)


def _transaction_item(
    key: str,
    entry: Entry,
    tx: EntryTransaction,
    booked: bool,
    is_return: bool,
    amount_cents: int | None,
) -> FeedbackItem:
    if is_return:
        code = tx.return_reason.code if tx.return_reason else ""
        return FeedbackItem(
            key,
            "return",
            end_to_end_id=tx.end_to_end_id,
            reason_code=code or "NARR",
            amount_cents=amount_cents,
        )
    if entry.credit_debit == "DBIT" and booked:
        return FeedbackItem(
            key,
            "settle",
            end_to_end_id=tx.end_to_end_id,
            payment_info_id="" if tx.end_to_end_id else tx.payment_information_id,
            amount_cents=amount_cents,
        )
    return FeedbackItem(key, "info", end_to_end_id=tx.end_to_end_id, amount_cents=amount_cents)
