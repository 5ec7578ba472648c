"""Use case (part of the monthly run): the month's overviews as print batches
for a print service (DESIGN.md 5.5).

A print service takes large PDF files with an index, not 100,000 loose
files. Per month, the overviews written to ``overviews/YYYY-MM/`` are put in
batches of at most ``overviews.print_batch_letters`` letters (default 500),
in register order; each batch is one PDF, ``print/YYYY-MM/letters-YYYY-MM-NNNN.pdf``,
with a page break before each letter, and an index next to it,
``letters-YYYY-MM-NNNN.csv``: household id, first page, pages, language,
coach (no BSN, as in the overviews).

The batches are printed by a small pool of long-lived Chromium processes
(:func:`ontzorging.pdf.print_all`, one per processor). Each letter starts with
the overview's one ``<h1>``, and Chromium writes a document outline
(bookmarks) from the headings: the outline's top entries give the first page
of every letter, so the index is read from the PDF itself and matches its
pages. The PDF stays tagged (accessibility). Chromium tags the whole
document in one language, so each letter's part of the structure tree is
given its own language after printing (:mod:`ontzorging.adapters.batch_pdf`,
which also writes the file with object streams, a third of the size). A
batch whose outline does not name one page per letter fails and is
reported; the others go on.
"""

from __future__ import annotations

import csv
import io
import re
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from itertools import islice
from pathlib import Path

from sqlalchemy import Connection

from ontzorging.adapters import batch_pdf
from ontzorging.adapters import pdf as pdf_output
from ontzorging.adapters.files import write_text_atomically
from ontzorging.adapters.repositories import household_pages
from ontzorging.domain.periods import format_month, month_of
from ontzorging.reports.overviews import (
    PAGE_HOUSEHOLDS,
    catalogue,
)
from ontzorging.reports.spreadsheet_cells import neutralise_cell

DEFAULT_BATCH_LETTERS = 500
# A batch may take this long to print: a minute, and a second per letter (on
# a busy machine a batch of 500 letters took over a minute).
BATCH_TIMEOUT_SECONDS, LETTER_TIMEOUT_SECONDS = 60, 1.0
INDEX_COLUMNS = ("household_id", "first_page", "pages", "language", "coach")
# Where a letter's markup starts and ends in an overview (overview.html.j2).
_BODY_START, _BODY_END = "<body>\n", "</body>"
_STYLE = re.compile(r"<style>.*?</style>", re.S)
_BATCH_FILE = re.compile(r"^letters-\d{4}-\d{2}-\d{4}\.(pdf|csv)$")
# What a printing that was killed may leave: a batch's HTML, Chromium's PDF
# before it was finished, a temporary file of the atomic writer (all hidden).
_LEFTOVER = re.compile(r"^\.letters-\d{4}-\d{2}-\d{4}\.")


class PrintBatchError(Exception):
    """A batch could not be made (reported per batch; the others go on)."""


@dataclass(frozen=True)
class Letter:
    household_id: str
    language: str
    coach: str
    html: Path


@dataclass(frozen=True)
class IndexRow:
    household_id: str
    first_page: int
    pages: int
    language: str
    coach: str


@dataclass(frozen=True)
class PrintCounts:
    batches: int
    letters: int
    pages: int
    paths: tuple[Path, ...]
    failures: tuple[str, ...] = ()

    def as_counts(self) -> dict[str, int]:
        """For a run record."""
        return {
            "print_batches": self.batches,
            "print_letters": self.letters,
            "print_pages": self.pages,
            "print_failed": len(self.failures),
        }


def letters_of_month(conn: Connection, overviews_dir: Path) -> Iterator[Letter]:
    """The month's overviews in register order (``overviews_dir`` is the
    month's folder): the households with an overview written for the month."""
    written = {p.name for p in overviews_dir.glob("*.html")} if overviews_dir.is_dir() else set()
    for rows in household_pages(conn, PAGE_HOUSEHOLDS):
        for r in rows:
            language = catalogue(r["language"]).language
            name = f"{r['household_id']}.{language}.html"
            if name in written:
                yield Letter(r["household_id"], language, r["coach"], overviews_dir / name)


def batch_html(letters: Sequence[Letter]) -> str:
    """One document of ``letters``: the overviews' style once, each letter's
    body in a block in its own language, a page break before each letter."""
    style = ""
    bodies = []
    for letter in letters:
        text = letter.html.read_text("utf-8")
        start, end = text.find(_BODY_START), text.rfind(_BODY_END)
        found = _STYLE.search(text)
        if start < 0 or end < 0 or found is None:
            raise PrintBatchError(f"{letter.html.name}: not an overview of this version")
        style = style or found.group(0)
        bodies.append(
            f'<div class="letter" lang="{letter.language}">\n'
            f"{text[start + len(_BODY_START) : end]}</div>\n"
        )
    return (
        '<!DOCTYPE html>\n<html lang="nl">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{len(letters)}</title>\n{style}\n"
        "<style>.letter + .letter { break-before: page; }</style>\n"
        "</head>\n<body>\n" + "".join(bodies) + "</body>\n</html>\n"
    )


def index_rows(pdf: Path, letters: Sequence[Letter]) -> list[IndexRow]:
    """The index of a finished batch ``pdf`` of ``letters``, read from its outline."""
    try:
        pages = batch_pdf.letter_pages(pdf, len(letters))
    except batch_pdf.BatchPdfError as exc:
        raise PrintBatchError(f"{pdf.name}: {exc}") from exc
    return _index(letters, pages)


def finish_batch(printed: Path, pdf: Path, letters: Sequence[Letter]) -> list[IndexRow]:
    """Finish the batch Chromium printed into ``pdf`` (each letter tagged in
    its language, :mod:`ontzorging.adapters.batch_pdf`); returns its index."""
    try:
        pages = batch_pdf.finish(printed, pdf, [letter.language for letter in letters])
    except batch_pdf.BatchPdfError as exc:
        raise PrintBatchError(f"{pdf.name}: {exc}") from exc
    return _index(letters, pages)


def _index(letters: Sequence[Letter], pages: Sequence[batch_pdf.LetterPages]) -> list[IndexRow]:
    return [
        IndexRow(letter.household_id, p.first_page, p.pages, letter.language, letter.coach)
        for letter, p in zip(letters, pages, strict=True)
    ]


def index_csv(rows: Sequence[IndexRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(INDEX_COLUMNS)
    for r in rows:
        writer.writerow(
            [
                neutralise_cell(r.household_id),
                r.first_page,
                r.pages,
                r.language,
                neutralise_cell(r.coach),
            ]
        )
    return out.getvalue()


def batch_stem(month: date, number: int) -> str:
    return f"letters-{format_month(month)}-{number:04d}"


def write_print_batches(
    conn: Connection,
    home_overviews_dir: Path,
    home_print_dir: Path,
    month: date,
    chromium: Path,
    *,
    batch_letters: int = DEFAULT_BATCH_LETTERS,
    workers: int | None = None,
) -> PrintCounts:
    """Print the overviews of ``month`` (already written) in batches; rewriting
    a month replaces its batches. Returns what was written and one message per
    batch that failed."""
    if batch_letters < 1:
        raise ValueError("batch_letters must be at least 1")
    month = month_of(month)
    source = home_overviews_dir / format_month(month)
    directory = home_print_dir / format_month(month)
    directory.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(directory)
    chunks: dict[Path, list[Letter]] = {}
    made: list[Path] = []

    def batches() -> Iterator[tuple[Path, tuple[Path, Path]]]:
        """The next batch's HTML, made when a browser asks for it."""
        letters = letters_of_month(conn, source)
        number = 0
        while chunk := list(islice(letters, batch_letters)):
            number += 1
            stem = batch_stem(month, number)
            # Chromium's PDF is hidden until it is finished: a PDF without its
            # index, or with letters in the wrong language, never lies there.
            html, printed = directory / f".{stem}.html", directory / f".{stem}.printed.pdf"
            made.extend((html, printed))
            write_text_atomically(html, batch_html(chunk))
            pdf = directory / f"{stem}.pdf"
            chunks[pdf] = chunk
            yield pdf, (html, printed)

    lock = threading.Lock()
    written: list[Path] = []
    failed: list[str] = []
    totals = {"letters": 0, "pages": 0}

    def finish(pdf: Path, result: Path | str) -> None:
        with lock:
            chunk = chunks.pop(pdf)
        pdf.with_name(f".{pdf.stem}.html").unlink(missing_ok=True)
        try:
            if isinstance(result, str):
                raise PrintBatchError(result)
            rows = finish_batch(result, pdf, chunk)
            index = pdf.with_suffix(".csv")
            write_text_atomically(index, index_csv(rows))
        except PrintBatchError as exc:
            pdf.unlink(missing_ok=True)
            with lock:
                failed.append(str(exc))
            return
        finally:
            pdf.with_name(f".{pdf.stem}.printed.pdf").unlink(missing_ok=True)
        with lock:
            written.extend((pdf, index))
            totals["letters"] += len(rows)
            totals["pages"] += sum(r.pages for r in rows)

    # A batch's index is read from its PDF on a thread of its own, so that
    # the browser that printed it goes on with the next batch meanwhile.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="print-index") as indexer:
        finishing: list[Future[None]] = []
        try:
            pdf_output.print_each(
                batches(),
                chromium,
                lambda pdf, result: finishing.append(indexer.submit(finish, pdf, result)),
                workers=workers,
                timeout=BATCH_TIMEOUT_SECONDS + LETTER_TIMEOUT_SECONDS * batch_letters,
            )
            for future in finishing:
                future.result()
        finally:
            for hidden in made:
                hidden.unlink(missing_ok=True)
    written.sort()
    _remove_stale(directory, set(written))
    return PrintCounts(
        len(written) // 2, totals["letters"], totals["pages"], tuple(written), tuple(failed)
    )


def _remove_stale(directory: Path, keep: set[Path]) -> None:
    """Batches of an earlier printing of the month that this one did not
    rewrite: an out-of-date batch must not go to the printer."""
    for path in directory.iterdir():
        if _BATCH_FILE.match(path.name) and path not in keep:
            path.unlink(missing_ok=True)


def _remove_leftovers(directory: Path) -> None:
    """The hidden files of an earlier printing of the month that was killed
    (the monthly run holds the run lock: no other printing is under way)."""
    for path in directory.iterdir():
        if _LEFTOVER.match(path.name):
            path.unlink(missing_ok=True)
