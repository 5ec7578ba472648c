"""Problems found in an input file, and the exception that rejects a file.

A problem is a value, not an exception: a parser collects every problem of a
file so that the user can fix them all in one go (DESIGN.md 5.2).

Line numbering (1-based physical lines of the file, the header is line 1 of a
CSV file that starts with its header):

* a problem in a row has the line on which that row starts;
* a problem in the header has the header's line and the column concerned
  (``-`` when it is about the header as a whole);
* a problem with the file as a whole (empty, unreadable, wrong encoding, too
  many rows) has line 0 and column ``-``, unless a more precise line is known
  (the first line that is not UTF-8, the first row over the limit).

For XLSX files the line is the spreadsheet row number.

Messages never contain a BSN (DOMAIN.md R9).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ontzorging.domain.errors import BadInput

FILE_LEVEL_LINE = 0
"""Line of a problem that concerns the whole file rather than one line."""

NO_COLUMN = "-"
"""Column of a problem that concerns no single column."""

_BSN_LIKE = re.compile(r"(?<!\d)\d{8,9}(?!\d)")


def mask_digit_runs(text: str) -> str:
    """``text`` with every run of exactly 8 or 9 digits replaced by ``#``.

    Applied to any input text a problem repeats, so that a BSN in an
    unexpected place (a shifted column, an IBAN column, a missing header)
    never reaches a message or a log. 8 digits: a BSN whose leading zero a
    spreadsheet dropped. Longer runs (account numbers, betalingskenmerken)
    are no BSN and stay readable.
    """
    return _BSN_LIKE.sub(lambda match: "#" * len(match.group()), text)


def printable(text: str) -> str:
    """``text`` safe to print, log and write as UTF-8: the bytes of a file name
    that are no UTF-8 as ``\\xNN``, control characters (a newline in a file
    name) escaped."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte
        raw = text.encode("utf-8", "backslashreplace")
    readable = raw.decode("utf-8", "backslashreplace")
    if readable.isprintable():
        return readable
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in readable)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, at ``file:line`` in ``column``."""

    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.column}: {self.message}"


class ParsingError(BadInput):
    """Base of the exceptions raised by ``ontzorging.intake.parsing``."""


class FileRejected(ParsingError):
    """A file cannot be accepted; ``problems`` says every reason found."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        if not problems:
            raise ValueError("FileRejected needs at least one problem")
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))
