from __future__ import annotations

from decimal import Decimal

import pytest

from ontzorging.domain.money import euro_decimal, euro_dot, euro_nl, euro_sign


@pytest.mark.parametrize(
    ("cents", "nl", "sign", "dot"),
    [
        (0, "0,00", "€ 0,00", "0.00"),
        (5, "0,05", "€ 0,05", "0.05"),
        (133423, "1.334,23", "€ 1.334,23", "1334.23"),
        (10000034, "100.000,34", "€ 100.000,34", "100000.34"),
        (-500, "-5,00", "-€ 5,00", "-5.00"),
        (99_999_999_999, "999.999.999,99", "€ 999.999.999,99", "999999999.99"),
    ],
)
def test_each_notation(cents: int, nl: str, sign: str, dot: str) -> None:
    assert euro_nl(cents) == nl
    assert euro_sign(cents) == sign
    assert euro_dot(cents) == dot
    assert euro_decimal(cents) == Decimal(dot)


def test_without_thousands_separator_for_csv_files() -> None:
    assert euro_nl(133423, thousands=False) == "1334,23"


def test_no_float_rounding_at_the_limit() -> None:
    # 0.29 * 100 is 28.999999999999996 as a float; cents never pass through one
    assert euro_dot(29) == "0.29"
    assert euro_decimal(99_999_999_999) == Decimal("999999999.99")
