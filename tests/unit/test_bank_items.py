"""Which feedback item a camt entry becomes (pure: no database)."""

from __future__ import annotations

from datetime import date

import pytest

from ontzorging.domain.bank_items import _entry_items
from payments.bank_xml import StatusReason
from payments.camt_reader import BankTransactionCode, Entry, EntryTransaction


def _entry(credit_debit: str, *, reversal: bool = False, reason: str = "") -> Entry:
    tx = EntryTransaction(
        message_id="",
        payment_information_id="",
        instruction_id="",
        end_to_end_id="OZ-17",
        account_servicer_reference="",
        amount_cents=61500,
        return_reason=StatusReason(reason, False, "") if reason else None,
        counterparty_name="",
        counterparty_iban="",
        remittance="",
        additional_info="",
    )
    return Entry(
        amount_cents=61500,
        credit_debit=credit_debit,
        reversal=reversal,
        status="BOOK",
        booking_date=date(2026, 3, 27),
        value_date=date(2026, 3, 27),
        account_servicer_reference="REF-1",
        bank_transaction_code=BankTransactionCode("", "", "", "", ""),
        batch=None,
        transactions=(tx,),
        additional_info="",
        line=1,
    )


@pytest.mark.parametrize(
    ("entry", "action"),
    [
        (_entry("DBIT"), "settle"),  # our transfer booked
        (_entry("CRDT", reason="AC04"), "return"),  # it came back
        (_entry("CRDT", reversal=True), "return"),
        (_entry("DBIT", reason="AC04"), "info"),  # a debit booked back: settles nothing of ours
        (_entry("DBIT", reversal=True), "info"),
        (_entry("CRDT"), "info"),  # money in that is no return
    ],
)
def test_an_entry_becomes_the_item_its_direction_and_return_information_say(
    entry: Entry, action: str
) -> None:
    (item,) = _entry_items("camt.054", "REF-1", entry)
    assert item.action == action
