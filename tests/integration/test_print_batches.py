"""Print batches for the print service: the month's overviews in PDFs of at
most N letters with an index CSV; pdftotext finds each household's figures
on exactly the pages the index names, and never a BSN."""

from __future__ import annotations

import csv
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import lxml.html
import pikepdf
import pytest
from sqlalchemy import Engine

from ontzorging.reports.overviews import catalogue
from ontzorging.reports.print_batches import (
    INDEX_COLUMNS,
    Letter,
    PrintBatchError,
    batch_html,
    finish_batch,
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


def test_each_letters_chart_is_named_by_its_own_label(march: Path, municipality: Engine) -> None:
    """In a batch every chart is an image named by its own label, in its
    letter's language; no id reference (which would name every chart after
    the first letter's)."""
    with municipality.connect() as conn:
        letters = list(letters_of_month(conn, march / "2026-03"))
    root = lxml.html.fromstring(batch_html(letters))
    charts = [
        (letter.get("lang"), chart.get("aria-label"))
        for letter in root.find_class("letter")
        for chart in letter.find_class("chart")
    ]
    assert len(charts) == len(IN_MARCH)
    assert {lang for lang, _ in charts} == {"nl", "en"}
    for lang, title in charts:
        assert title == catalogue(lang).text("chart.title", month=catalogue(lang).month(MARCH))
    assert "aria-labelledby" not in batch_html(letters)


def test_a_batch_pdf_is_tagged_with_each_letters_language(
    march: Path, municipality: Engine, chromium: Path, tmp_path: Path
) -> None:
    """Accessibility: the batch is a tagged PDF (a structure tree, marked
    content) and each letter's part of it carries the letter's language
    (Chromium tags the whole document as Dutch)."""
    out = tmp_path / "print"
    with municipality.connect() as conn:
        write_print_batches(conn, march, out, MARCH, chromium, batch_letters=500)
    pdf = out / "2026-03" / "letters-2026-03-0001.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert re.search(r"^Tagged:\s+yes$", info.stdout, re.M)
    with pikepdf.open(pdf) as document:
        assert document.Root.MarkInfo.Marked
        tree = document.Root.StructTreeRoot
        assert str(tree.K.S) == "/Document" and str(document.Root.Lang) == "nl"
        letters = document.Root.StructTreeRoot.K.K
        assert [str(letter.Lang) for letter in letters] == [
            LANGUAGE.get(hid, "nl") for hid in IN_MARCH
        ]
        assert all("/StructParents" in page.obj for page in document.pages)
        # Each chart is a figure whose alternative text is its title; no figure
        # without one (an HTML <figure> around it was one).
        figures, stack = [], [tree.K]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Array):
                stack.extend(node)
            elif isinstance(node, pikepdf.Dictionary) and "/S" in node:
                if pikepdf.Name.Figure == node.S:
                    figures.append(str(node.get("/Alt")))
                if "/K" in node:
                    stack.append(node.K)
        titles = [
            catalogue(lang).text("chart.title", month=catalogue(lang).month(MARCH))
            for lang in ("nl", "en")
        ]
        assert sorted(set(figures)) == sorted(titles)
        assert len(figures) == len(IN_MARCH)


@pytest.fixture
def one_batch(
    march: Path, municipality: Engine, chromium: Path, tmp_path: Path
) -> tuple[Path, list[Letter]]:
    """March printed as one batch: its PDF and its letters."""
    out = tmp_path / "print"
    with municipality.connect() as conn:
        write_print_batches(conn, march, out, MARCH, chromium, batch_letters=500)
        letters = list(letters_of_month(conn, march / "2026-03"))
    return out / "2026-03" / "letters-2026-03-0001.pdf", letters


def _damaged(pdf: Path, tmp_path: Path, damage: Callable[[pikepdf.Pdf], None]) -> Path:
    with pikepdf.open(pdf) as document:
        damage(document)
        damaged = tmp_path / "damaged.pdf"
        document.save(damaged)
    return damaged


def _second_entry(document: pikepdf.Pdf) -> pikepdf.Dictionary:
    return document.Root.Outlines.First.Next


def _point_at_no_page(document: pikepdf.Pdf) -> None:
    _second_entry(document).Dest = pikepdf.Array([pikepdf.Name.Nowhere])


def _swap_pages(document: pikepdf.Pdf) -> None:
    first, second = document.Root.Outlines.First, _second_entry(document)
    first.Dest, second.Dest = second.Dest, first.Dest


def _loop(document: pikepdf.Pdf) -> None:
    document.Root.Outlines.Last.Next = document.Root.Outlines.First


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_point_at_no_page, "an outline entry points to no page"),
        (_swap_pages, "the letters' first pages are out of order"),
        (_loop, "the outline does not end"),
    ],
)
def test_a_damaged_outline_fails_the_batch_by_name(
    one_batch: tuple[Path, list[Letter]],
    tmp_path: Path,
    damage: Callable[[pikepdf.Pdf], None],
    message: str,
) -> None:
    batch, letters = one_batch
    damaged = _damaged(batch, tmp_path, damage)
    with pytest.raises(PrintBatchError, match=f"^damaged.pdf: {message}"):
        index_rows(damaged, letters)


def test_a_file_that_is_no_pdf_fails_the_batch_by_name(tmp_path: Path) -> None:
    broken = tmp_path / "letters-2026-03-0001.pdf"
    broken.write_bytes(b"%PDF-1.7\nnot really\n")
    with pytest.raises(PrintBatchError, match=r"^letters-2026-03-0001\.pdf: cannot read"):
        index_rows(broken, [])


def _without_heading_element(document: pikepdf.Pdf) -> None:
    del _second_entry(document).SE


def _one_element_twice(document: pikepdf.Pdf) -> None:
    _second_entry(document).SE = document.Root.Outlines.First.SE


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_without_heading_element, "a letter's heading is not in the document's structure tree"),
        (_one_element_twice, "two letters share one element of the structure tree"),
        (_loop, "the outline does not end"),
    ],
)
def test_a_batch_that_cannot_be_tagged_by_letter_is_not_written(
    one_batch: tuple[Path, list[Letter]],
    tmp_path: Path,
    damage: Callable[[pikepdf.Pdf], None],
    message: str,
) -> None:
    batch, letters = one_batch
    printed = _damaged(batch, tmp_path, damage)
    pdf = tmp_path / "letters-2026-03-0009.pdf"
    with pytest.raises(PrintBatchError, match=f"^letters-2026-03-0009.pdf: {message}"):
        finish_batch(printed, pdf, letters)
    assert not pdf.exists()
    assert not [p for p in tmp_path.iterdir() if "letters-2026-03-0009" in p.name]


def test_a_printing_that_was_killed_leaves_nothing_behind_the_next(
    march: Path, municipality: Engine, chromium: Path, tmp_path: Path
) -> None:
    """A monthly run killed while printing leaves hidden files (a batch's HTML,
    Chromium's unfinished PDF, a temporary file); the next printing of the
    month removes them, and leaves what is not a batch's alone."""
    month_dir = tmp_path / "print" / "2026-03"
    month_dir.mkdir(parents=True)
    leftovers = [
        ".letters-2026-03-0001.html",
        ".letters-2026-03-0002.printed.pdf",
        ".letters-2026-03-0001.pdf.4242.139.pdf",
        ".letters-2026-03-0001.csv.4242.139.tmp",
    ]
    for name in [*leftovers, "notes.txt", ".letters-of-the-coach.txt"]:
        (month_dir / name).write_text("left over")
    with municipality.connect() as conn:
        write_print_batches(conn, march, tmp_path / "print", MARCH, chromium, batch_letters=500)
    assert sorted(p.name for p in month_dir.iterdir()) == [
        ".letters-of-the-coach.txt",
        "letters-2026-03-0001.csv",
        "letters-2026-03-0001.pdf",
        "notes.txt",
    ]
