"""Euro amounts for people and files: every notation the engine writes, in one
place. Inside, money is integer cents (STYLE.md); these are for the edges, and
none goes through a float.

    euro_nl(133423)      -> "1.334,23"    (Dutch notation: messages, reviews, CSV)
    euro_sign(133423)    -> "€ 1.334,23"
    euro_dot(133423)     -> "1334.23"     (XML and ISO amounts)
    euro_decimal(133423) -> Decimal("1334.23")  (spreadsheet cells)
"""

from __future__ import annotations

from decimal import Decimal

CENT = Decimal("0.01")


def euro_nl(cents: int, *, thousands: bool = True) -> str:
    sign = "-" if cents < 0 else ""
    whole = f"{abs(cents) // 100:,}".replace(",", ".") if thousands else str(abs(cents) // 100)
    return f"{sign}{whole},{abs(cents) % 100:02d}"


def euro_sign(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}€ {euro_nl(abs(cents))}"


def euro_dot(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def euro_decimal(cents: int) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(CENT)
