"""Read a CSV or XLSX input file into a header and rows of stripped text.

Rules (DESIGN.md 5.2):

* The format is recognised by content, not by file name: a ZIP container is
  XLSX (first sheet), anything else is CSV. Old binary ``.xls`` and UTF-16
  text are refused with a message saying how to save the file.
* CSV: UTF-8 with or without BOM; the delimiter (``;`` or ``,``) is the one
  occurring most often in the header line; ``"`` quotes fields.
* The header is the first non-blank line; column names are matched
  case-insensitively after stripping. A missing required column, an unknown
  column (typo protection) and a column named twice are problems. Header
  problems reject the file before any row is checked, because with a wrong
  header every row's problems would be misleading.
* Blank lines (also lines of only delimiters, as spreadsheets export) are
  skipped. A CSV row with more or fewer fields than the header is a problem;
  in XLSX, missing trailing cells are empty (spreadsheets do not store them)
  and only extra non-empty cells are a problem.
* XLSX cells are turned into the text a person would have typed: a date cell
  into an ISO date, a number into its shortest exact decimal text (so 1334.23
  stays ``1334.23`` and a float artefact such as 0.30000000000000004 stays
  visible and is refused by the amount parser rather than silently rounded).
  A number in a *digit column* (e.g. a BSN) gets back the leading zeros the
  spreadsheet dropped.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Generator, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from ontzorging.intake.parsing.problems import (
    FILE_LEVEL_LINE,
    NO_COLUMN,
    FileRejected,
    Problem,
    mask_digit_runs,
)

MAX_ROWS_PER_FILE = 1_000_000
"""Data rows per file. A national shared service has 100,000+ households with a
handful of obligations each; more rows than this is a wrong file, and the
bound keeps the memory of one import bounded."""

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_DELIMITERS = (";", ",")


@dataclass(frozen=True)
class Columns:
    """The columns a file kind has.

    ``digit_columns`` maps a column to the number of digits its values have,
    so that a numeric XLSX cell gets back its leading zeros.
    """

    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    digit_columns: Mapping[str, int] = field(default_factory=dict)

    @property
    def known(self) -> tuple[str, ...]:
        return self.required + self.optional


class RawRow(NamedTuple):
    """One data row: its line in the file and its stripped text per column."""

    line: int
    values: dict[str, str]


@dataclass(frozen=True)
class Table:
    """A file read as text: header, rows and the problems with row shapes."""

    header: tuple[str, ...]
    rows: tuple[RawRow, ...]
    problems: tuple[Problem, ...]


def read_table(path: Path, columns: Columns, *, file: str | None = None) -> Table:
    """Read ``path`` (CSV or XLSX) into a :class:`Table`.

    ``file`` is the name used in problems (default: ``str(path)``). Raises
    :class:`FileRejected` when the file as a whole or its header is wrong;
    problems with single rows are in ``Table.problems``.
    """
    with open_table(path, columns, file=file) as table:
        rows = tuple(table)
        return Table(header=table.header, rows=rows, problems=tuple(table.problems))


@contextmanager
def open_table(path: Path, columns: Columns, *, file: str | None = None) -> Iterator[TableReader]:
    """Open ``path`` (CSV or XLSX) to read its rows one at a time, so that a
    large file is never held whole in memory; the header is checked here.

    Raises :class:`FileRejected` as :func:`read_table` does, the file-level
    problems found while rows are read (too many rows, a line that is not
    UTF-8) while iterating."""
    name = str(path) if file is None else file
    with path.open("rb") as stream:
        magic = stream.read(4)
    if magic == _ZIP_MAGIC:
        records: Generator[tuple[int, list[str]]] = _xlsx_records(path, name, columns)
        ragged_short_ok = True
    else:
        _check_text_encoding(magic, name)
        records = _csv_records(path, name)
        ragged_short_ok = False
    try:
        yield TableReader(records, name, columns, ragged_short_ok=ragged_short_ok)
    finally:
        records.close()  # closes the file even when the header is rejected


def _reject(file: str, message: str, line: int = FILE_LEVEL_LINE) -> FileRejected:
    return FileRejected((Problem(file, line, NO_COLUMN, message),))


def _check_text_encoding(magic: bytes, file: str) -> None:
    if magic == _OLE_MAGIC:
        raise _reject(file, "old Excel .xls format; save the file as .xlsx or as CSV UTF-8")
    if magic[:2] in _UTF16_BOMS:
        raise _reject(file, "file is UTF-16 text; save it as CSV UTF-8")


# --- table building (common to CSV and XLSX) ---------------------------------


def _is_blank(fields: list[str]) -> bool:
    return all(not value.strip() for value in fields)


class TableReader:
    """A file whose header was read and checked; iterating yields its data
    rows. ``problems`` holds the problems with row shapes found so far."""

    def __init__(
        self,
        records: Iterator[tuple[int, list[str]]],
        file: str,
        columns: Columns,
        *,
        ragged_short_ok: bool,
    ) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self._ragged_short_ok = ragged_short_ok
        self._records = ((line, fields) for line, fields in records if not _is_blank(fields))
        try:
            first = next(self._records, None)
        except _UnreadableLine as error:  # before the header: nothing can be read
            raise _reject(file, error.message, error.line) from None
        if first is None:
            raise _reject(file, "file is empty; a header line with the column names is required")
        header_line, header_fields = first
        self.header = _check_header(header_line, header_fields, file, columns)

    def __iter__(self) -> Iterator[RawRow]:
        file, header = self.file, self.header
        try:
            for count, (line, fields) in enumerate(self._records, start=1):
                if count > MAX_ROWS_PER_FILE:
                    raise _reject(file, f"more than {MAX_ROWS_PER_FILE} rows; split the file", line)
                values = _row_values(header, fields, ragged_short_ok=self._ragged_short_ok)
                if values is None:
                    message = f"row has {len(fields)} fields, the header has {len(header)}"
                    self.problems.append(Problem(file, line, NO_COLUMN, message))
                else:
                    yield RawRow(line, values)
        except _UnreadableLine as error:
            self.problems.append(Problem(file, error.line, NO_COLUMN, error.message))


def _row_values(
    header: tuple[str, ...], fields: list[str], *, ragged_short_ok: bool
) -> dict[str, str] | None:
    if len(fields) > len(header) and not _is_blank(fields[len(header) :]):
        return None
    if len(fields) < len(header) and not ragged_short_ok:
        return None
    padded = itertools.chain(fields, itertools.repeat(""))
    return {name: value.strip() for name, value in zip(header, padded, strict=False)}


def _check_header(line: int, fields: list[str], file: str, columns: Columns) -> tuple[str, ...]:
    header = tuple(name.strip().lower() for name in fields)
    known = columns.known
    if not set(header) & set(known):
        message = f"no known column names: the first line must be the header: {', '.join(known)}"
        raise _reject(file, message, line)
    problems: list[Problem] = []
    seen: set[str] = set()
    for position, name in enumerate(header, start=1):
        shown_name = mask_digit_runs(name)
        if not name:
            problems.append(Problem(file, line, NO_COLUMN, f"column {position} has no name"))
        elif name in seen:
            problems.append(Problem(file, line, shown_name, "column appears twice in the header"))
        elif name not in known:
            message = f"unknown column (a typo?); the columns are: {', '.join(known)}"
            problems.append(Problem(file, line, shown_name, message))
        seen.add(name)
    for name in columns.required:
        if name not in seen:
            problems.append(Problem(file, line, name, "required column is missing"))
    if problems:
        raise FileRejected(tuple(problems))
    return header


class _UnreadableLine(Exception):
    """A line that cannot be read; reading the file stops there."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


# --- CSV -------------------------------------------------------------------------


def _csv_records(path: Path, file: str) -> Generator[tuple[int, list[str]]]:
    """Yield (line where the record starts, fields) for every CSV record."""
    with path.open("rb") as stream:
        lines = _decoded_lines(stream, file)
        leading: list[str] = []
        for text in lines:
            leading.append(text)
            if text.strip():
                break
        if not leading or not leading[-1].strip():
            return
        delimiter = _detect_delimiter(leading[-1], file, len(leading))
        reader = csv.reader(itertools.chain(leading, lines), delimiter=delimiter, strict=True)
        last_line = 0
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise _UnreadableLine(last_line + 1, f"cannot read the CSV: {error}") from None
            yield last_line + 1, fields
            last_line = reader.line_num


def _decoded_lines(stream: Iterable[bytes], file: str) -> Iterator[str]:
    """Decode line by line, so that a bad byte is reported with its line.

    UTF-8 never uses the byte of ``\\n`` inside a multi-byte character, so
    decoding per line is exact.
    """
    for number, raw in enumerate(stream, start=1):
        data = raw[len(_UTF8_BOM) :] if number == 1 and raw.startswith(_UTF8_BOM) else raw
        try:
            yield data.decode("utf-8")
        except UnicodeDecodeError as error:
            message = (
                f"file is not UTF-8 (byte 0x{data[error.start]:02X} on this line); "
                "save it as CSV UTF-8"
            )
            raise _reject(file, message, number) from None


def _detect_delimiter(header_line: str, file: str, line: int) -> str:
    counts = {delimiter: _count_unquoted(header_line, delimiter) for delimiter in _DELIMITERS}
    delimiter = max(_DELIMITERS, key=lambda d: counts[d])
    if counts[delimiter] == 0:
        message = "cannot tell the delimiter: the header line has no ';' or ','"
        raise _reject(file, message, line)
    return delimiter


def _count_unquoted(text: str, char: str) -> int:
    count, quoted = 0, False
    for c in text:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


# --- XLSX -------------------------------------------------------------------------


def _xlsx_records(path: Path, file: str, columns: Columns) -> Generator[tuple[int, list[str]]]:
    """Yield (spreadsheet row number, cell texts) for the first sheet."""
    import openpyxl  # imported here: CSV imports need not load it

    stream = path.open("rb")  # a stream, not a path: openpyxl would insist on ".xlsx"
    try:
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        stream.close()
        message = f"cannot read the XLSX file ({type(error).__name__}); is it a valid .xlsx?"
        raise _reject(file, message) from None
    try:
        if not workbook.worksheets:
            return
        sheet = workbook.worksheets[0]
        digits: list[int | None] | None = None  # per column; None until the header
        for number, cells in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            if digits is None:
                header = _trim_trailing_blanks([cell_text(value, None) for value in cells])
                if header:
                    digits = [columns.digit_columns.get(n.strip().lower()) for n in header]
                    yield number, header
                continue
            widths = itertools.chain(digits, itertools.repeat(None))  # endless: no strict
            texts = [cell_text(value, width) for value, width in zip(cells, widths, strict=False)]
            yield number, texts
    finally:
        workbook.close()
        stream.close()


def _trim_trailing_blanks(texts: list[str]) -> list[str]:
    end = len(texts)
    while end > 0 and not texts[end - 1].strip():
        end -= 1
    return texts[:end]


def cell_text(value: object, digits: int | None = None) -> str:
    """The text a person would have typed for a spreadsheet cell value."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        text = str(value)
        if digits is not None and value >= 0:
            text = text.zfill(digits)
        return text
    if isinstance(value, float):
        # repr is the shortest text that reads back as the same float: exact
        # for every amount typed with at most 2 decimals, never rounded here.
        return format(Decimal(repr(value)), "f")
    return str(value)
