"""The demo municipality: the test households A-E of DOMAIN.md, February to
July 2026 (E runs into August), as the CSV files a municipality would send.
F is added: a quarterly water bill (reserved in thirds, paid in April and
July) and an energy contract paid on a voluntary basis after the period.
The demo itself ends F's ontzorging early (``ENDED_ON``), which leaves two
thirds of the water bill in its reserve for F (DOMAIN.md R3)."""

from __future__ import annotations

from datetime import date

from ontzorging.domain.money import euro_nl

CREDITORS = """creditor_id;name;iban;bic;kind
WOON;Woonstichting 's-Hertogenbosch;NL49TRIO0390123456;;huur
ENER;Energie Voorbeeld B.V.;NL22SNSB0912345678;;energie
WATR;Waterbedrijf Voorbeeld;NL94ASNB0707123456;;water
ZORG;Zorgverzekeraar Voorbeeld;NL36INGB0007654321;INGBNL2A;zorgverzekering
"""

HOUSEHOLDS = """household_id;bsn;name;birth_date;partner_bsn;partner_name;partner_birth_date;iban;bijstand_start;bijstand_end;coach;language
A;100000009;Ahmad Haddad;1998-05-01;;;;NL91ABNA0417164300;2026-02-01;;Coach Smit;nl
B;100000010;Samir Osman;1988-02-11;100000022;Rima Osman;1990-07-30;NL44RABO0123456789;2026-02-01;;Coach Smit;en
C;100000034;Hanna Tesfaye;1995-09-09;;;;NL20INGB0001234567;2026-02-01;;Coach Bakker;nl
D;100000046;Omar Yusuf;1992-12-24;;;;NL80BNGH0285111111;2026-02-01;;Coach Bakker;nl
E;100000058;Aïsha Al-Khalil;1999-03-15;;;;NL02ABNA0123456789;2026-02-10;;Coach Smit;en
F;100000095;Yonas Gebremedhin;1994-06-30;;;;NL38RABO0300000001;2026-02-01;;Coach Bakker;nl
"""

OBLIGATIONS = """obligation_id;household_id;kind;creditor_id;amount;frequency;reference;valid_from;valid_to;legal_basis
A1;A;huur;WOON;615,00;monthly;Contract A-1;2026-02-01;2026-06-30;56a
A1-2026-07;A;huur;WOON;640,22;monthly;Contract A-1;2026-07-01;;56a
A2;A;energie;ENER;95,00;monthly;Klant A-2;2026-02-01;;56a
A3;A;water;WATR;15,00;monthly;Klant A-3;2026-02-01;;56a
A4;A;zorgverzekering;ZORG;142,40;monthly;Polis A-4;2026-02-01;;56a
B1;B;huur;WOON;780,00;monthly;Contract B-1;2026-02-01;;56a
B2;B;energie;ENER;165,00;monthly;RF56ZORGC4;2026-02-01;;56a
B3;B;water;WATR;32,00;monthly;Klant B-3;2026-02-01;;56a
B4;B;zorgverzekering;ZORG;142,45;monthly;Polis B-4;2026-02-01;;56a
B5;B;zorgverzekering;ZORG;142,45;monthly;Polis B-5;2026-02-01;;56a
C1;C;huur;WOON;690,00;monthly;Contract C-1;2026-02-01;;56a
C2;C;energie;ENER;120,00;monthly;Klant C-2;2026-02-01;;56a
C3;C;water;WATR;22,00;monthly;Klant C-3;2026-02-01;;56a
C4;C;zorgverzekering;ZORG;159,99;monthly;0123456789012345;2026-02-01;;56a
D1;D;huur;WOON;700,00;monthly;Contract D-1;2026-02-01;;56a
D2;D;energie;ENER;140,00;monthly;Klant D-2;2026-02-01;;56a
D3;D;water;WATR;25,00;monthly;Klant D-3;2026-02-01;;56a
D4;D;zorgverzekering;ZORG;142,40;monthly;Polis D-4;2026-02-01;;56a
E1;E;huur;WOON;615,00;monthly;Contract E-1;2026-02-01;;56a
E2;E;energie;ENER;95,00;monthly;Klant E-2;2026-02-01;;56a
E3;E;water;WATR;15,00;monthly;Klant E-3;2026-02-01;;56a
E4;E;zorgverzekering;ZORG;142,40;monthly;Polis E-4;2026-02-01;;56a
E5;E;zorgverzekering;ZORG;284,80;once;Polis E-4 premie dec-jan;2026-02-01;;56a
F1;F;huur;WOON;650,00;monthly;Contract F-1;2026-02-01;;56a
F2;F;energie;ENER;110,00;monthly;Klant F-2;2026-02-01;;vrijwillig
F3;F;water;WATR;66,00;quarterly;Klant F-3;2026-02-01;;56a
F4;F;zorgverzekering;ZORG;142,40;monthly;Polis F-4;2026-02-01;;56a
"""

# Monthly bijstand excluding vakantietoeslag (DOMAIN.md's table).
MONTHLY_CENTS = {"A": 133423, "B": 190603, "C": 133423, "D": 95302, "E": 133423, "F": 133423}
BSN = {
    "A": "100000009",
    "B": "100000010",
    "C": "100000034",
    "D": "100000046",
    "E": "100000058",
    "F": "100000095",
}
MONTHS = tuple(date(2026, m, 1) for m in range(2, 9))


def bijstand_file(month: date) -> str:
    """The benefits run of ``month``: paid on the 26th for that month."""
    payout = month.replace(day=26).isoformat()
    period = f"{month.year}-{month.month:02d}"
    lines = ["payment_id;bsn;period;kind;amount;payout_date;iban"]
    for hid, cents in MONTHLY_CENTS.items():
        if hid == "E" and month == date(2026, 2, 1):
            cents = 95102  # partial first month, from 10 February
        if month == date(2026, 8, 1) and hid not in "EF":
            # Only E's period (10 Feb - 9 Aug) reaches August; F still has
            # bijstand and a voluntary energy payment after its period.
            continue
        lines.append(
            f"{period}-{hid};{BSN[hid]};{period};levensonderhoud;{euro_nl(cents, thousands=False)};{payout};"
        )
    if month == date(2026, 3, 1):
        # A later back payment for E's February covers part of its shortfall.
        lines.append(f"2026-02-E-nabetaling;{BSN['E']};2026-02;nabetaling;100,00;{payout};")
    if month == date(2026, 6, 1):
        lines.append(f"2026-06-A-vt;{BSN['A']};2026-06;vakantietoeslag;403,62;{payout};")
    return "\n".join(lines) + "\n"


ENDED_HOUSEHOLD = "F"
ENDED_ON = date(2026, 6, 15)
ENDED_MONTH = date(2026, 6, 1)
"""After this month's nightly run the coach ends F's ontzorging (``households end``)."""
ENDED_REASON = "verhuisd naar een andere gemeente"
ENDED_BY = "Coach Bakker"  # F's coach in the register

RESENT_MONTH = date(2026, 3, 1)
"""The month whose benefits run the demo's benefits system sends twice."""


def resent_bijstand_file(month: date) -> str:
    """``month``'s benefits run again, every payment_id prefixed: the same
    payments under new ids, which the import refuses (ADR 0006)."""
    header, *rows = bijstand_file(month).strip().splitlines()
    return "\n".join([header, *(f"OPNIEUW-{row}" for row in rows)]) + "\n"


MISTYPED_MONTH = date(2026, 5, 1)
"""The month in which a correction file with a typing error arrives."""


def mistyped_bijstand_file(month: date) -> str:
    """A nabetaling for C whose amount is C's BSN, typed in the wrong column:
    the import refuses it (above any plausible amount), nothing is paid."""
    period = f"{month.year}-{month.month:02d}"
    payout = month.replace(day=26).isoformat()
    return (
        "payment_id;bsn;period;kind;amount;payout_date;iban\n"
        f"{period}-C-correctie;{BSN['C']};{period};nabetaling;{BSN['C']};{payout};\n"
    )
