"""A reserve left when ontzorging ends, through the CLI (DOMAIN.md R3):
`households end`, the next `run nightly` pays it to the client with the
batch, `statement --json` shows it, a re-run pays nothing more, `check` is
green."""

from __future__ import annotations

from datetime import date

from tests.e2e.test_cli_runs import Home, home  # noqa: F401  (the fixture)


def test_households_end_then_the_next_night_pays_the_reserve_once(home: Home) -> None:  # noqa: F811
    for month in range(2, 7):
        home.drop(date(2026, month, 1))
        home.json("run", "nightly", "--date", f"2026-{month:02d}-26")
    ended = home("households", "end", "F", "--date", "2026-06-15", "--reason", "verhuisd",
                 "--by", "Coach Bakker")  # fmt: skip
    assert ended.exit_code == 0, ended.output

    home.drop(date(2026, 7, 1))
    july = home.json("run", "nightly", "--date", "2026-07-26")
    assert isinstance(july, dict)
    assert july["counts"]["reserve_payouts"] == 1
    assert july["counts"]["reserve_payout_cents"] == 4400
    statement = home.json("statement", "F", "--period", "2026-07")
    assert isinstance(statement, dict)
    (saved,) = statement["reserve_to_client"]
    assert (saved["kind"], saved["amount_cents"], saved["status"]) == ("water", 4400, "pending")
    assert statement["reserve_to_client_cents"] == 4400
    assert {"paid", "payout_to_client_cents", "held_cents"} <= set(statement)  # contract kept

    batches = home.json("batches", "list")
    assert isinstance(batches, list)
    for batch in batches:  # every month's batch waits for finance in this test
        approved = home("batches", "approve", str(batch["id"]), "--by", "M. de Vries", "--yes")
        assert approved.exit_code == 0, approved.output
    written = [p for p in (home.root / "outbox" / "sepa").iterdir() if p.suffix == ".xml"]
    assert any("Gespaard voor water, terug naar u" in p.read_text("utf-8") for p in written)

    again = home.json("run", "nightly", "--date", "2026-07-27")
    assert isinstance(again, dict) and "reserve_payouts" not in again["counts"]
    home.drop(date(2026, 8, 1))
    august = home.json("run", "nightly", "--date", "2026-08-26")
    assert isinstance(august, dict) and "reserve_payouts" not in august["counts"]
    assert (
        home.json("statement", "F", "--period", "2026-07")["reserve_to_client"][0][  # type: ignore[index]
            "status"
        ]
        == "released"
    )
    assert home("check").exit_code == 0
