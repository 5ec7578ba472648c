"""One household's bad payment never stops the others' rent: its month is
left unallocated with a signal, the rest of the run goes on, and a named
person can cancel the payment so the household's month is paid next night."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine, func, select

from ledger.entries import MAX_POSTING_CENTS
from ontzorging.adapters.schema import (
    allocated_payments,
    benefit_payments,
    imported_files,
    payment_instructions,
    signals,
)
from ontzorging.allocation.allocate import allocate_due
from ontzorging.entrypoints import demo_data
from ontzorging.intake.never_twice import decide
from ontzorging.settings import load_settings
from tests.conftest import NOW
from tests.scenario import import_text, load_registers

MARCH = date(2026, 3, 1)
RUN_DAY = date(2026, 3, 26)


def _allocate(engine: Engine) -> int:
    with engine.begin() as conn:
        counts = allocate_due(conn, RUN_DAY, load_settings(), None, NOW)
    return counts["allocation_failures"]


def _instructions_by_household(engine: Engine) -> dict[str | None, int]:
    pi = payment_instructions
    with engine.connect() as conn:
        rows = conn.execute(
            select(pi.c.household_id, func.count()).group_by(pi.c.household_id)
        ).all()
    return {hid: int(n) for hid, n in rows}


def _smuggle(engine: Engine, payment_id: str, household_id: str | None, cents: int) -> None:
    """A payment the import of today would refuse, as an older version let in."""
    with engine.begin() as conn:
        file_id = conn.execute(select(func.min(imported_files.c.id))).scalar_one()
        conn.execute(
            benefit_payments.insert().values(
                payment_id=payment_id,
                bsn=None,
                household_id=household_id,
                payee_name="Iemand" if household_id is None else None,
                period=MARCH,
                kind="levensonderhoud",
                amount_cents=cents,
                payout_date=RUN_DAY,
                iban="NL69INGB0123456789" if household_id is None else None,
                imported_file_id=file_id,
            )
        )


def test_a_payment_the_ledger_refuses_stops_only_its_household(
    engine: Engine, tmp_path: Path
) -> None:
    load_registers(engine, tmp_path)
    import_text(engine, "bijstand", demo_data.bijstand_file(MARCH), tmp_path, "run.csv")
    too_large = MAX_POSTING_CENTS + 1
    _smuggle(engine, "BAD-D", "D", too_large)
    _smuggle(engine, "BAD-X", None, too_large)

    assert _allocate(engine) == 2
    paid = _instructions_by_household(engine)
    assert "D" not in paid
    assert all(paid.get(hid, 0) > 0 for hid in ("A", "B", "C", "E", "F"))
    with engine.connect() as conn:
        failed = conn.execute(
            select(signals.c.household_id, signals.c.subject, signals.c.detail)
            .where(signals.c.kind == "allocation_failed")
            .order_by(signals.c.subject)
        ).all()
    assert [(s.household_id, s.subject) for s in failed] == [("D", "2026-03"), (None, "BAD-X")]
    assert all("not allocated" in s.detail for s in failed)

    assert _allocate(engine) == 2  # the next night goes on for everyone else, again
    assert _instructions_by_household(engine) == paid

    with engine.begin() as conn:
        decide(conn, "BAD-D", "cancel", "M. de Vries", "BSN in the amount column", NOW)
        decide(conn, "BAD-X", "cancel", "M. de Vries", "wrong amount", NOW)
    assert _allocate(engine) == 0
    assert _instructions_by_household(engine)["D"] > 0
    with engine.connect() as conn:
        allocated = set(conn.execute(select(allocated_payments.c.payment_id)).scalars())
        still_open = conn.execute(
            select(func.count()).where(
                signals.c.kind == "allocation_failed", signals.c.resolved_on.is_(None)
            )
        ).scalar_one()
    assert "BAD-D" not in allocated and "BAD-X" not in allocated
    assert still_open == 0
