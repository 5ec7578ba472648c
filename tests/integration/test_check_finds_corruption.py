"""`ontzorging check` finds what a bug or a hand edit of the database breaks:
each corruption below is made on a sound database of two demo months, and
the check must name it (a check that only ever returns nothing proves nothing)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from ontzorging.adapters.schema import payment_instructions
from ontzorging.batches.service import gather_batches, release_batch
from ontzorging.integrity.checks import check_all
from ontzorging.settings import load_settings
from tests.conftest import NOW
from tests.scenario import load_registers, run_months

MONTHS = (date(2026, 2, 1), date(2026, 3, 1))


@pytest.fixture
def sound(engine: Engine, tmp_path: Path) -> Engine:
    load_registers(engine, tmp_path)
    run_months(engine, tmp_path, MONTHS)
    with engine.connect() as conn:
        assert check_all(conn) == []
    return engine


def _first_instruction(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            conn.execute(
                select(payment_instructions.c.id, payment_instructions.c.entry_id)
                .where(payment_instructions.c.creditor_id.is_not(None))
                .order_by(payment_instructions.c.id)
                .limit(1)
            ).one()
        )


def _corrupt(engine: Engine, sql: str) -> list[str]:
    with engine.begin() as conn:
        conn.execute(text(sql))
    with engine.connect() as conn:
        return check_all(conn)


def test_an_instruction_paying_more_than_was_booked_is_found(sound: Engine) -> None:
    instruction_id, entry_id = _first_instruction(sound)
    problems = _corrupt(
        sound,
        f"UPDATE payment_instructions SET amount_cents = amount_cents + 100 "
        f"WHERE id = {instruction_id}",
    )
    assert any(
        p.startswith(f"ledger entry {entry_id}: its payment instructions pay") for p in problems
    )


def test_a_released_instruction_changed_afterwards_is_found(sound: Engine) -> None:
    """Released: the ledger no longer owes it, so only its booking can tell."""
    with sound.begin() as conn:
        gather_batches(conn, date(2026, 3, 26), load_settings(), None, NOW)
        release_batch(conn, 1, "M. de Vries", NOW, load_settings())
    with sound.connect() as conn:
        assert check_all(conn) == []
        instruction_id, entry_id = conn.execute(
            select(payment_instructions.c.id, payment_instructions.c.entry_id)
            .where(payment_instructions.c.status == "released")
            .order_by(payment_instructions.c.id)
            .limit(1)
        ).one()
    problems = _corrupt(
        sound,
        f"UPDATE payment_instructions SET amount_cents = amount_cents + 100 "
        f"WHERE id = {instruction_id}",
    )
    # The ledger no longer owes a released payment, so the older per-household
    # check sees nothing; the booking does.
    found = [p for p in problems if p.startswith("ledger entry")]
    assert len(found) == 1 and found[0].startswith(f"ledger entry {entry_id}: its payment")


def test_an_unbalanced_posting_is_found(sound: Engine) -> None:
    _, entry_id = _first_instruction(sound)
    problems = _corrupt(
        sound,
        "UPDATE ledger_postings SET amount_cents = amount_cents + 1 WHERE id = "
        f"(SELECT MIN(id) FROM ledger_postings WHERE entry_id = {entry_id})",
    )
    assert f"ledger entry {entry_id}: postings sum to 1, not 0" in problems


def test_an_allocation_line_that_takes_more_than_the_money_is_found(sound: Engine) -> None:
    problems = _corrupt(
        sound,
        "UPDATE allocation_lines SET amount_cents = amount_cents + 5 WHERE id = "
        "(SELECT MIN(id) FROM allocation_lines WHERE purpose = 'pay')",
    )
    assert any("income is not fixed costs + reserves + payout" in p for p in problems)


def test_an_instruction_paying_another_creditor_than_was_booked_is_found(sound: Engine) -> None:
    """Same amount, other payee: the bank would pay someone the ledger does not owe."""
    instruction_id, entry_id = _first_instruction(sound)
    with sound.connect() as conn:
        current = conn.execute(
            select(payment_instructions.c.creditor_id).where(
                payment_instructions.c.id == instruction_id
            )
        ).scalar_one()
        other = conn.execute(
            text("SELECT MIN(creditor_id) FROM creditors WHERE creditor_id <> :c"), {"c": current}
        ).scalar_one()
    problems = _corrupt(
        sound,
        f"UPDATE payment_instructions SET creditor_id = '{other}' WHERE id = {instruction_id}",
    )
    found = [p for p in problems if p.startswith(f"ledger entry {entry_id}:")]
    assert len(found) == 1
    named = {f":Payable:{current} but it booked", f":Payable:{other} but it booked"}
    assert any(part in found[0] for part in named), found[0]


def test_a_released_file_changed_in_the_outbox_is_found_by_the_command(
    tmp_path: Path, database_url: str
) -> None:
    from click.testing import CliRunner

    from ontzorging.entrypoints import demo_data
    from ontzorging.entrypoints.cli import main

    env = {"ONTZORGING_DATABASE_URL": database_url, "ONTZORGING_HOME": str(tmp_path / "home")}

    def cli(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
        return result.exit_code, result.output

    assert cli("init")[0] == 0
    for kind, body in (
        ("creditors", demo_data.CREDITORS),
        ("households", demo_data.HOUSEHOLDS),
        ("obligations", demo_data.OBLIGATIONS),
        ("bijstand", demo_data.bijstand_file(date(2026, 3, 1))),
    ):
        path = tmp_path / f"{kind}.csv"
        path.write_text(body, encoding="utf-8")
        assert cli("import", kind, str(path))[0] == 0
    assert cli("run", "nightly", "--date", "2026-03-26")[0] in (0, 3)
    assert cli("batches", "approve", "1", "--by", "M. de Vries", "--yes")[0] == 0
    assert cli("check") == (0, "ok: no violations\n")
    (written,) = (tmp_path / "home" / "outbox" / "sepa").glob("*.xml")
    written.write_bytes(written.read_bytes().replace(b"<InstdAmt", b"<InstdAmt ", 1))
    code, output = cli("check")
    assert code == 1
    assert f"payment file {written.name} (batch 1): its bytes no longer match" in output
    written.unlink()  # taken by finance: nothing to compare, nothing wrong
    assert cli("check") == (0, "ok: no violations\n")
