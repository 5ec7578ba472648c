"""The one statement function, pure: rows in, the figures of DESIGN.md 5.4 out."""

from __future__ import annotations

from datetime import date

from ontzorging.domain.periods import Period
from ontzorging.domain.statement_figures import (
    AllocationLineRow,
    IncomeRow,
    PaymentRow,
    StatementHousehold,
    StatementRows,
    statement_figures,
)

MARCH = date(2026, 3, 1)
PERIOD = Period(date(2026, 2, 1), date(2026, 7, 31))


def rows(language: str = "nl", **parts: object) -> StatementRows:
    return StatementRows(StatementHousehold("D", language, PERIOD), MARCH, **parts)  # type: ignore[arg-type]


def pay(
    pid: int, creditor: str | None, cents: int, status: str = "released", **more: object
) -> PaymentRow:
    return PaymentRow(
        pid,
        "huur" if creditor else "leefgeld",
        creditor,
        cents,
        status,
        f"OZ-{pid}",
        date(2026, 3, 26),
        **more,
    )  # type: ignore[arg-type]


def line(
    aid: int, lid: int, oid: str, purpose: str, shortfall: int, amount: int = 0
) -> AllocationLineRow:
    return AllocationLineRow(aid, lid, oid, purpose, "zorgverzekering", amount, shortfall)


def test_an_empty_month_outside_nothing() -> None:
    f = statement_figures(rows())
    d = f.as_dict()
    assert (d["period"], d["in_ontzorging"], d["month_number"]) == ("2026-03", True, 2)
    assert (d["income_cents"], d["paid"], d["held_cents"], d["shortfall"]) == (0, [], 0, [])


def test_income_is_summed_per_kind_in_order() -> None:
    f = statement_figures(
        rows(income=(IncomeRow("levensonderhoud", 95302), IncomeRow("bijzondere_bijstand", 15000)))
    )
    assert f.as_dict()["income_by_kind"] == {"levensonderhoud": 95302, "bijzondere_bijstand": 15000}
    assert f.income_cents == 110302


def test_paid_lists_creditors_only_and_held_counts_what_awaits_a_decision() -> None:
    f = statement_figures(
        rows(
            payments=(
                pay(1, "WOON", 70000),
                pay(2, None, 5000, "returned", reason_code="AC04"),
                pay(3, "ENER", 14000, "rejected", reason_code="MS03"),
                pay(
                    4,
                    "ZORG",
                    11302,
                    "returned",
                    reason_code="AC04",
                    decision="repay",
                    new_payment_id=9,
                ),
            )
        )
    )
    paid = f.as_dict()["paid"]
    assert [p["payment_id"] for p in paid] == ["1", "3", "4"]
    assert f.held_cents == 5000 + 14000  # the client's returned payout too; not the decided one
    assert f.problem_payments == 1
    assert paid[1]["reason_code"] == "MS03" and paid[1]["reason"]
    assert (paid[2]["decision"], paid[2]["new_payment_id"]) == ("repay", "9")
    assert "reason_code" not in paid[0] and paid[0]["end_to_end_id"] == "OZ-1"


def test_the_reason_is_in_the_households_language() -> None:
    held = (pay(3, "ENER", 14000, "rejected", reason_code="MS03"),)
    nl = statement_figures(rows("nl", payments=held)).as_dict()["paid"][0]["reason"]
    en = statement_figures(rows("en", payments=held)).as_dict()["paid"][0]["reason"]
    assert nl != en


def test_the_shortfall_is_the_latest_allocation_of_each_due() -> None:
    lines = (
        line(1, 1, "D4", "due", 11302),
        line(1, 2, "D3", "due", 2500),
        line(2, 3, "D4", "due", 5000),  # a later allocation of D4: replaces 11302
        line(2, 4, "D4", "pay_reserve", 99999),  # paying out a reserve takes no money
        line(2, 5, "D5", "reserve", 0, amount=700),
    )
    f = statement_figures(rows(lines=lines))
    assert [(s.obligation_id, s.amount_cents) for s in f.shortfall] == [("D4", 5000), ("D3", 2500)]
    assert f.shortfall_cents == 7500
    assert f.reserved_cents == 700


def test_outside_the_period() -> None:
    f = statement_figures(
        StatementRows(StatementHousehold("H", "nl", PERIOD), date(2026, 9, 1), payout_cents=100)
    )
    assert not f.in_ontzorging
    assert f.as_dict()["payout_to_client_cents"] == 100
