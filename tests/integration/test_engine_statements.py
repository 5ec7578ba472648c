"""The statements of the demo households A-E for every month, against
figures computed by hand from DOMAIN.md (not with the code under test), on
SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from ledger.beancount_export import export_beancount
from ledger.schema import ledger_entries, ledger_postings
from ontzorging.adapters.schema import (
    allocation_lines,
    allocations,
    payment_instructions,
    signals,
)
from ontzorging.allocation import allocate as allocating
from ontzorging.allocation.allocate import allocate_due
from ontzorging.entrypoints import demo_data
from ontzorging.integrity.checks import check_all
from ontzorging.reports.statements import statement
from ontzorging.settings import load_settings
from tests.conftest import NOW
from tests.scenario import import_text, load_registers, run_months

# household -> month -> (income, {kind: paid}, reserved, {kind: shortfall}, payout), cents.
A_PAID = {"huur": 61500, "energie": 9500, "water": 1500, "zorgverzekering": 14240}
B_PAID = {"huur": 78000, "energie": 16500, "water": 3200, "zorgverzekering": 28490}
C_PAID = {"huur": 69000, "energie": 12000, "water": 2200, "zorgverzekering": 15999}
D_PAID = {"huur": 70000, "energie": 14000, "zorgverzekering": 11302}
E_PAID = {"huur": 61500, "energie": 9500, "water": 1500, "zorgverzekering": 14240}
F_PAID = {"huur": 65000, "energie": 11000, "zorgverzekering": 14240}
# F's water (66,00 a quarter from February) is reserved in thirds of 22,00 and
# paid whole from the reserve in April and July: (income + from the reserve)
# = paid + reserved + payout.
FROM_RESERVE = {("F", 4): 6600, ("F", 7): 6600}
EXPECTED = {
    "A": {
        **{m: (133423, A_PAID, 0, {}, 46683) for m in (2, 3, 4, 5)},
        6: (133423 + 40362, A_PAID, 0, {}, 46683 + 40362),  # vakantietoeslag passes through
        7: (133423, {**A_PAID, "huur": 64022}, 0, {}, 44161),  # rent 640,22 from 1 July
        8: (0, {}, 0, {}, 0),
    },
    "B": {**{m: (190603, B_PAID, 0, {}, 64413) for m in range(2, 8)}, 8: (0, {}, 0, {}, 0)},
    "C": {**{m: (133423, C_PAID, 0, {}, 34224) for m in range(2, 8)}, 8: (0, {}, 0, {}, 0)},
    "D": {
        **{m: (95302, D_PAID, 0, {"zorgverzekering": 2938, "water": 2500}, 0) for m in range(2, 8)},
        8: (0, {}, 0, {}, 0),
    },
    "E": {
        # 951,02 + a nabetaling of 100,00: huur, energie, premium, then the
        # once premium 284,80 gets 98,62 + 100,00; water 15,00 stays short.
        2: (
            95102 + 10000,
            {"huur": 61500, "energie": 9500, "zorgverzekering": 14240 + 9862 + 10000},
            0,
            {"zorgverzekering": 8618, "water": 1500},
            0,
        ),
        **{m: (133423, E_PAID, 0, {}, 46683) for m in range(3, 9)},
    },
    "F": {
        **{m: (133423, F_PAID, 2200, {}, 40983) for m in (2, 3, 5, 6)},
        **{m: (133423, {**F_PAID, "water": 6600}, 2200, {}, 40983) for m in (4, 7)},
        # After the period only the voluntary energy payment continues.
        8: (133423, {"energie": 11000}, 0, {}, 122423),
    },
}


def _by_kind(rows: list[dict]) -> dict[str, int]:  # type: ignore[type-arg]
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["kind"]] = totals.get(row["kind"], 0) + row["amount_cents"]
    return totals


@pytest.fixture
def scenario(engine: Engine, tmp_path: Path) -> Engine:
    load_registers(engine, tmp_path)
    run_months(engine, tmp_path)
    return engine


def test_statements_match_hand_computed_figures(scenario: Engine) -> None:
    _assert_hand_computed_statements(scenario)


def _assert_hand_computed_statements(engine: Engine) -> None:
    with engine.connect() as conn:
        for hid, months in EXPECTED.items():
            for month, (income, paid, reserved, short, payout) in months.items():
                s = statement(conn, hid, date(2026, month, 1))
                where = f"{hid} 2026-{month:02d}"
                assert s["income_cents"] == income, where
                assert _by_kind(s["paid"]) == paid, where
                assert s["reserved_cents"] == reserved, where
                assert _by_kind(s["shortfall"]) == short, where
                assert s["payout_to_client_cents"] == payout, where
                from_reserve = FROM_RESERVE.get((hid, month), 0)
                total = sum(paid.values()) + reserved + payout
                assert s["income_cents"] + from_reserve == total, where
        assert check_all(conn) == []


def test_pages_of_one_household_give_the_same_statements(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Six pages instead of one: on PostgreSQL each page is written while the
    next is computed, and the result must not depend on that."""
    monkeypatch.setattr(allocating, "PAGE_HOUSEHOLDS", 1)
    load_registers(engine, tmp_path)
    run_months(engine, tmp_path)
    _assert_hand_computed_statements(engine)


def test_a_failed_page_write_leaves_nothing_of_the_run(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_registers(engine, tmp_path)
    import_text(engine, "bijstand", demo_data.bijstand_file(date(2026, 2, 1)), tmp_path)
    monkeypatch.setattr(allocating, "PAGE_HOUSEHOLDS", 1)
    real_write = allocating._write
    writes: list[int] = []

    def failing_write(*args: Any, **kwargs: Any) -> None:
        writes.append(1)
        if len(writes) == 3:
            raise OSError("disk full")
        real_write(*args, **kwargs)

    monkeypatch.setattr(allocating, "_write", failing_write)
    with pytest.raises(OSError, match="disk full"), engine.begin() as conn:
        allocate_due(conn, date(2026, 2, 26), load_settings(), None, NOW)
    assert _counts(engine) == (0, 0, 0, 0)
    with engine.connect() as conn:
        for table in (ledger_entries, ledger_postings):
            assert conn.execute(select(func.count()).select_from(table)).scalar_one() == 0
    monkeypatch.setattr(allocating, "_write", real_write)
    run_months(engine, tmp_path)
    _assert_hand_computed_statements(engine)


def test_statement_shape_of_the_contract(scenario: Engine) -> None:
    with scenario.connect() as conn:
        s = statement(conn, "D", date(2026, 3, 1))
    assert s["household_id"] == "D" and s["period"] == "2026-03" and s["in_ontzorging"] is True
    assert [(r["kind"], r["creditor_id"], r["amount_cents"], r["status"]) for r in s["paid"]] == [
        ("huur", "WOON", 70000, "pending"),
        ("energie", "ENER", 14000, "pending"),
        ("zorgverzekering", "ZORG", 11302, "pending"),
    ]
    assert all(r["payment_id"] for r in s["paid"])
    assert [(r["kind"], r["amount_cents"]) for r in s["shortfall"]] == [
        ("zorgverzekering", 2938),
        ("water", 2500),
    ]


def _counts(engine: Engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        return tuple(
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (allocations, allocation_lines, payment_instructions, signals)
        )


def test_importing_and_running_twice_changes_nothing(scenario: Engine, tmp_path: Path) -> None:
    before = _counts(scenario)
    for month in demo_data.MONTHS:
        outcome = import_text(
            scenario,
            "bijstand",
            demo_data.bijstand_file(month),
            tmp_path,
            f"again-{month:%Y-%m}.csv",
        )
        assert outcome.status == "unchanged"
    with scenario.begin() as conn:
        counts = allocate_due(conn, date(2026, 12, 31), load_settings(), None, NOW)
    assert counts["payments"] == 0
    assert _counts(scenario) == before


def test_same_rows_in_another_file_are_known_not_new(scenario: Engine, tmp_path: Path) -> None:
    text = demo_data.bijstand_file(date(2026, 3, 1)).replace("\n", "\r\n")
    outcome = import_text(scenario, "bijstand", text, tmp_path, "crlf.csv")
    assert outcome.status == "imported" and outcome.rows_new == 0 and outcome.rows_known == 7


def test_signals_for_shortfalls(scenario: Engine) -> None:
    with scenario.connect() as conn:
        rows = conn.execute(
            select(signals.c.household_id, signals.c.subject).where(signals.c.kind == "shortfall")
        ).all()
    subjects = {(h, s) for h, s in rows}
    assert ("D", "D3/2026-03") in subjects and ("D", "D4/2026-07") in subjects
    assert ("E", "E5/2026-02") in subjects and ("E", "E3/2026-02") in subjects
    assert not any(h in "ABCF" for h, _ in subjects)


def test_beancount_export_passes_bean_check(scenario: Engine, tmp_path: Path) -> None:
    path = tmp_path / "ledger.beancount"
    with scenario.connect() as conn:
        path.write_text("".join(export_beancount(conn)), encoding="utf-8")
    result = subprocess.run(["bean-check", str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    text = path.read_text(encoding="utf-8")
    assert "Expenses:Household:D:Huur" in text
    assert "100000009" not in text


def test_run_counts_match_the_rows_written(engine: Engine, tmp_path: Path) -> None:
    load_registers(engine, tmp_path)
    import_text(engine, "bijstand", demo_data.bijstand_file(date(2026, 3, 1)), tmp_path)
    with engine.begin() as conn:
        counts = allocate_due(conn, date(2026, 3, 26), load_settings(), None, NOW)
        rows = {
            "signals": conn.execute(select(func.count()).select_from(signals)).scalar(),
            "instructions": conn.execute(
                select(func.count()).select_from(payment_instructions)
            ).scalar(),
        }
    # D: water and the premium; E: its February nabetaling arrives without
    # February's levensonderhoud, so all five of its February costs are short.
    assert counts["signals"] == rows["signals"] == 7
    assert counts["instructions"] == rows["instructions"]
