"""A benefits run that arrives again under other ids is never paid twice
(ADR 0006): refused as a whole, or held per payment until someone decides."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from ontzorging.adapters.schema import benefit_payments, payment_instructions, signals
from ontzorging.allocation.allocate import allocate_due
from ontzorging.entrypoints import demo_data
from ontzorging.intake.imports import import_file
from ontzorging.intake.never_twice import DecisionRefused, decide, held_payments
from ontzorging.intake.parsing.problems import FileRejected
from ontzorging.reports.statements import statement
from ontzorging.settings import load_settings
from tests.conftest import NOW
from tests.integration.test_payout_file_import import TRANSFERS, transfer, write
from tests.scenario import import_text, load_registers

MARCH = date(2026, 3, 1)
RUN_DAY = date(2026, 3, 26)


def _march_csv() -> str:
    return demo_data.bijstand_file(MARCH)


def _prefixed(text: str, prefix: str) -> str:
    """The same benefits run with every payment_id given a prefix."""
    header, *rows = text.strip().splitlines()
    return "\n".join([header, *(prefix + row for row in rows)]) + "\n"


def _allocate(engine: Engine) -> None:
    with engine.begin() as conn:
        allocate_due(conn, RUN_DAY, load_settings(), None, NOW)


def _paid_total(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.coalesce(func.sum(payment_instructions.c.amount_cents), 0))
            ).scalar_one()
        )


def _count(engine: Engine, table: object) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_the_same_csv_run_under_prefixed_ids_is_refused_whole(
    engine: Engine, tmp_path: Path
) -> None:
    load_registers(engine, tmp_path)
    import_text(engine, "bijstand", _march_csv(), tmp_path, "run.csv")
    _allocate(engine)
    paid, payments = _paid_total(engine), _count(engine, benefit_payments)

    with pytest.raises(FileRejected) as rejected:
        import_text(engine, "bijstand", _prefixed(_march_csv(), "R2-"), tmp_path, "run-2.csv")
    _allocate(engine)

    problem = rejected.value.problems[0]
    assert problem.column == "payment_id" and problem.line == 2
    assert "repeats one imported before" in problem.message
    assert _count(engine, benefit_payments) == payments  # nothing half-imported
    assert _paid_total(engine) == paid


@pytest.mark.parametrize(
    ("first", "second", "message_id"),
    [
        ("pain.001.001.09", "pain.001.001.09", "UITK-2026-03-RESENT"),  # only MsgId changed
        ("pain.001.001.09", "pain.001.001.03", "UITK-2026-03-B"),  # the .03 twin
        ("pain.001.001.03", "pain.001.001.09", "UITK-2026-03-C"),
        ("pain.001.001.09", "pain.001.001.03", "UITK-2026-03"),  # twin under the same ids
    ],
)
def test_a_payout_file_sent_again_is_never_imported_twice(
    engine: Engine, tmp_path: Path, first: str, second: str, message_id: str
) -> None:
    from payments.pain001 import render_pain001
    from tests.integration.test_payout_file_import import payout_file

    load_registers(engine, tmp_path)
    with engine.begin() as conn:
        import_file(conn, "bijstand", write(tmp_path, first), "test", NOW)
    again = tmp_path / "again.xml"
    again.write_bytes(render_pain001(payout_file(TRANSFERS, message_id), second))  # type: ignore[arg-type]
    if message_id == "UITK-2026-03":  # the same ids: known payments, nothing new
        with engine.begin() as conn:
            outcome = import_file(conn, "bijstand", again, "test", NOW)
        assert (outcome.rows_new, outcome.rows_known) == (0, len(TRANSFERS))
    else:
        with pytest.raises(FileRejected) as rejected, engine.begin() as conn:
            import_file(conn, "bijstand", again, "test", NOW)
        assert "repeats one imported before" in str(rejected.value)
    assert _count(engine, benefit_payments) == len(TRANSFERS)


def test_one_repeat_among_new_payments_is_held_and_the_others_are_paid(
    engine: Engine, tmp_path: Path
) -> None:
    load_registers(engine, tmp_path)
    import_text(engine, "bijstand", _march_csv(), tmp_path, "run.csv")
    _allocate(engine)
    before = {hid: statement_of(engine, hid) for hid in ("A", "B")}
    header, first_row, *_ = _march_csv().strip().splitlines()
    repeat = "R2-" + first_row  # household A's March payment again, under a new id
    extra = _nabetaling_row(first_row)  # a genuinely new payment for A
    import_text(engine, "bijstand", "\n".join([header, repeat, extra]) + "\n", tmp_path, "r2.csv")
    _allocate(engine)

    with engine.connect() as conn:
        held = held_payments(conn)
        signal = conn.execute(
            select(signals.c.household_id, signals.c.detail).where(
                signals.c.kind == "duplicate_payment"
            )
        ).one()
    repeated_id = repeat.split(";")[0].split(",")[0]
    assert [h["payment_id"] for h in held] == [repeated_id]
    assert signal.household_id == held[0]["household_id"]
    assert repeated_id in signal.detail
    after_a = statement_of(engine, held[0]["household_id"])
    # the nabetaling was allocated, the repeat not: income grew by the nabetaling only
    assert after_a["income_cents"] == before[held[0]["household_id"]]["income_cents"] + 1000
    assert statement_of(engine, "B") == before["B"]


def statement_of(engine: Engine, hid: str) -> dict[str, object]:
    with engine.connect() as conn:
        return statement(conn, hid, MARCH)


def _nabetaling_row(row: str) -> str:
    sep = ";" if ";" in row else ","
    cells = row.split(sep)
    header = demo_data.bijstand_file(MARCH).splitlines()[0].split(sep)
    values = dict(zip(header, cells, strict=True))
    values["payment_id"] = "NB-" + values["payment_id"]
    values["kind"] = "nabetaling"
    values["amount"] = "10,00"
    return sep.join(values[h] for h in header)


@pytest.mark.parametrize("decision", ["release", "cancel"])
def test_a_held_payment_is_paid_only_after_release(
    engine: Engine, tmp_path: Path, decision: str
) -> None:
    load_registers(engine, tmp_path)
    with engine.begin() as conn:
        import_file(conn, "bijstand", write(tmp_path, "pain.001.001.09"), "test", NOW)
    _allocate(engine)
    paid = _paid_total(engine)
    # One transfer again, its EndToEndId reused in a file with another MsgId.
    from payments.pain001 import render_pain001
    from tests.integration.test_payout_file_import import payout_file

    single = tmp_path / "single.xml"
    one = (transfer("A-2026-03", 133423, "Ahmad Haddad", "NL91ABNA0417164300"),)
    single.write_bytes(render_pain001(payout_file(one, "UITK-EXTRA"), "pain.001.001.09"))
    with engine.begin() as conn:
        outcome = import_file(conn, "bijstand", single, "test", NOW)
    _allocate(engine)
    assert outcome.rows_held == 1
    assert _paid_total(engine) == paid  # held: not paid

    with engine.begin() as conn:
        result = decide(conn, "UITK-EXTRA/A-2026-03", decision, "M. de Vries", "checked", NOW)
        with pytest.raises(DecisionRefused):
            decide(conn, "UITK-EXTRA/A-2026-03", "release", "M. de Vries", "again", NOW)
    _allocate(engine)
    _allocate(engine)  # a re-run never pays it twice
    assert result["duplicate_of"] == "UITK-2026-03/A-2026-03"
    expected = paid + 133423 if decision == "release" else paid
    assert _paid_total(engine) == expected
    with engine.connect() as conn:
        assert held_payments(conn) == []
        open_signals = conn.execute(
            select(func.count()).where(
                signals.c.kind == "duplicate_payment", signals.c.resolved_on.is_(None)
            )
        ).scalar_one()
    assert open_signals == 0


def test_decisions_are_refused_for_payments_that_are_not_held(
    engine: Engine, tmp_path: Path
) -> None:
    load_registers(engine, tmp_path)
    import_text(engine, "bijstand", _march_csv(), tmp_path, "run.csv")
    first_id = _march_csv().splitlines()[1].replace(",", ";").split(";")[0]
    with engine.begin() as conn:
        with pytest.raises(DecisionRefused, match="not held"):
            decide(conn, first_id, "release", "x", "y", NOW)
        with pytest.raises(DecisionRefused, match="no benefits payment"):
            decide(conn, "NOPE", "cancel", "x", "y", NOW)
        with pytest.raises(DecisionRefused, match="reason"):
            decide(conn, first_id, "cancel", "x", "  ", NOW)
