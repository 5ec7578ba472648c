"""Money left in a reserve when ontzorging ends goes to the client (DOMAIN.md
R3): booked, paid once with the next batch, shown in the statement, the
overview and the handover checklist; on SQLite and PostgreSQL.

Household F of the demo has water of 66,00 a quarter from February (22,00 a
month reserved, paid from the reserve in April and July)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from ledger import accounts
from ledger.schema import ledger_entries, ledger_postings
from ontzorging.adapters.schema import batches, payment_instructions
from ontzorging.allocation.allocate import allocate_due
from ontzorging.allocation.reserve_payout import pay_out_left_reserves
from ontzorging.bank import samples as docs
from ontzorging.bank.decisions import awaiting_decision
from ontzorging.bank.feedback_import import import_bank_file
from ontzorging.batches.service import gather_batches, reject_batch, release_batch
from ontzorging.entrypoints import demo_data
from ontzorging.integrity.checks import check_all
from ontzorging.register.households import end_household
from ontzorging.reports.overviews import overview_html
from ontzorging.reports.statements import statement
from ontzorging.settings import Settings, load_settings
from tests.conftest import NOW
from tests.scenario import import_text

WATER = accounts.reserve("F", "F3")
F_IBAN = "NL38RABO0300000001"


def registers(engine: Engine, tmp_path: Path, water_line: str | None = None) -> None:
    """The demo registers; ``water_line`` replaces F's quarterly water row."""
    obligations = demo_data.OBLIGATIONS
    if water_line is not None:
        old = next(line for line in obligations.splitlines() if line.startswith("F3;"))
        obligations = obligations.replace(old, water_line)
    import_text(engine, "creditors", demo_data.CREDITORS, tmp_path)
    import_text(engine, "households", demo_data.HOUSEHOLDS, tmp_path)
    import_text(engine, "obligations", obligations, tmp_path)


def night(engine: Engine, tmp_path: Path, day: date, settings: Settings) -> dict[str, int]:
    """What a nightly run does with money: the benefits of ``day``'s month once,
    allocation, reserves left to the client, a batch, released at once."""
    month = day.replace(day=1)
    import_text(
        engine, "bijstand", demo_data.bijstand_file(month), tmp_path, f"bijstand-{month:%Y-%m}.csv"
    )
    with engine.begin() as conn:
        allocate_due(conn, day, settings, None, NOW)
        counts = pay_out_left_reserves(conn, day, None, NOW)
        gather_batches(conn, day, settings, None, NOW)
        release_waiting(conn, settings)
        assert check_all(conn) == []
    return dict(counts)


def release_waiting(conn: Connection, settings: Settings) -> None:
    waiting = conn.execute(
        select(batches.c.id).where(batches.c.status == "awaiting_approval")
    ).scalars()
    for batch_id in list(waiting):
        release_batch(conn, batch_id, "M. de Vries", NOW, settings)


def balance(conn: Connection, account: str) -> int:
    lp = ledger_postings
    return int(
        conn.execute(select(func.sum(lp.c.amount_cents)).where(lp.c.account == account)).scalar()
        or 0
    )


def reserve_payouts(conn: Connection) -> list[Any]:
    pi = payment_instructions
    return list(
        conn.execute(select(pi).where(pi.c.key.like("reserve_end:%")).order_by(pi.c.id))
        .mappings()
        .all()
    )


def months(first: int, last: int) -> list[date]:
    return [date(2026, m, 26) for m in range(first, last + 1)]


def ended_on_15_june(
    engine: Engine, tmp_path: Path, settings: Settings, last_night: int = 6
) -> list[dict[str, int]]:
    """The demo months February to ``last_night``, then F is ended on 15 June;
    what each night's reserve payout counted."""
    registers(engine, tmp_path)
    counts = [night(engine, tmp_path, day, settings) for day in months(2, last_night)]
    with engine.begin() as conn:
        end_household(conn, "F", date(2026, 6, 15), "verhuisd", "Coach Bakker", NOW)
    return counts


def test_a_household_ended_early_gets_its_reserve_once(engine: Engine, tmp_path: Path) -> None:
    """F is ended on 15 June: May's and June's thirds (44,00) are left; the
    July run pays them to F's IBAN from the reserve, and no run pays more."""
    settings = load_settings()
    assert ended_on_15_june(engine, tmp_path, settings) == [{}] * 5
    with engine.connect() as conn:
        assert balance(conn, WATER) == 4400

    assert night(engine, tmp_path, date(2026, 7, 26), settings) == {
        "reserve_payouts": 1,
        "reserve_payout_cents": 4400,
    }
    with engine.begin() as conn:
        (paid,) = reserve_payouts(conn)
        assert (paid["payee_iban"], paid["amount_cents"], paid["source_account"]) == (
            F_IBAN,
            4400,
            WATER,
        )
        assert (paid["creditor_id"], paid["obligation_id"], paid["status"]) == (
            None,
            "F3",
            "released",
        )
        assert paid["remittance"] == "Gespaard voor water, terug naar u"
        assert balance(conn, WATER) == 0
        entry = conn.execute(
            select(ledger_entries.c.kind).where(ledger_entries.c.id == paid["entry_id"])
        ).scalar_one()
        assert entry == "reserve_payout"
        # The same night again, and a second runner afterwards: nothing more.
        assert pay_out_left_reserves(conn, date(2026, 7, 26), None, NOW) == {}
        assert pay_out_left_reserves(conn, date(2026, 7, 27), None, NOW) == {}
        july = statement(conn, "F", date(2026, 7, 1))
        assert july["reserve_to_client_cents"] == 4400
        assert [(r["kind"], r["obligation_id"], r["amount_cents"], r["status"]) for r in
                july["reserve_to_client"]] == [("water", "F3", 4400, "released")]  # fmt: skip
        assert july["reserve_to_client"][0]["payment_id"] == str(paid["id"])
        assert july["payout_to_client_cents"] == 133423 - 11000  # the month's own money
        assert statement(conn, "F", date(2026, 6, 1))["reserve_to_client"] == []

    assert night(engine, tmp_path, date(2026, 8, 26), settings) == {}
    with engine.connect() as conn:
        assert len(reserve_payouts(conn)) == 1
        june = overview_html(conn, "F", date(2026, 6, 1))
        july_html = overview_html(conn, "F", date(2026, 7, 1))
    assert "U heeft €\u00a044,00 gespaard voor water. Die rekening betaalt u nu zelf." in june
    assert 'class="handover-reserve"' in june
    assert "U had €\u00a044,00 gespaard voor water. Die rekening betaalt u nu zelf." in july_html
    assert "Gespaard geld, terug naar u" in july_html


def test_the_period_ends_with_part_of_a_quarter_saved(engine: Engine, tmp_path: Path) -> None:
    """Water from March: March-May reserved and paid from the reserve in May,
    June and July reserved (44,00) when the period ends on 31 July; that part
    goes to F in August, not before."""
    settings = load_settings()
    registers(engine, tmp_path, "F3;F;water;WATR;66,00;quarterly;Klant F-3;2026-03-01;;56a")
    for day in months(2, 7):
        assert night(engine, tmp_path, day, settings) == {}
    with engine.connect() as conn:
        may = statement(conn, "F", date(2026, 5, 1))["paid"]
        assert [p["amount_cents"] for p in may if p["kind"] == "water"] == [6600]
        assert balance(conn, WATER) == 4400
    assert night(engine, tmp_path, date(2026, 8, 26), settings)["reserve_payout_cents"] == 4400
    with engine.connect() as conn:
        assert balance(conn, WATER) == 0
        assert statement(conn, "F", date(2026, 8, 1))["reserve_to_client_cents"] == 4400


def test_valid_to_before_the_paying_month_gives_the_reserve_back(
    engine: Engine, tmp_path: Path
) -> None:
    """Water from April that ends on 31 May, inside the period: April's and
    May's thirds are never paid to the water company, so June's run pays them
    to F; the period itself goes on."""
    settings = load_settings()
    registers(
        engine, tmp_path, "F3;F;water;WATR;66,00;quarterly;Klant F-3;2026-04-01;2026-05-31;56a"
    )
    for day in months(2, 5):
        assert night(engine, tmp_path, day, settings) == {}
    assert night(engine, tmp_path, date(2026, 6, 26), settings)["reserve_payout_cents"] == 4400
    with engine.connect() as conn:
        assert statement(conn, "F", date(2026, 6, 1))["in_ontzorging"] is True
        assert balance(conn, WATER) == 0


def test_money_held_after_a_bank_return_waits_for_the_coach(engine: Engine, tmp_path: Path) -> None:
    """April's water (66,00 from the reserve) comes back from the bank (R7): it
    is held for the coach's decision, not a reserve. After F ends, only the
    44,00 left in the reserve goes to F; the 66,00 stays held."""
    settings = load_settings()
    registers(engine, tmp_path)
    for day in months(2, 4):
        night(engine, tmp_path, day, settings)
    with engine.connect() as conn:
        water = next(
            r
            for r in conn.execute(select(payment_instructions)).mappings()
            if r["obligation_id"] == "F3"
        )
    notice = tmp_path / "camt054.xml"
    notice.write_text(
        docs.camt054_02("NTF-W", docs.return_credit("R-W", water["end_to_end_id"], 6600, "AC04")),
        encoding="utf-8",
    )
    with engine.begin() as conn:
        import_bank_file(conn, notice, "test", NOW)
    for day in months(5, 6):
        night(engine, tmp_path, day, settings)
    with engine.begin() as conn:
        end_household(conn, "F", date(2026, 6, 15), "verhuisd", "Coach Bakker", NOW)
    assert night(engine, tmp_path, date(2026, 7, 26), settings)["reserve_payout_cents"] == 4400
    with engine.connect() as conn:
        held = awaiting_decision(conn, household_id="F")
        assert [(h["payment_id"], h["amount_cents"]) for h in held] == [(str(water["id"]), 6600)]
        assert -balance(conn, accounts.returned("F")) == 6600
        assert statement(conn, "F", date(2026, 4, 1))["held_cents"] == 6600


def test_creditors_only_still_pays_the_reserve_to_the_client(
    engine: Engine, tmp_path: Path
) -> None:
    """In ``creditors_only`` mode the benefits system pays the leefgeld, but it
    has already deducted the reserve: the engine, which holds that money, pays
    it to the IBAN in the register."""
    base = load_settings()
    settings = replace(base, allocation=replace(base.allocation, payout_mode="creditors_only"))
    ended_on_15_june(engine, tmp_path, settings)
    with engine.connect() as conn:
        clients = conn.execute(
            select(func.count()).where(payment_instructions.c.creditor_id.is_(None))
        ).scalar_one()
    assert clients == 0  # no leefgeld payouts in this mode
    assert night(engine, tmp_path, date(2026, 7, 26), settings)["reserve_payouts"] == 1
    with engine.connect() as conn:
        (paid,) = reserve_payouts(conn)
        assert (paid["payee_iban"], paid["amount_cents"]) == (F_IBAN, 4400)


def test_the_reserve_waits_for_the_money_of_the_last_month(engine: Engine, tmp_path: Path) -> None:
    """F ends on 15 June, but June's benefits are late: its third is not yet
    reserved, and June's run must not empty the reserve before it. Nothing is
    paid until June is allocated, or until a month later anyway."""
    settings = load_settings()
    ended_on_15_june(engine, tmp_path, settings, last_night=5)
    with engine.begin() as conn:
        assert pay_out_left_reserves(conn, date(2026, 7, 1), None, NOW) == {}
        assert pay_out_left_reserves(conn, date(2026, 8, 1), None, NOW) == {
            "reserve_payouts": 1,
            "reserve_payout_cents": 2200,
        }


def test_a_cancelled_payout_is_not_made_again_in_the_same_month(
    engine: Engine, tmp_path: Path
) -> None:
    """Finance rejects the batch with the payout: the money stays in the
    reserve, the coach is signalled, and the unique key stops a second
    payout that month; the next month's run offers it again."""
    settings = load_settings()
    ended_on_15_june(engine, tmp_path, settings)
    with engine.begin() as conn:
        allocate_due(conn, date(2026, 6, 30), settings, None, NOW)
        assert pay_out_left_reserves(conn, date(2026, 7, 1), None, NOW)["reserve_payouts"] == 1
        gather_batches(conn, date(2026, 7, 1), settings, None, NOW)
        # Awaiting approval into August: the pending payout has claimed the reserve.
        assert pay_out_left_reserves(conn, date(2026, 8, 1), None, NOW) == {}
        (batch_id,) = conn.execute(
            select(batches.c.id).where(batches.c.status == "awaiting_approval")
        ).scalars()
        reject_batch(conn, batch_id, "M. de Vries", "test", NOW, rebatch=False)
        assert balance(conn, WATER) == 4400
        assert pay_out_left_reserves(conn, date(2026, 7, 2), None, NOW) == {}
        assert check_all(conn) == []
        again = pay_out_left_reserves(conn, date(2026, 8, 1), None, NOW)
        assert again == {"reserve_payouts": 1, "reserve_payout_cents": 4400}
        assert check_all(conn) == []
