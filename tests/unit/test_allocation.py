"""The allocation policy: hand-computed cases from DOMAIN.md and
property-based invariants."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ontzorging.domain.allocation import (
    Allocation,
    Due,
    Money,
    Obligation,
    Policy,
    Taken,
    allocate,
    dues_for,
)
from ontzorging.domain.periods import Period

PRIORITY = ("huur", "energie", "zorgverzekering", "water", "overig")
POLICY = Policy(PRIORITY)
MARCH = date(2026, 3, 1)
PERIOD = Period.for_household(date(2026, 3, 1))


def pay(oid: str, kind: str, cents: int) -> Due:
    return Due(oid, kind, "C-" + kind, "pay", cents)


def levensonderhoud(cents: int, pid: str = "P1") -> Money:
    return Money(pid, "levensonderhoud", cents)


HOUSEHOLD_D = [
    pay("D1", "huur", 70000),
    pay("D2", "energie", 14000),
    pay("D3", "water", 2500),
    pay("D4", "zorgverzekering", 14240),
]


def amounts(result: Allocation) -> dict[str, tuple[int, int]]:
    return {line.obligation_id: (line.amount_cents, line.shortfall_cents) for line in result.lines}


def test_household_a_leefgeld() -> None:
    dues = [
        pay("A1", "huur", 61500),
        pay("A2", "energie", 9500),
        pay("A3", "water", 1500),
        pay("A4", "zorgverzekering", 14240),
    ]
    result = allocate(dues, [levensonderhoud(133423)], [], POLICY)
    assert result.payout_cents == 46683
    assert all(short == 0 for _, short in amounts(result).values())


def test_household_d_shortfall_in_priority_order() -> None:
    result = allocate(HOUSEHOLD_D, [levensonderhoud(95302)], [], POLICY)
    assert amounts(result) == {
        "D1": (70000, 0),
        "D2": (14000, 0),
        "D4": (11302, 2938),
        "D3": (0, 2500),
    }
    assert [line.obligation_id for line in result.lines] == ["D1", "D2", "D4", "D3"]
    assert result.payout_cents == 0


def test_without_partial_payments_the_first_misfit_gets_nothing_and_stops() -> None:
    result = allocate(
        HOUSEHOLD_D, [levensonderhoud(95302)], [], Policy(PRIORITY, allow_partial=False)
    )
    assert amounts(result) == {
        "D1": (70000, 0),
        "D2": (14000, 0),
        "D4": (0, 14240),
        "D3": (0, 2500),
    }
    assert result.payout_cents == 95302 - 84000


def test_lower_priority_never_goes_first_even_if_it_would_fit() -> None:
    dues = [pay("X1", "huur", 50000), pay("X2", "water", 1000)]
    result = allocate(dues, [levensonderhoud(40000)], [], POLICY)
    assert amounts(result) == {"X1": (40000, 10000), "X2": (0, 1000)}


def test_leefgeld_floor_is_kept() -> None:
    result = allocate(HOUSEHOLD_D, [levensonderhoud(95302)], [], Policy(PRIORITY, 10000))
    assert result.payout_cents == 10000
    assert amounts(result)["D4"] == (1302, 12938)


def test_nabetaling_first_covers_the_months_shortfall() -> None:
    first = allocate(HOUSEHOLD_D, [levensonderhoud(95302)], [], POLICY)
    taken = [Taken(line.obligation_id, line.purpose, line.amount_cents) for line in first.lines]
    later = allocate(HOUSEHOLD_D, [Money("P2", "nabetaling", 5000)], taken, POLICY)
    assert amounts(later) == {"D4": (2938, 0), "D3": (2062, 438)}
    assert later.payout_cents == 0
    again = allocate(
        HOUSEHOLD_D,
        [Money("P3", "nabetaling", 1000)],
        taken + [Taken(x.obligation_id, x.purpose, x.amount_cents) for x in later.lines],
        POLICY,
    )
    assert amounts(again) == {"D3": (438, 0)}
    assert again.payout_cents == 562


def test_pass_through_kinds_are_never_withheld() -> None:
    money = [
        levensonderhoud(95302),
        Money("VT", "vakantietoeslag", 40362),
        Money("BB", "bijzondere_bijstand", 10000),
    ]
    result = allocate(HOUSEHOLD_D, money, [], POLICY)
    assert result.payout_cents == 50362
    assert amounts(result)["D3"] == (0, 2500)


def test_everything_taken_before_takes_nothing_again() -> None:
    taken = [Taken(d.obligation_id, "pay", d.amount_cents) for d in HOUSEHOLD_D]
    result = allocate(HOUSEHOLD_D, [levensonderhoud(5000, "P9")], taken, POLICY)
    assert result.lines == ()
    assert result.payout_cents == 5000


def obligation(
    frequency: str, amount: int, valid_from: date, basis: str = "56a", valid_to: date | None = None
) -> Obligation:
    return Obligation("O1", "water", "WATR", amount, frequency, valid_from, valid_to, basis)  # type: ignore[arg-type]


def test_quarterly_reserves_thirds_and_pays_in_the_third_month() -> None:
    water = obligation("quarterly", 10000, date(2026, 3, 1))
    parts = [dues_for(water, date(2026, m, 1), PERIOD) for m in (3, 4, 5, 6, 7, 8)]
    assert [[(d.purpose, d.amount_cents) for d in p] for p in parts] == [
        [("reserve", 3333)],
        [("reserve", 3333)],
        [("reserve", 3334), ("pay_reserve", 10000)],
        [("reserve", 3333)],
        [("reserve", 3333)],
        [("reserve", 3334), ("pay_reserve", 10000)],
    ]


def test_quarterly_payment_comes_from_the_reserve() -> None:
    dues = list(
        dues_for(obligation("quarterly", 10000, date(2026, 3, 1)), date(2026, 5, 1), PERIOD)
    )
    result = allocate(
        dues, [levensonderhoud(50000)], [], POLICY, reserve_balance_cents={"O1": 6666}
    )
    assert {(line.purpose, line.amount_cents, line.shortfall_cents) for line in result.lines} == {
        ("reserve", 3334, 0),
        ("pay_reserve", 10000, 0),
    }
    assert result.payout_cents == 50000 - 3334


def test_once_is_due_only_in_its_month_and_56a_only_in_the_period() -> None:
    once = obligation("once", 28480, date(2026, 3, 1))
    assert [d.amount_cents for d in dues_for(once, MARCH, PERIOD)] == [28480]
    assert dues_for(once, date(2026, 4, 1), PERIOD) == ()
    monthly = obligation("monthly", 1500, date(2026, 3, 1))
    assert dues_for(monthly, date(2026, 9, 1), PERIOD) == ()
    art57 = obligation("monthly", 1500, date(2026, 3, 1), "57")
    assert [d.amount_cents for d in dues_for(art57, date(2026, 9, 1), PERIOD)] == [1500]
    ended = obligation("monthly", 1500, date(2026, 3, 1), valid_to=date(2026, 4, 10))
    assert dues_for(ended, date(2026, 4, 1), PERIOD) != ()
    assert dues_for(ended, date(2026, 5, 1), PERIOD) == ()


# --- properties ---------------------------------------------------------------

KINDS = st.sampled_from(PRIORITY)
dues_strategy = st.lists(
    st.builds(
        lambda i, k, a, r: Due(f"O{i}", k, "C", "reserve" if r else "pay", a),
        st.integers(0, 30),
        KINDS,
        st.integers(1, 200_000),
        st.booleans(),
    ),
    max_size=8,
    unique_by=lambda d: (d.obligation_id, d.purpose),
)
money_strategy = st.lists(
    st.builds(
        Money,
        st.text("P0123456789", min_size=1, max_size=4),
        st.sampled_from(
            ["levensonderhoud", "voorschot", "nabetaling", "vakantietoeslag", "bijzondere_bijstand"]
        ),
        st.integers(0, 300_000),
    ),
    max_size=4,
)
policy_strategy = st.builds(
    Policy, st.permutations(PRIORITY).map(tuple), st.integers(0, 50_000), st.booleans()
)


@settings(max_examples=300)
@given(dues_strategy, money_strategy, policy_strategy)
def test_money_is_conserved_and_nothing_is_negative(dues, money, policy) -> None:  # type: ignore[no-untyped-def]
    result = allocate(dues, money, [], policy)
    assert result.taken_cents + result.payout_cents == sum(m.amount_cents for m in money)
    assert result.payout_cents >= 0
    for line in result.lines:
        assert line.amount_cents >= 0 and line.shortfall_cents >= 0
        due = next(
            d for d in dues if (d.obligation_id, d.purpose) == (line.obligation_id, line.purpose)
        )
        assert line.amount_cents + line.shortfall_cents == due.amount_cents


@settings(max_examples=300)
@given(dues_strategy, money_strategy, policy_strategy)
def test_priority_is_never_inverted(dues, money, policy) -> None:  # type: ignore[no-untyped-def]
    result = allocate(dues, money, [], policy)
    seen_short = False
    for line in result.lines:
        if seen_short:
            assert line.amount_cents == 0, "a lower item was paid after an unpaid higher one"
        if line.shortfall_cents:
            seen_short = True
    ranks = [policy.priority.index(line.kind) for line in result.lines]
    assert ranks == sorted(ranks)


@settings(max_examples=300)
@given(dues_strategy, money_strategy, policy_strategy)
def test_allocating_the_same_facts_again_adds_nothing(dues, money, policy) -> None:  # type: ignore[no-untyped-def]
    first = allocate(dues, money, [], policy)
    taken = [Taken(line.obligation_id, line.purpose, line.amount_cents) for line in first.lines]
    full = [Taken(d.obligation_id, d.purpose, d.amount_cents) for d in dues]
    again = allocate(dues, [], taken, policy)
    assert again.taken_cents == 0
    settled = allocate(dues, money, full, policy)
    assert settled.taken_cents == 0
    assert settled.payout_cents == sum(m.amount_cents for m in money)


@pytest.mark.parametrize("kind", ["onbekend", ""])
def test_unknown_benefit_kind_is_a_bug(kind: str) -> None:
    from ontzorging.domain.allocation import AllocationError

    with pytest.raises(AllocationError):
        allocate([], [Money("P", kind, 100)], [], POLICY)
