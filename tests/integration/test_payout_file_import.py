"""A benefits system's pain.001 payout file as the benefits run (DESIGN 5.2)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from ontzorging.adapters.schema import benefit_payments, payment_instructions
from ontzorging.allocation.allocate import allocate_due
from ontzorging.intake.imports import import_file
from ontzorging.intake.parsing.problems import FileRejected
from ontzorging.reports.statements import statement
from ontzorging.settings import load_settings
from payments.pain001 import Debtor, PaymentFile, Transfer, render_pain001
from payments.references import Reference
from tests.conftest import NOW
from tests.scenario import load_registers

BENEFITS = Debtor("Gemeente Voorbeeld Uitkeringen", "NL14BNGH0285001234", None)


def payout_file(transfers: tuple[Transfer, ...], message_id: str = "UITK-2026-03") -> PaymentFile:
    return PaymentFile(
        message_id,
        f"{message_id}-1",
        datetime(2026, 3, 20, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam")),
        date(2026, 3, 26),
        BENEFITS,
        transfers,
        "Gemeente Voorbeeld",
    )


def transfer(e2e: str, cents: int, name: str, iban: str) -> Transfer:
    return Transfer(e2e, cents, name, iban, None, Reference("free", ""), "Bijstand maart 2026")


TRANSFERS = (
    transfer("A-2026-03", 133423, "Ahmad Haddad", "NL91ABNA0417164300"),
    transfer("D-2026-03", 95302, "Omar Yusuf", "NL80BNGH0285111111"),
    transfer("X-2026-03", 120000, "Iemand Anders", "NL69INGB0123456789"),
)


def write(tmp_path: Path, version: str, transfers: tuple[Transfer, ...] = TRANSFERS) -> Path:
    path = tmp_path / f"payout-{version}.xml"
    path.write_bytes(render_pain001(payout_file(transfers), version))  # type: ignore[arg-type]
    return path


@pytest.mark.parametrize("version", ["pain.001.001.09", "pain.001.001.03"])
def test_payout_file_is_matched_by_iban_and_allocated(
    engine: Engine, tmp_path: Path, version: str
) -> None:
    load_registers(engine, tmp_path)
    path = write(tmp_path, version)
    with engine.begin() as conn:
        outcome = import_file(conn, "bijstand", path, "test", NOW)
    assert outcome.rows_new == 3
    with engine.begin() as conn:
        again = import_file(conn, "bijstand", path, "test", NOW)
        rows = conn.execute(select(benefit_payments).order_by(benefit_payments.c.payment_id)).all()
        allocate_due(conn, date(2026, 3, 26), load_settings(), None, NOW)
    assert again.status == "unchanged"
    assert [(r.payment_id, r.household_id, r.period) for r in rows] == [
        ("UITK-2026-03/A-2026-03", "A", date(2026, 3, 1)),
        ("UITK-2026-03/D-2026-03", "D", date(2026, 3, 1)),
        ("UITK-2026-03/X-2026-03", None, date(2026, 3, 1)),
    ]
    with engine.connect() as conn:
        assert statement(conn, "A", date(2026, 3, 1))["payout_to_client_cents"] == 46683
        d = statement(conn, "D", date(2026, 3, 1))
        passed = conn.execute(
            select(payment_instructions.c.payee_name, payment_instructions.c.amount_cents).where(
                payment_instructions.c.household_id.is_(None)
            )
        ).all()
    assert sum(r["amount_cents"] for r in d["shortfall"]) == 5438
    assert passed == [("Iemand Anders", 120000)]  # an unknown account passes through unchanged


def test_same_transfer_with_other_amount_is_refused(engine: Engine, tmp_path: Path) -> None:
    load_registers(engine, tmp_path)
    with engine.begin() as conn:
        import_file(conn, "bijstand", write(tmp_path, "pain.001.001.09"), "test", NOW)
    changed = (transfer("A-2026-03", 133400, "Ahmad Haddad", "NL91ABNA0417164300"),)
    other = tmp_path / "changed"
    other.mkdir()
    with pytest.raises(FileRejected) as rejected, engine.begin() as conn:
        import_file(conn, "bijstand", write(other, "pain.001.001.09", changed), "test", NOW)
    assert "other content (amount_cents)" in str(rejected.value)


def test_a_broken_payout_file_is_rejected_with_its_line(engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "pain.001.001.09")
    path.write_bytes(
        path.read_bytes().replace(b'<InstdAmt Ccy="EUR">1334.23', b'<InstdAmt Ccy="EUR">1334.2x')
    )
    with pytest.raises(FileRejected) as rejected, engine.begin() as conn:
        import_file(conn, "bijstand", path, "test", NOW)
    problem = rejected.value.problems[0]
    assert problem.line > 0 and problem.column == "pain.001"
