"""`ontzorging bijstand held|release|cancel` on the command line: a repeat of
an earlier benefits payment waits for a named decision (ADR 0006)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from ontzorging.entrypoints import demo_data
from tests.e2e.test_cli_runs import Home, home  # noqa: F401  (fixture)

MARCH = date(2026, 3, 1)


def _repeat_of_a(tmp_path: Path) -> Path:
    """Household A's March payment again, under a new id, alone in a file."""
    header, first_row, *_ = demo_data.bijstand_file(MARCH).splitlines()
    path = tmp_path / "nog-een-keer.csv"
    path.write_text(f"{header}\nR2-{first_row}\n", encoding="utf-8")
    return path


def _payout_cents(h: Home) -> int:
    return h.json("statement", "A", "--period", "2026-03")["payout_to_client_cents"]  # type: ignore[index,return-value]


def test_a_held_repeat_is_paid_only_after_a_named_release(home: Home, tmp_path: Path) -> None:  # noqa: F811
    home.drop(MARCH)
    assert home.json("run", "nightly", "--date", "2026-03-28")["status"] == "succeeded"  # type: ignore[index]
    payout_before = _payout_cents(home)

    imported = home("import", "bijstand", str(_repeat_of_a(tmp_path)))
    assert imported.exit_code == 3, imported.output
    assert "1 payment(s) repeat payments imported before and are held" in imported.output
    held = home.json("bijstand", "held")
    assert [(h["payment_id"], h["duplicate_of"]) for h in held] == [("R2-2026-03-A", "2026-03-A")]  # type: ignore[union-attr,index]
    assert "100000009" not in str(held)  # never a BSN
    night = home.json("run", "nightly", "--date", "2026-03-29")
    assert night["counts"].get("payments", 0) == 0  # type: ignore[index]

    too_long = home(
        "bijstand", "release", "R2-2026-03-A", "--by", "M. de Vries", "--reason", "x" * 201
    )
    assert too_long.exit_code == 2 and "at most 200 characters" in too_long.output
    released = home(
        "bijstand", "release", "R2-2026-03-A", "--by", "M. de Vries", "--reason", "echt"
    )
    assert released.exit_code == 0, released.output
    again = home(
        "bijstand", "cancel", "R2-2026-03-A", "--by", "M. de Vries", "--reason", "toch niet"
    )
    assert again.exit_code == 1 and "decided before: release" in again.output
    assert home.json("bijstand", "held") == []
    home.json("run", "nightly", "--date", "2026-03-30")
    home.json("run", "nightly", "--date", "2026-03-31")  # a re-run never pays it twice
    statement = home.json("statement", "A", "--period", "2026-03")
    assert statement["income_cents"] == 2 * demo_data.MONTHLY_CENTS["A"]  # type: ignore[index]
    # the month's fixed costs were paid already: the released money is the client's
    assert _payout_cents(home) == payout_before + demo_data.MONTHLY_CENTS["A"]
    assert home("check").exit_code == 0
