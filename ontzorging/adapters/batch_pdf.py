"""A print batch's PDF, read and finished with qpdf (pikepdf).

Chromium prints a batch of letters as one tagged PDF with an outline
(bookmarks) from the headings: one top-level entry per letter, its ``<h1>``,
pointing to the letter's first page and (``/SE``) to the heading's element
in the structure tree. From that outline:

- the letters' pages: where each starts, so the index matches the pages;
- each letter's language: Chromium tags the whole document in the language
  of its ``<html>`` and drops a block's own ``lang``, so an English letter in
  a Dutch batch would be read aloud as Dutch. The letter's element (the
  child of the ``/Document`` element that holds its heading) gets ``/Lang``.

The finished file is written with object streams (about a third of
Chromium's size: the structure tree is some 100,000 small objects per 500
letters); the page content is copied as it is. qpdf reads only the objects
it is asked for, so this costs about a second per 500 letters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pikepdf

from ontzorging.adapters.files import replacing

# Climbing from a heading to its letter's element: deeper than this is not
# an overview (and guards against a loop of /P entries).
MAX_STRUCTURE_DEPTH = 64
# What qpdf and pikepdf raise for a file that is no PDF, or an object that is
# not what the PDF standard says it is.
_UNREADABLE = (pikepdf.PdfError, OSError, ValueError, KeyError, TypeError, AttributeError)


class BatchPdfError(Exception):
    """The PDF's outline or structure does not match its letters."""


@dataclass(frozen=True)
class LetterPages:
    first_page: int  # from 1
    pages: int


def finish(printed: Path, finished: Path, languages: Sequence[str]) -> list[LetterPages]:
    """Read the letters' pages from ``printed`` (one letter per language in
    ``languages``, in order), tag each letter's language, and write the
    result to ``finished`` (atomically). Returns each letter's pages."""
    try:
        with pikepdf.open(printed) as document:
            entries = _letter_entries(document, len(languages))
            elements = [_letter_element(entry) for entry in entries]
            if len({element.objgen for element in elements}) != len(elements):
                raise BatchPdfError("two letters share one element of the structure tree")
            for element, language in zip(elements, languages, strict=True):
                element.Lang = pikepdf.String(language)
            pages = _pages(document, entries)
            with replacing(finished, ".pdf") as temporary:
                document.save(
                    temporary,
                    object_stream_mode=pikepdf.ObjectStreamMode.generate,
                    stream_decode_level=pikepdf.StreamDecodeLevel.none,
                )
    except _UNREADABLE as exc:
        raise BatchPdfError(f"cannot finish it: {exc}") from exc
    return pages


def letter_pages(pdf: Path, letters: int) -> list[LetterPages]:
    """Each letter's pages in a batch PDF of ``letters`` letters."""
    try:
        with pikepdf.open(pdf) as document:
            return _pages(document, _letter_entries(document, letters))
    except _UNREADABLE as exc:
        raise BatchPdfError(f"cannot read its outline: {exc}") from exc


def _letter_entries(document: pikepdf.Pdf, letters: int) -> list[pikepdf.Object]:
    """The outline's top-level entries, one per letter."""
    outlines = document.Root.get("/Outlines")
    entry = outlines.get("/First") if outlines is not None else None
    entries: list[pikepdf.Object] = []
    while entry is not None:
        entries.append(entry)
        if len(entries) > len(document.pages):  # more letters than pages: a loop
            raise BatchPdfError("the outline does not end")
        entry = entry.get("/Next")
    if len(entries) != letters:
        raise BatchPdfError(f"the outline names {len(entries)} letter(s) for {letters}")
    return entries


def _pages(document: pikepdf.Pdf, entries: Sequence[pikepdf.Object]) -> list[LetterPages]:
    numbers: dict[tuple[int, int], int] = {
        page.obj.objgen: number for number, page in enumerate(document.pages)
    }
    starts = []
    for entry in entries:
        destination = entry.get("/Dest")
        page = destination[0] if isinstance(destination, pikepdf.Array) and destination else None
        number = numbers.get(page.objgen) if isinstance(page, pikepdf.Dictionary) else None
        if number is None:
            raise BatchPdfError("an outline entry points to no page")
        starts.append(number)
    if (starts and starts[0] != 0) or any(b <= a for a, b in pairwise(starts)):
        raise BatchPdfError("the letters' first pages are out of order")
    ends = [*starts[1:], len(document.pages)]
    return [LetterPages(first + 1, end - first) for first, end in zip(starts, ends, strict=True)]


def _letter_element(entry: pikepdf.Object) -> pikepdf.Object:
    """The child of the ``/Document`` element that holds the entry's heading."""
    element = entry.get("/SE")
    for _ in range(MAX_STRUCTURE_DEPTH):
        if not isinstance(element, pikepdf.Dictionary):
            break
        parent = element.get("/P")
        if isinstance(parent, pikepdf.Dictionary) and parent.get("/S") == pikepdf.Name.Document:
            return element
        element = parent
    raise BatchPdfError("a letter's heading is not in the document's structure tree")
