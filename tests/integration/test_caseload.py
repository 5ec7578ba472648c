"""The caseload report on a real database: the test households A-D of
DOMAIN.md in March 2026 plus a mid-month start (E), a household paid under
art. 57 after its period (H) and one whose period starts in May (I), driven
through the real imports and allocation. Its figures must be the
statement's, in the HTML and in the XLSX read back with pandas."""

from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import lxml.html
import pandas as pd
import pytest
from sqlalchemy import Engine, update

from ontzorging.adapters.schema import households, payment_instructions, signals
from ontzorging.allocation.allocate import allocate_due
from ontzorging.intake.imports import import_file
from ontzorging.reports.caseload import (
    COLUMNS,
    REPORT_LANGUAGE,
    caseload_frame,
    coach_slug,
    write_caseload_report,
)
from ontzorging.reports.overviews import catalogue
from ontzorging.reports.statements import statement
from ontzorging.settings import load_settings

MARCH = date(2026, 3, 1)
NOW = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
HOUSEHOLDS = """household_id;bsn;name;birth_date;partner_bsn;partner_name;partner_birth_date;iban;bijstand_start;bijstand_end;coach;language
A;100000009;Ahmad Haddad;1998-05-01;;;;NL91ABNA0417164300;2026-03-01;;Coach Smit;nl
B;100000010;Samir Osman;1988-02-11;100000022;Rima Osman;1990-07-30;NL44RABO0123456789;2026-03-01;;Coach Smit;en
C;100000034;Hanna Tesfaye;1995-09-09;;;;NL20INGB0001234567;2026-03-01;;Coach Bakker;nl
D;100000046;Omar Yusuf;1992-12-24;;;;NL80BNGH0285111111;2026-03-01;;Coach Bakker;nl
E;100000058;Lina Haile;1999-01-15;;;;NL02ABNA0123456789;2026-02-10;;Coach Smit;en
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
A1;A;huur;WOON;615,00;monthly;Contract A-1;2026-03-01;;56a
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
H1;H;huur;WOON;650,00;monthly;Contract H-1;2025-12-01;;57
I1;I;huur;WOON;600,00;monthly;Contract I-1;2026-05-01;;56a
"""
BIJSTAND = """payment_id;bsn;period;kind;amount;payout_date;iban
PA;100000009;2026-03;levensonderhoud;1.334,23;2026-03-26;
PB;100000010;2026-03;levensonderhoud;1.906,03;2026-03-26;
PB2;100000010;2026-03;vakantietoeslag;91,51;2026-03-26;
PC;100000034;2026-03;levensonderhoud;1334,23;2026-03-26;
PD;100000046;2026-03;levensonderhoud;953.02;2026-03-26;
PE;100000058;2026-03;levensonderhoud;1334,23;2026-03-26;
PH;100000095;2026-03;levensonderhoud;1334,23;2026-03-26;
"""
IN_MARCH = {"A", "B", "C", "D", "E", "H"}
HEADERS = {key: catalogue(REPORT_LANGUAGE).text(f"caseload.{key}") for key in COLUMNS}


@pytest.fixture
def municipality(engine: Engine, tmp_path: Path) -> Engine:
    """The shared migrated database (SQLite, and PostgreSQL when configured)
    after the March 2026 imports and allocation."""
    with engine.begin() as conn:
        for kind, text in (
            ("creditors", CREDITORS),
            ("households", HOUSEHOLDS),
            ("obligations", OBLIGATIONS),
            ("bijstand", BIJSTAND),
        ):
            path = tmp_path / f"{kind}.csv"
            path.write_text(text, encoding="utf-8")
            import_file(conn, kind, path, "test", NOW)
        allocate_due(conn, date(2026, 3, 28), load_settings(), None, NOW)
    return engine


def return_payment(engine: Engine, household_id: str, kind: str) -> None:
    """Bank feedback is not built yet: mark a payment returned as it will."""
    pi = payment_instructions
    with engine.begin() as conn:
        conn.execute(
            update(pi)
            .where(pi.c.household_id == household_id, pi.c.kind == kind)
            .values(status="returned")
        )
        conn.execute(
            signals.insert().values(
                household_id=household_id,
                kind="returned",
                subject="2026-03-30",
                raised_on=date(2026, 3, 30),
                detail="AC04",
            )
        )


def expected(engine: Engine, hid: str) -> dict[str, int]:
    with engine.connect() as conn:
        st = statement(conn, hid, MARCH)
    return {
        "income": st["income_cents"],
        "paid": sum(r["amount_cents"] for r in st["paid"]),
        "payout": st["payout_to_client_cents"],
        "shortfall": sum(r["amount_cents"] for r in st["shortfall"]),
    }


def report(
    engine: Engine, directory: Path, month: date = MARCH, coach: str | None = None
) -> list[Path]:
    with engine.connect() as conn:
        return write_caseload_report(conn, directory, month, coach=coach)


def frame_of(engine: Engine) -> pd.DataFrame:
    with engine.connect() as conn:
        return caseload_frame(conn, MARCH)


def read_xlsx(path: Path) -> pd.DataFrame:
    return pd.read_excel(path, dtype={HEADERS["household_id"]: str})


def test_the_xlsx_reads_back_to_the_statements_figures(
    municipality: Engine, tmp_path: Path
) -> None:
    html, xlsx = report(municipality, tmp_path / "reports")
    assert (html.name, xlsx.name) == ("caseload-2026-03.html", "caseload-2026-03.xlsx")
    sheet = read_xlsx(xlsx)
    assert list(sheet.columns) == [HEADERS[key] for key in COLUMNS]
    assert set(sheet[HEADERS["household_id"]]) == IN_MARCH
    for _, row in sheet.iterrows():
        hid = row[HEADERS["household_id"]]
        got = {
            key: int((Decimal(str(row[HEADERS[key]])) * 100).to_integral_value())
            for key in ("income", "paid", "payout", "shortfall")
        }
        assert got == expected(municipality, hid), hid


def test_the_html_shows_the_statements_figures(municipality: Engine, tmp_path: Path) -> None:
    html, _ = report(municipality, tmp_path)
    root = lxml.html.fromstring(html.read_bytes())
    rows = root.xpath("//tr[contains(@class, 'caseload-row')]")
    assert {r.get("data-household-id") for r in rows} == IN_MARCH
    for r in rows:
        cells = {td.get("data-column"): td for td in r.xpath("td[@data-column]")}
        got = {
            key: int(cells[key].get("data-cents"))
            for key in ("income", "paid", "payout", "shortfall")
        }
        assert got == expected(municipality, r.get("data-household-id"))
        shown = cells["income"].text_content().replace("€", "").replace("\u00a0", "")
        assert int(shown.replace(".", "").replace(",", "")) == got["income"]
    e = root.xpath("//tr[@data-household-id='E']")[0]
    assert e.xpath("td[@data-column='month']")[0].text_content() == "2 van 7"
    assert e.xpath("td[@data-column='period_end']/time/@datetime") == ["2026-08-09"]
    d = root.xpath("//tr[@data-household-id='D']")[0]
    assert d.xpath("td[@data-column='open_signals']")[0].text_content() == "shortfall"


def test_sorted_by_urgency(municipality: Engine, tmp_path: Path) -> None:
    """Returned payments, then shortfalls, then the soonest end; art. 57 last."""
    return_payment(municipality, "C", "huur")
    _, xlsx = report(municipality, tmp_path)
    order = list(read_xlsx(xlsx)[HEADERS["household_id"]])
    assert order == ["C", "D", "E", "A", "B", "H"]
    frame = frame_of(municipality)
    assert list(frame["urgency"]) == [0, 1, 2, 2, 2, 2]
    assert list(frame["problem_payments"]) == [1, 0, 0, 0, 0, 0]
    assert frame.loc[0, "open_signals"] == "returned"
    sheet = read_xlsx(xlsx)
    assert list(sheet[HEADERS["attention"]].fillna("")) == [
        "Betaling teruggekomen of geweigerd",
        "Tekort",
        "",
        "",
        "",
        "",
    ]


def test_month_k_of_n_and_end_date(municipality: Engine) -> None:
    frame = frame_of(municipality).set_index("household_id")
    assert (frame.loc["A", "month_number"], frame.loc["A", "month_count"]) == (1, 6)
    assert (frame.loc["E", "month_number"], frame.loc["E", "month_count"]) == (2, 7)
    assert frame.loc["E", "period_end"] == date(2026, 8, 9)
    assert pd.isna(frame.loc["H", "month_number"])  # paid under art. 57, no 56a month


def test_the_coach_filter(municipality: Engine, tmp_path: Path) -> None:
    paths = report(municipality, tmp_path, coach="coach bakker")
    assert [p.name for p in paths] == [
        "caseload-2026-03-coach-bakker.html",
        "caseload-2026-03-coach-bakker.xlsx",
    ]
    sheet = read_xlsx(paths[1])
    assert list(sheet[HEADERS["household_id"]]) == ["D", "C"]
    assert set(sheet[HEADERS["coach"]]) == {"Coach Bakker"}
    root = lxml.html.fromstring(paths[0].read_bytes())
    assert root.xpath("//h1")[0].text_content() == "Caseload maart 2026, coach bakker"
    assert coach_slug("Coach Ünal-de Vries") == "coach-unal-de-vries"


def test_an_empty_month_still_gives_both_files(municipality: Engine, tmp_path: Path) -> None:
    html, xlsx = report(municipality, tmp_path, date(2025, 1, 1))
    assert read_xlsx(xlsx).empty
    root = lxml.html.fromstring(html.read_bytes())
    assert root.get_element_by_id("count").get("data-count") == "0"


def test_no_bsn_in_the_report(municipality: Engine, tmp_path: Path) -> None:
    for coach in (None, "Coach Smit"):
        for path in report(municipality, tmp_path, coach=coach):
            if path.suffix == ".xlsx":
                with zipfile.ZipFile(path) as archive:
                    texts = [
                        archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
                    ]
            else:
                texts = [path.read_text(encoding="utf-8")]
            for text in texts:
                for bsn in BSNS:
                    assert bsn not in text, (path.name, bsn)
    assert not list(tmp_path.glob(".*"))  # no temporary files left


def _reading(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [
        r.fields  # type: ignore[attr-defined]
        for r in caplog.records
        if r.getMessage() == "caseload_reading"
    ]


def test_worker_processes_read_the_same_report(
    municipality: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """Pages of one household read by two spawned processes, against the
    same month read here: the same frame (the files are written from it)."""
    caplog.set_level("INFO", logger="ontzorging.reports.caseload")
    with municipality.connect() as conn:
        alone = caseload_frame(conn, MARCH)
    with municipality.connect() as conn:
        pooled = caseload_frame(conn, MARCH, workers=2, page_households=1)
    assert [f["workers"] for f in _reading(caplog)] == [1, 2]
    pd.testing.assert_frame_equal(pooled, alone)
    assert len(alone) == 6
    with municipality.connect() as conn:
        mine = caseload_frame(conn, MARCH, "coach bakker ", workers=2, page_households=1)
    assert list(mine["household_id"]) == ["D", "C"]


def test_an_open_transaction_is_read_in_process(
    municipality: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    """What the caller changed and has not committed is in the report: worker
    processes could not see it, so none are used."""
    caplog.set_level("INFO", logger="ontzorging.reports.caseload")
    with municipality.begin() as conn:
        conn.execute(
            update(households).where(households.c.household_id == "C").values(name="Hanna T.")
        )
        frame = caseload_frame(conn, MARCH, workers=2, page_households=1)
        conn.rollback()
    assert [f["workers"] for f in _reading(caplog)] == [1]
    assert "Hanna T." in set(frame["name"])
