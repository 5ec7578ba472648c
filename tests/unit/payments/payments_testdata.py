"""Test data for the payments tests: a municipality paying the fixed costs of its households
(rent, energy, water, health insurance) in one pain.001 file.

Imported by module name (pytest puts this directory on sys.path); the name is unique so that
it cannot clash with test helpers of other packages."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from payments.pain001 import Debtor, PaymentFile, Transfer
from payments.references import parse_reference

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
GEMEENTE = Debtor("Gemeente Voorbeeldstad", "NL66BNGH0123456789", "BNGHNL2G")

HUUR = Transfer(
    end_to_end_id="P000000000001",
    amount_cents=70000,
    creditor_name="Woonstichting 's-Hertogenbosch",
    creditor_iban="NL44RABO0123456789",
    creditor_bic="RABONL2U",
    reference=parse_reference("5000 0567 8901 2345"),  # betalingskenmerk -> Strd, Issr CUR
)
ENERGIE = Transfer(
    end_to_end_id="P000000000002",
    amount_cents=14000,
    creditor_name="Energie Noord B.V.",
    creditor_iban="NL20INGB0001234567",
    creditor_bic=None,  # IBAN-only: no CdtrAgt
    reference=parse_reference("RF18 5390 0754 7034"),  # RF -> Strd, Issr ISO
)
ZORG = Transfer(
    end_to_end_id="P000000000003",
    amount_cents=11302,
    creditor_name="Zorgverzekeraar Zorg & Zo",  # & is outside the EPC set
    creditor_iban="NL69INGB0123456789",
    creditor_bic=None,
    reference=parse_reference("polis 555-123"),
    remittance_text="Premie maart 2026 polis 555-123 Aïsha Al-Khalil",
)
WATER = Transfer(
    end_to_end_id="P000000000004",
    amount_cents=2500,
    creditor_name="Ахмед Водоканал",  # Cyrillic, transliterated
    creditor_iban="NL91ABNA0417164300",
    creditor_bic=None,
    reference=parse_reference("klant 4711"),  # no remittance text: the reference is sent
)
LEEFGELD = Transfer(
    end_to_end_id="P000000000005",
    amount_cents=1,
    creditor_name="أحمد علي",  # Arabic, transliterated
    creditor_iban="NL86INGB0002445588",
    creditor_bic=None,
    reference=parse_reference(""),
    remittance_text="Leefgeld maart 2026",
)


def sample_payment_file(debtor: Debtor = GEMEENTE) -> PaymentFile:
    return PaymentFile(
        message_id="GEM-20260302-0001",
        payment_info_id="GEM-20260302-0001-B1",
        created_at=datetime(2026, 3, 2, 6, 30, 15, 123456, tzinfo=AMSTERDAM),
        execution_date=date(2026, 3, 2),
        debtor=debtor,
        transfers=(HUUR, ENERGIE, ZORG, WATER, LEEFGELD),
        initiating_party="Gemeente Voorbeeldstad",
    )
