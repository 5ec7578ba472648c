"""Print batches for the print service: the month's overviews in PDFs of at
most N letters with an index CSV; pdftotext finds each household's figures
on exactly the pages the index names, and never a BSN."""

from __future__ import annotations

import csv
import re
import subprocess
from pathlib import Path

import lxml.html
import pytest
from sqlalchemy import Engine

from ontzorging.reports.overviews import catalogue
from ontzorging.reports.print_batches import (
    INDEX_COLUMNS,
    PrintBatchError,
    batch_html,
    index_rows,
    letters_of_month,
    write_print_batches,
)
from ontzorging.reports.statements import statement
from tests.integration import test_overviews as overviews_tests
from tests.integration.test_overviews import BSNS, IN_MARCH, LANGUAGE, MARCH, cents_of

# The fixtures of the overview tests: March written for the DOMAIN.md households.
municipality = overviews_tests.municipality
march = overviews_tests.march


def page_text(pdf: Path, first: int, last: int) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-f", str(first), "-l", str(last), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def read_index(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_batches_index_the_pages_of_each_letter(
    march: Path, municipality: Engine, chromium: Path, tmp_path: Path
) -> None:
    out = tmp_path / "print"
    with municipality.connect() as conn:
        counts = write_print_batches(conn, march, out, MARCH, chromium, batch_letters=3)
    month_dir = out / "2026-03"
    assert sorted(p.name for p in month_dir.iterdir()) == [
        f"letters-2026-03-000{n}.{ext}" for n in (1, 2, 3) for ext in ("csv", "pdf")
    ]
    assert (counts.batches, counts.letters, counts.failures) == (3, len(IN_MARCH), ())
    seen = []
    with municipality.connect() as conn:
        for number in (1, 2, 3):
            pdf = month_dir / f"letters-2026-03-000{number}.pdf"
            rows = read_index(pdf.with_suffix(".csv"))
            assert tuple(rows[0]) == INDEX_COLUMNS
            assert len(rows) == (3 if number < 3 else 2)
            info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True)
            total = int(re.search(r"Pages:\s+(\d+)", info.stdout)[1])  # type: ignore[index]
            assert sum(int(r["pages"]) for r in rows) == total
            for row in rows:
                hid, first, pages = row["household_id"], int(row["first_page"]), int(row["pages"])
                seen.append(hid)
                assert row["language"] == LANGUAGE.get(hid, "nl")
                text = page_text(pdf, first, first + pages - 1)
                st = statement(conn, hid, MARCH)
                amounts = {cents_of(m, row["language"]) for m in re.findall(r"€\s?[\d.,]+\d", text)}
                wanted = {st["income_cents"], *(p["amount_cents"] for p in st["paid"])} - {0}
                assert wanted <= amounts, hid
                assert f"{hid}" in text and row["coach"] in text
                # The letter's pages hold no other household's letter.
                assert text.count("Coach ") == text.count(row["coach"])
                for bsn in BSNS:
                    assert bsn not in text
            assert not any(b in pdf.with_suffix(".csv").read_text() for b in BSNS)
    assert seen == list(IN_MARCH)


def test_a_second_printing_replaces_the_batches(
    march: Path, municipality: Engine, chromium: Path, tmp_path: Path
) -> None:
    out = tmp_path / "print"
    with municipality.connect() as conn:
        write_print_batches(conn, march, out, MARCH, chromium, batch_letters=2)
        counts = write_print_batches(conn, march, out, MARCH, chromium, batch_letters=500)
    names = sorted(p.name for p in (out / "2026-03").iterdir())
    assert names == ["letters-2026-03-0001.csv", "letters-2026-03-0001.pdf"]
    assert counts.letters == len(IN_MARCH)


def test_an_outline_that_does_not_match_the_letters_fails_the_batch(
    march: Path, municipality: Engine, chromium: Path, tmp_path: Path
) -> None:
    out = tmp_path / "print"
    with municipality.connect() as conn:
        write_print_batches(conn, march, out, MARCH, chromium, batch_letters=500)
        letters = list(letters_of_month(conn, march / "2026-03"))
    pdf = out / "2026-03" / "letters-2026-03-0001.pdf"
    assert len(index_rows(pdf, letters)) == len(letters)
    with pytest.raises(PrintBatchError, match="outline names 8 letter"):
        index_rows(pdf, letters[:-1])


def test_a_batch_puts_each_letter_in_its_language(march: Path, municipality: Engine) -> None:
    with municipality.connect() as conn:
        letters = list(letters_of_month(conn, march / "2026-03"))
    html = batch_html(letters)
    assert html.count('<div class="letter" lang="en">') == 2
    assert html.count("<style>") == 2  # the overview's style once, the page break rule
    assert html.count("<h1>") == len(IN_MARCH)


def test_each_letters_chart_is_named_by_its_own_title(march: Path, municipality: Engine) -> None:
    """In a batch every chart is an image named by its own <title>, in its
    letter's language; no id reference (which would name every chart after
    the first letter's)."""
    with municipality.connect() as conn:
        letters = list(letters_of_month(conn, march / "2026-03"))
    root = lxml.html.fromstring(batch_html(letters))
    charts = [
        (letter.get("lang"), svg.find("title").text)
        for letter in root.find_class("letter")
        for svg in letter.iter("{*}svg", "svg")
    ]
    assert len(charts) == len(IN_MARCH)
    assert {lang for lang, _ in charts} == {"nl", "en"}
    for lang, title in charts:
        assert title == catalogue(lang).text("chart.title", month=catalogue(lang).month(MARCH))
    assert "aria-labelledby" not in batch_html(letters)
