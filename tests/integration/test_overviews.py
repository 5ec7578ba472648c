"""The monthly overviews on a real database: the test households A-D of
DOMAIN.md in March 2026 and a few more (a mid-month start, a rent change, a
quarterly cost, art. 57, a period that has not started), driven through the
real imports and allocation. The HTML is parsed and its figures compared
with ``statement()``, the source of ``ontzorging statement --json``."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from sqlalchemy import Engine, update

from ontzorging.adapters import pdf as pdf_output
from ontzorging.adapters.faults import FAULT_ENV
from ontzorging.adapters.process_pages import WorkerStopped
from ontzorging.adapters.schema import households, payment_instructions, signals
from ontzorging.allocation.allocate import allocate_due
from ontzorging.intake.imports import import_file
from ontzorging.register.signals import raise_period_signals
from ontzorging.reports.overviews import (
    LANGUAGES,
    catalogue,
    overview_html,
    write_overviews,
)
from ontzorging.reports.statements import UnknownHousehold, statement
from ontzorging.settings import load_settings

MARCH, JUNE, JULY, AUGUST = (date(2026, m, 1) for m in (3, 6, 7, 8))
NOW = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)

# A-D: DOMAIN.md's table (../shared/tools/contract-smoke). E starts mid-month
# (seven months); F and G end 42 and 43 days after 30 June; H is paid under
# art. 57 after its period; I starts in May. A's rent changes on 1 July; C's
# water is quarterly; B also gets bijzondere bijstand, which passes through.
HOUSEHOLDS = """household_id;bsn;name;birth_date;partner_bsn;partner_name;partner_birth_date;iban;bijstand_start;bijstand_end;coach;language
A;100000009;Ahmad Haddad;1998-05-01;;;;NL91ABNA0417164300;2026-03-01;;Coach Smit;nl
B;100000010;Samir Osman;1988-02-11;100000022;Rima Osman;1990-07-30;NL44RABO0123456789;2026-03-01;;Coach Smit;en
C;100000034;Hanna Tesfaye;1995-09-09;;;;NL20INGB0001234567;2026-03-01;;Coach Bakker;nl
D;100000046;Omar Yusuf;1992-12-24;;;;NL80BNGH0285111111;2026-03-01;;Coach Bakker;nl
E;100000058;Lina Haile;1999-01-15;;;;NL02ABNA0123456789;2026-02-10;;Coach Smit;en
F;100000071;Yonas Berhe;1990-03-03;;;;NL93RABO0987654321;2026-02-12;;Coach Bakker;nl
G;100000083;Amal Nasser;1991-04-04;;;;NL03INGB0004567890;2026-02-13;;Coach Bakker;nl
H;100000095;Karim Saleh;1985-05-05;;;;NL67ASNB0123123123;2025-06-01;;Coach Smit;nl
I;100000101;Nour Aziz;1993-06-06;;;;NL63SNSB0321321321;2026-05-01;;Coach Smit;nl
"""
BSNS = (
    "100000009",
    "100000010",
    "100000022",
    "100000034",
    "100000046",
    "100000058",
    "100000071",
    "100000083",
    "100000095",
    "100000101",
)
CREDITORS = """creditor_id;name;iban;bic;kind
WOON;Woonstichting Voorbeeld;NL49TRIO0390123456;;huur
ENER;Energie Voorbeeld B.V.;NL22SNSB0912345678;;energie
WATR;Waterbedrijf Voorbeeld;NL94ASNB0707123456;;water
ZORG;Zorgverzekeraar Voorbeeld;NL36INGB0007654321;;zorgverzekering
"""
OBLIGATIONS = """obligation_id;household_id;kind;creditor_id;amount;frequency;reference;valid_from;valid_to;legal_basis
A1;A;huur;WOON;615,00;monthly;Contract A-1;2026-03-01;2026-06-30;56a
A1B;A;huur;WOON;640,22;monthly;Contract A-1;2026-07-01;;56a
A2;A;energie;ENER;95,00;monthly;Klant A-2;2026-03-01;;56a
A3;A;water;WATR;15,00;monthly;Klant A-3;2026-03-01;;56a
A4;A;zorgverzekering;ZORG;142,40;monthly;Polis A-4;2026-03-01;;56a
B1;B;huur;WOON;780,00;monthly;Contract B-1;2026-03-01;;56a
B2;B;energie;ENER;165,00;monthly;Klant B-2;2026-03-01;;56a
B3;B;water;WATR;32,00;monthly;Klant B-3;2026-03-01;;56a
B4;B;zorgverzekering;ZORG;142,45;monthly;Polis B-4;2026-03-01;;56a
B5;B;zorgverzekering;ZORG;142,45;monthly;Polis B-5;2026-03-01;;56a
C1;C;huur;WOON;690,00;monthly;Contract C-1;2026-03-01;;56a
C2;C;energie;ENER;120,00;monthly;Klant C-2;2026-03-01;;56a
C3;C;water;WATR;66,00;quarterly;Klant C-3;2026-03-01;;56a
C4;C;zorgverzekering;ZORG;159,99;monthly;Polis C-4;2026-03-01;;56a
D1;D;huur;WOON;700,00;monthly;Contract D-1;2026-03-01;;56a
D2;D;energie;ENER;140,00;monthly;Klant D-2;2026-03-01;;56a
D3;D;water;WATR;25,00;monthly;Klant D-3;2026-03-01;;56a
D4;D;zorgverzekering;ZORG;142,40;monthly;Polis D-4;2026-03-01;;56a
E1;E;huur;WOON;615,00;monthly;Contract E-1;2026-03-01;;56a
E2;E;energie;ENER;95,00;monthly;Klant E-2;2026-03-01;;56a
E4;E;zorgverzekering;ZORG;142,40;monthly;Polis E-4;2026-03-01;;56a
F1;F;huur;WOON;600,00;monthly;Contract F-1;2026-03-01;;56a
G1;G;huur;WOON;600,00;monthly;Contract G-1;2026-03-01;;56a
H1;H;huur;WOON;650,00;monthly;Contract H-1;2025-12-01;;57
I1;I;huur;WOON;600,00;monthly;Contract I-1;2026-05-01;;56a
"""
BIJSTAND = """payment_id;bsn;period;kind;amount;payout_date;iban
PA;100000009;2026-03;levensonderhoud;1.334,23;2026-03-26;
PB;100000010;2026-03;levensonderhoud;1.906,03;2026-03-26;
PB2;100000010;2026-03;bijzondere_bijstand;150,00;2026-03-26;
PC;100000034;2026-03;levensonderhoud;1334,23;2026-03-26;
PD;100000046;2026-03;levensonderhoud;953.02;2026-03-26;
PE;100000058;2026-03;levensonderhoud;1334,23;2026-03-26;
PF;100000071;2026-03;levensonderhoud;1200,00;2026-03-26;
PG;100000083;2026-03;levensonderhoud;1200,00;2026-03-26;
PH;100000095;2026-03;levensonderhoud;1334,23;2026-03-26;
"""
IN_MARCH = ("A", "B", "C", "D", "E", "F", "G", "H")
LANGUAGE = {"B": "en", "E": "en"}


def load_municipality(engine: Engine, directory: Path) -> None:
    """The March 2026 imports and allocation (no batches yet)."""
    with engine.begin() as conn:
        for kind, text in (
            ("creditors", CREDITORS),
            ("households", HOUSEHOLDS),
            ("obligations", OBLIGATIONS),
            ("bijstand", BIJSTAND),
        ):
            path = directory / f"{kind}.csv"
            path.write_text(text, encoding="utf-8")
            import_file(conn, kind, path, "test", NOW)
        allocate_due(conn, date(2026, 3, 28), load_settings(), None, NOW)


@pytest.fixture
def municipality(engine: Engine, tmp_path: Path) -> Engine:
    """The shared migrated database (SQLite, and PostgreSQL when configured) with data."""
    load_municipality(engine, tmp_path)
    return engine


@pytest.fixture
def march(municipality: Engine, tmp_path: Path) -> Path:
    """The overviews directory after writing March (no PDF)."""
    out = tmp_path / "march"
    with municipality.connect() as conn:
        write_overviews(conn, out, MARCH, pdf=False)
    return out


def cents_of(text: str, language: str) -> int:
    """Read a displayed amount back: "€ 1.334,23" (nl) or "€1,334.23" (en)."""
    digits = text.replace("€", "").replace("\u00a0", "").strip()
    if language == "nl":
        digits = digits.replace(".", "").replace(",", ".")
    else:
        digits = digits.replace(",", "")
    return int(Decimal(digits) * 100)


_SIMPLE = re.compile(r"^(?P<tag>[a-z0-9]*)(?:#(?P<id>[\w-]+))?(?P<classes>(?:\.[\w-]+)*)$")


def xpath_of(selector: str) -> str:
    """A CSS selector of the simple kind used here (tag, #id, .class, descendant,
    comma) as XPath; lxml's cssselect needs a package we do not depend on."""
    paths = []
    for alternative in selector.split(","):
        steps = []
        for part in alternative.split():
            match = _SIMPLE.match(part)
            if match is None:
                raise ValueError(f"selector not supported: {part!r}")
            tests = [f"@id='{match['id']}'"] if match["id"] else []
            tests += [
                f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"
                for name in match["classes"].split(".")[1:]
            ]
            steps.append((match["tag"] or "*") + "".join(f"[{t}]" for t in tests))
        paths.append("descendant-or-self::" + "//".join(steps))
    return " | ".join(paths)


def select_all(element: Any, selector: str) -> list[Any]:
    return list(element.xpath(xpath_of(selector)))


@dataclass
class Page:
    root: Any
    language: str

    def amount(self, element: Any) -> int:
        """The amount an element shows, checked against its data-cents."""
        span = (
            element
            if "amount" in element.get("class", "").split() and element.tag == "span"
            else select_all(element, "span.amount")[0]
        )
        shown = cents_of(span.text_content(), self.language)
        assert shown == int(span.get("data-cents")), span.text_content()
        return shown

    def by_id(self, element_id: str) -> int:
        return self.amount(self.root.get_element_by_id(element_id))

    def find(self, selector: str) -> list[Any]:
        return select_all(self.root, selector)

    def text(self) -> str:
        return str(self.root.text_content())


def page(directory: Path, month: date, hid: str) -> Page:
    language = LANGUAGE.get(hid, "nl")
    path = directory / f"{month:%Y-%m}" / f"{hid}.{language}.html"
    return Page(lxml.html.fromstring(path.read_bytes()), language)


# --- The figures -----------------------------------------------------------------


def assert_figures_are_the_statements(p: Page, st: dict[str, Any]) -> None:
    assert p.by_id("income-total") == st["income_cents"]
    assert {r.get("data-kind"): p.amount(r) for r in p.find("tr.income-row")} == (
        st["income_by_kind"]
    )
    rows = [
        {
            "payment_id": r.get("data-payment-id"),
            "kind": r.get("data-kind"),
            "creditor_id": r.get("data-creditor-id"),
            "status": r.get("data-status"),
            "amount_cents": p.amount(r),
        }
        for r in p.find("tr.paid-row")
    ]
    assert rows == [
        {k: row[k] for k in ("payment_id", "kind", "creditor_id", "status", "amount_cents")}
        for row in st["paid"]
    ]
    assert p.by_id("paid-total") == sum(row["amount_cents"] for row in st["paid"])
    assert p.by_id("payout-total") == st["payout_to_client_cents"]
    shortfall = [
        {
            "kind": r.get("data-kind"),
            "obligation_id": r.get("data-obligation-id"),
            "amount_cents": p.amount(r),
        }
        for r in p.find("tr.shortfall-row")
    ]
    assert shortfall == st["shortfall"]
    if st["reserved_cents"]:
        assert p.by_id("reserved-month") == st["reserved_cents"]
    else:
        assert not p.find("#reserved-month")
    if st["in_ontzorging"]:
        k_of_n = p.root.get_element_by_id("month-k-of-n")
        assert int(k_of_n.get("data-k")) == st["month_number"]
        assert p.root.get_element_by_id("period-end").get("datetime") == st["period_end"]


def test_the_figures_are_the_statements(municipality: Engine, march: Path) -> None:
    """Every household, both languages: B and E read English, the others Dutch."""
    for hid in IN_MARCH:
        with municipality.connect() as conn:
            st = statement(conn, hid, MARCH)
        p = page(march, MARCH, hid)
        assert p.root.get("lang") == LANGUAGE.get(hid, "nl"), hid
        assert_figures_are_the_statements(p, st)


def test_the_test_households_have_domain_figures(municipality: Engine, march: Path) -> None:
    """DOMAIN.md's table as the client reads it (not only as data-cents)."""
    a, d = page(march, MARCH, "A"), page(march, MARCH, "D")
    assert a.root.get_element_by_id("payout-total").text_content() == "€\u00a0466,83"
    assert d.root.get_element_by_id("shortfall-total").text_content() == "€\u00a054,38"
    b = page(march, MARCH, "B")
    assert b.root.get_element_by_id("income-total").text_content() == "€2,056.03"
    assert "Special assistance" in b.text()


def test_paid_rows_name_the_creditor_kind_and_date(march: Path) -> None:
    a = page(march, MARCH, "A")
    first = a.find("tr.paid-row")[0]
    assert select_all(first, "td.creditor")[0].text_content() == "Woonstichting Voorbeeld"
    assert select_all(first, "td.kind")[0].text_content() == "Huur"
    assert select_all(first, "td.status")[0].text_content() == "Wordt klaargezet"
    assert select_all(first, "time")[0].get("datetime") == "2026-03-26"
    assert a.find("tr.payout-row time")[0].get("datetime") == "2026-03-26"
    e = page(march, MARCH, "E")
    assert e.find("tr.paid-row td.kind")[0].text_content() == "Rent"
    assert "26 March 2026" in e.find("tr.paid-row td.date")[0].text_content()


def test_a_quarterly_cost_shows_the_reserve(march: Path) -> None:
    c = page(march, MARCH, "C")
    assert c.by_id("reserved-month") == 2200
    assert c.by_id("reserve-held") == 2200
    assert c.find(".chart .bar-reserved")[0].get("data-cents") == "2200"


def test_a_shortfall_is_explained_and_a_signal(march: Path) -> None:
    d = page(march, MARCH, "D")
    assert "De gemeente betaalt het later niet vanzelf" in d.text()
    assert [li.text_content() for li in d.find("li.signal")] == [
        "Niet alles kon worden betaald: Zorgverzekering maart 2026.",
        "Niet alles kon worden betaald: Water maart 2026.",
    ]
    assert not page(march, MARCH, "A").find("#shortfall")


def test_the_chart_shows_where_the_money_went(march: Path) -> None:
    a = page(march, MARCH, "A")
    rows = a.find(".chart .bar")
    bars = {g.get("class").split()[1]: int(g.get("data-cents")) for g in rows}
    assert bars == {
        "bar-huur": 61500,
        "bar-energie": 9500,
        "bar-zorgverzekering": 14240,
        "bar-water": 1500,
        "bar-payout": 46683,
    }
    # Each bar's length is its share of the largest amount, in whole percents.
    widths = {g.get("class").split()[1]: select_all(g, ".bar-fill")[0].get("style") for g in rows}
    assert widths["bar-huur"] == "width: 100%"
    assert widths["bar-payout"] == f"width: {100 * 46683 // 61500}%"
    assert widths["bar-water"] == f"width: {100 * 1500 // 61500}%"
    assert select_all(rows[0], ".bar-amount")[0].text_content() == "€\u00a0615,00"
    (figure,) = a.find(".chart")
    assert figure.get("role") == "img"
    assert figure.get("aria-label") == "Staafdiagram: waar uw geld in maart 2026 naartoe ging"


def test_month_k_of_n_counts_seven_for_a_mid_month_start(march: Path) -> None:
    e = page(march, MARCH, "E")
    assert e.root.get_element_by_id("month-k-of-n").text_content() == "This is month 2 of 7."
    assert e.root.get_element_by_id("period-end").text_content() == "9 August 2026"


def test_which_households_get_an_overview(march: Path) -> None:
    """In the period, or paid for on another basis (H, art. 57); not I (from May)."""
    files = sorted(p.name for p in (march / "2026-03").iterdir())
    assert files == sorted(f"{hid}.{LANGUAGE.get(hid, 'nl')}.html" for hid in IN_MARCH)
    h = page(march, MARCH, "H")
    assert not h.find("#month-k-of-n")
    assert "artikel 57" in h.root.get_element_by_id("basis").text_content()


def test_overviews_are_self_contained_and_print_on_a4(march: Path) -> None:
    for path in (march / "2026-03").iterdir():
        html = path.read_text(encoding="utf-8")
        root = lxml.html.fromstring(html)
        assert not select_all(root, "link, script, img, iframe, object")
        assert not [e for e in root.iter() if e.get("src") or e.get("href")]
        assert "http://" not in html
        assert "https://" not in html
        assert "size: A4" in html
        assert select_all(root, ".chart")


def test_no_bsn_anywhere(march: Path) -> None:
    for path in (march / "2026-03").iterdir():
        text = path.read_text(encoding="utf-8")
        for bsn in BSNS:
            assert bsn not in text, (path.name, bsn)
        assert not any(bsn in path.name for bsn in BSNS)


def test_rewriting_a_month_gives_the_same_files(municipality: Engine, march: Path) -> None:
    before = {p.name: p.read_bytes() for p in (march / "2026-03").iterdir()}
    with municipality.connect() as conn:
        counts = write_overviews(conn, march, MARCH, pdf=False)
    assert (counts.households, counts.html_files, counts.pdf_files) == (8, 8, 0)
    assert {p.name: p.read_bytes() for p in (march / "2026-03").iterdir()} == before
    assert not list((march / "2026-03").glob(".*"))  # no temporary files left


def test_one_overview_on_demand_is_the_written_file(municipality: Engine, march: Path) -> None:
    with municipality.connect() as conn:
        assert overview_html(conn, "A", MARCH) == (march / "2026-03" / "A.nl.html").read_text(
            encoding="utf-8"
        )
        with pytest.raises(UnknownHousehold):
            overview_html(conn, "NOPE", MARCH)


def test_rewriting_removes_out_of_date_files(municipality: Engine, tmp_path: Path) -> None:
    engine = municipality
    out = tmp_path / "overviews"
    with engine.begin() as conn:
        write_overviews(conn, out, MARCH, pdf=False)
        (out / "2026-03" / "B.en.pdf").write_bytes(b"%PDF-1.4 of an earlier run")
        (out / "2026-03" / "notes.txt").write_text("not ours", encoding="utf-8")
        conn.execute(
            update(households).where(households.c.household_id == "B").values(language="nl")
        )
        write_overviews(conn, out, MARCH, pdf=False)
    names = {p.name for p in (out / "2026-03").iterdir()}
    assert "B.nl.html" in names and "notes.txt" in names
    assert not names & {"B.en.html", "B.en.pdf"}


# --- Changes of next month and the handover ----------------------------------------


@pytest.fixture
def later_months(municipality: Engine, tmp_path: Path) -> Path:
    """Overviews of May to August (no money yet: the period texts still apply)."""
    out = tmp_path / "later"
    with municipality.begin() as conn:
        raise_period_signals(conn, date(2026, 6, 30))
        for month in (date(2026, 5, 1), JUNE, JULY, AUGUST):
            write_overviews(conn, out, month, pdf=False)
    return out


def changes(p: Page) -> list[tuple[str, str]]:
    return [(li.get("data-what"), li.text_content()) for li in p.find("li.change")]


def test_a_new_rent_next_month_is_announced(later_months: Path) -> None:
    assert changes(page(later_months, JUNE, "A")) == [
        (
            "amount",
            "Huur (Woonstichting Voorbeeld): vanaf 1 juli 2026 is het bedrag "
            "€\u00a0640,22 per maand. Nu is het €\u00a0615,00.",
        ),
    ]
    assert changes(page(later_months, date(2026, 5, 1), "A")) == []


def test_the_end_of_the_period_is_announced(later_months: Path) -> None:
    assert changes(page(later_months, JULY, "E")) == [
        (
            "period_last_month",
            "August 2026 is the last month in which the municipality "
            "pays your fixed costs. Your period ends on 9 August 2026.",
        ),
    ]
    assert changes(page(later_months, AUGUST, "A")) == [
        (
            "period_ended",
            "Dit was de laatste maand. Vanaf 1 september 2026 betaalt u uw vaste lasten zelf.",
        ),
    ]


HANDOVER_SHOWN = [
    ("F", JUNE, True),  # ends 11 August: 42 days after 30 June
    ("G", JUNE, False),  # ends 12 August: 43 days
    ("E", date(2026, 5, 1), False),
    ("E", JUNE, True),
    ("A", JUNE, False),  # ends 31 August
    ("A", JULY, True),
    ("A", AUGUST, True),  # the last month
]


def test_the_handover_checklist_from_six_weeks_before_the_end(later_months: Path) -> None:
    for hid, month, shown in HANDOVER_SHOWN:
        assert bool(page(later_months, month, hid).find("#handover")) is shown, (hid, month)


def test_the_handover_lists_each_creditor_with_amount_and_iban(later_months: Path) -> None:
    a = page(later_months, JULY, "A")
    items = {li.get("data-creditor-id"): li for li in a.find("li.handover-item")}
    assert list(items) == ["WOON", "ENER", "WATR", "ZORG"]  # in the order of the kinds
    rent = items["WOON"]
    assert rent.get("data-cents") == "64022"  # the new rent, valid from 1 July
    assert "€\u00a0640,22 per maand aan Woonstichting Voorbeeld (Huur)" in rent.text_content()
    assert "vanaf 1 september 2026" in rent.text_content()
    assert rent.get("data-iban") == "NL49TRIO0390123456"
    assert "NL49 TRIO 0390 1234 56" in rent.text_content()
    assert "Contract A-1" in rent.text_content()
    assert "Coach Smit" in a.root.get_element_by_id("handover").text_content()
    e = page(later_months, JUNE, "E")
    assert "Pay €615.00 a month to Woonstichting Voorbeeld (Rent) yourself" in e.text()


def test_open_signals_include_the_handover(later_months: Path) -> None:
    f = page(later_months, JUNE, "F")
    assert [li.get("data-kind") for li in f.find("li.signal")] == ["handover_due"]
    assert "11 augustus 2026" in f.find("li.signal")[0].text_content()


# --- Statuses, catalogues, PDF -----------------------------------------------------


def test_a_returned_payment_is_marked(municipality: Engine, tmp_path: Path) -> None:
    engine = municipality
    with engine.begin() as conn:
        # Bank feedback is not built yet: mark a payment returned as it will.
        conn.execute(
            update(payment_instructions)
            .where(
                payment_instructions.c.household_id == "C", payment_instructions.c.kind == "huur"
            )
            .values(status="returned")
        )
        conn.execute(
            signals.insert().values(
                household_id="C",
                kind="returned",
                subject="2026-03-30",
                raised_on=date(2026, 3, 30),
                detail="AC04",
            )
        )
        write_overviews(conn, tmp_path / "overviews", MARCH, pdf=False)
    c = page(tmp_path / "overviews", MARCH, "C")
    (row,) = c.find("tr.paid-row.problem")
    assert select_all(row, "td.status")[0].text_content() == "Teruggekomen van de bank"
    (problem,) = c.find("tr.paid-problem")
    assert problem.text_content().startswith(
        "De betaling van uw huur kwam terug. Uw budgetcoach regelt dit."
    )
    assert c.find(".chart .bar-held")[0].get("data-cents") == "69000"
    assert not c.find(".chart .bar-huur")
    assert "teruggekomen van de bank (30 maart 2026)" in c.find("li.signal")[0].text_content()


def test_the_catalogues_have_the_same_texts() -> None:
    keys = {language: catalogue(language).keys() for language in LANGUAGES}
    assert keys["nl"] == keys["en"]
    assert catalogue("xx").language == "nl"
    assert catalogue("nl").money(-133423) == "-€\u00a01.334,23"
    assert catalogue("en").money(133423) == "€1,334.23"


def test_pdf_required_without_chromium_is_refused(
    municipality: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf_output, "find_chromium", lambda: None)
    with municipality.connect() as conn:
        with pytest.raises(pdf_output.ChromiumMissing):
            write_overviews(conn, tmp_path, MARCH, pdf=True)
        counts = write_overviews(conn, tmp_path, MARCH)  # automatic: skipped cleanly
    assert (counts.html_files, counts.pdf_files) == (8, 0)


# Stands in for Chromium: writes a PDF for every page but D's.
FAKE_CHROMIUM = """#!{python}
import sys
out = next(a.split("=", 1)[1] for a in sys.argv if a.startswith("--print-to-pdf="))
if sys.argv[-1].endswith("/D.nl.html"):
    sys.stderr.write("noise\\ncould not print\\n")
    sys.exit(3)
with open(out, "wb") as handle:
    handle.write(b"%PDF-1.4 " + sys.argv[-1].encode())
"""


def test_pdfs_are_made_automatically_and_a_failure_is_reported(
    municipality: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "chromium"
    fake.write_text(FAKE_CHROMIUM.format(python=sys.executable), encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setattr(pdf_output, "find_chromium", lambda: fake)
    with municipality.connect() as conn:
        counts = write_overviews(conn, tmp_path / "overviews", MARCH)
    month_dir = tmp_path / "overviews" / "2026-03"
    assert (counts.households, counts.html_files, counts.pdf_files) == (8, 8, 7)
    (failure,) = counts.pdf_failures
    assert "D.nl.html" in failure and "exited with 3" in failure and "could not print" in failure
    assert sorted(p.name for p in month_dir.glob("*.pdf")) == sorted(
        f"{hid}.{LANGUAGE.get(hid, 'nl')}.pdf" for hid in IN_MARCH if hid != "D"
    )
    assert (month_dir / "A.nl.pdf").read_bytes().startswith(b"%PDF-1.4 file://")
    assert not list(month_dir.glob(".*"))
    assert counts.as_counts()["overview_pdf_failed"] == 1


def test_the_pdf_holds_the_figures(
    march: Path, municipality: Engine, chromium: Path, tmp_path: Path
) -> None:
    pdf = pdf_output.print_to_pdf(march / "2026-03" / "D.nl.html", tmp_path / "D.nl.pdf", chromium)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=False)
    if info.returncode == 0:
        assert "(A4)" in info.stdout
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    with municipality.connect() as conn:
        st = statement(conn, "D", MARCH)
    amounts = {cents_of(m, "nl") for m in re.findall(r"€\s?[\d.]+,\d\d", text)}
    wanted = {
        st["income_cents"],
        st["payout_to_client_cents"],
        *(row["amount_cents"] for row in st["paid"]),
        *(row["amount_cents"] for row in st["shortfall"]),
        sum(row["amount_cents"] for row in st["shortfall"]),
    }
    assert wanted <= amounts
    assert "Omar Yusuf" in text and "Coach Bakker" in text
    assert "Dit is maand 1 van 6." in text
    for bsn in BSNS:
        assert bsn not in text


# --- Rendering in worker processes ------------------------------------------------


def written_files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_worker_processes_write_the_same_files(municipality: Engine, tmp_path: Path) -> None:
    """Pages of two households rendered by two spawned processes, against the
    same month rendered here: the same files, byte for byte."""
    here, there = tmp_path / "here", tmp_path / "there"
    with municipality.connect() as conn:
        alone = write_overviews(conn, here, MARCH, pdf=False, workers=1)
    with municipality.connect() as conn:
        pooled = write_overviews(conn, there, MARCH, pdf=False, workers=2, page_households=2)
    assert (alone.workers, pooled.workers) == (1, 2)
    assert alone.households == pooled.households == len(IN_MARCH)
    assert [p.name for p in pooled.paths] == [p.name for p in alone.paths]
    assert written_files(there / "2026-03") == written_files(here / "2026-03")


def test_an_open_transaction_is_rendered_in_process(municipality: Engine, tmp_path: Path) -> None:
    """What the caller changed and has not committed is in the overviews:
    worker processes could not see it, so none are used."""
    out = tmp_path / "overviews"
    with municipality.begin() as conn:
        conn.execute(
            update(households).where(households.c.household_id == "B").values(language="nl")
        )
        counts = write_overviews(conn, out, MARCH, pdf=False, workers=2, page_households=2)
        names = {p.name for p in (out / "2026-03").iterdir()}
        conn.rollback()
    assert counts.workers == 1
    assert "B.nl.html" in names and "B.en.html" not in names


def test_an_error_in_a_worker_stops_the_run(municipality: Engine, tmp_path: Path) -> None:
    """A file that cannot be written (a folder stands in its place) fails in
    a worker; the error reaches the caller, no temporary file is left."""
    out = tmp_path / "overviews"
    (out / "2026-03" / "C.nl.html").mkdir(parents=True)
    with municipality.connect() as conn, pytest.raises(IsADirectoryError):
        write_overviews(conn, out, MARCH, pdf=False, workers=2, page_households=2)
    assert not [p for p in (out / "2026-03").iterdir() if p.name.startswith(".")]


def test_a_killed_worker_stops_the_run_and_a_rerun_writes_the_month(
    municipality: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each worker kills itself (as SIGKILL would) after writing its first
    page: the run stops with WorkerStopped, and the next run writes the
    same month as a run in one process."""
    out, alone = tmp_path / "overviews", tmp_path / "alone"
    monkeypatch.setenv(FAULT_ENV, "overview_page@1")
    with municipality.connect() as conn, pytest.raises(WorkerStopped):
        write_overviews(conn, out, MARCH, pdf=False, workers=2, page_households=2)
    monkeypatch.delenv(FAULT_ENV)
    with municipality.connect() as conn:
        again = write_overviews(conn, out, MARCH, pdf=False, workers=2, page_households=2)
        write_overviews(conn, alone, MARCH, pdf=False, workers=1)
    assert again.workers == 2
    assert written_files(out / "2026-03") == written_files(alone / "2026-03")
