"""Reading CSV and XLSX files into header and rows."""

from __future__ import annotations

from datetime import date, datetime, time
from pathlib import Path

import openpyxl
import pytest

from ontzorging.intake.parsing import parse_file, table
from ontzorging.intake.parsing.problems import FileRejected
from ontzorging.intake.parsing.table import Columns, RawRow, cell_text, read_table

COLUMNS = Columns(required=("id", "amount"), optional=("note",))
IBAN = "NL91ABNA0417164300"


def write_csv(tmp_path: Path, content: str | bytes, name: str = "in.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def test_header_is_normalised_and_rows_are_stripped_with_their_lines(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "\n ID ;Amount;NOTE\n\n a ; 1,5 ;\n;;\nb;2;x y \n")

    result = read_table(path, COLUMNS)

    assert result.header == ("id", "amount", "note")
    assert result.rows == (
        RawRow(4, {"id": "a", "amount": "1,5", "note": ""}),
        RawRow(6, {"id": "b", "amount": "2", "note": "x y"}),
    )
    assert result.problems == ()


@pytest.mark.parametrize(
    "content",
    [
        'id;amount;note\n1;"1,5";"a;b"\n',
        'id,amount,note\n1,"1,5","a;b"\n',
        '"id";"amount";"note"\n1;"1,5";"a;b"\n',
        'id;amount;note,x\n1;"1,5";"a;b"\n',
    ],
    ids=["semicolon", "comma", "quoted header", "the more frequent wins"],
)
def test_delimiter_is_detected_from_the_header(tmp_path: Path, content: str) -> None:
    path = write_csv(tmp_path, content)

    result = read_table(path, Columns(required=("id", "amount"), optional=("note", "note,x")))

    assert [row.values["id"] for row in result.rows] == ["1"]
    assert result.rows[0].values["amount"] == "1,5"


def test_a_quoted_delimiter_in_the_header_does_not_count(tmp_path: Path) -> None:
    path = write_csv(tmp_path, '"id,x";amount\n')

    with pytest.raises(FileRejected) as raised:
        read_table(path, COLUMNS)
    assert [(p.column, p.message[:14]) for p in raised.value.problems] == [
        ("id,x", "unknown column"),
        ("id", "required colum"),
    ]


def test_bom_and_crlf(tmp_path: Path) -> None:
    path = write_csv(tmp_path, "\ufeffid;amount\r\n1;2\r\n")

    assert read_table(path, COLUMNS).rows == (RawRow(2, {"id": "1", "amount": "2"}),)


def test_a_later_line_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path, b"id;amount;note\n1;2;ok\n3;4;caf\xe9\n")

    with pytest.raises(FileRejected) as raised:
        read_table(path, COLUMNS, file="x.csv")
    assert [str(p) for p in raised.value.problems] == [
        "x.csv:3: -: file is not UTF-8 (byte 0xE9 on this line); save it as CSV UTF-8"
    ]


def test_an_unclosed_quote_stops_reading_with_a_problem(tmp_path: Path) -> None:
    path = write_csv(tmp_path, 'id;amount\n1;2\n3;"4\n5;6\n')

    result = read_table(path, COLUMNS)

    assert [(p.line, p.message[:19]) for p in result.problems] == [(3, "cannot read the CSV")]
    assert [row.line for row in result.rows] == [2]


def test_row_limit_is_an_explicit_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table, "MAX_ROWS_PER_FILE", 2)
    path = write_csv(tmp_path, "id;amount\n1;1\n2;2\n\n3;3\n")

    with pytest.raises(FileRejected) as raised:
        read_table(path, COLUMNS, file="big.csv")
    assert [str(p) for p in raised.value.problems] == [
        "big.csv:5: -: more than 2 rows; split the file"
    ]


def test_exactly_the_row_limit_is_fine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table, "MAX_ROWS_PER_FILE", 2)
    path = write_csv(tmp_path, "id;amount\n1;1\n2;2\n")

    assert len(read_table(path, COLUMNS).rows) == 2


# --- XLSX ---------------------------------------------------------------------------


def write_xlsx(path: Path, *rows: list[object], first_sheet_title: str = "Blad1") -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = first_sheet_title
    for row in rows:
        sheet.append(row)
    other = workbook.create_sheet("Toelichting")
    other.append(["this sheet is not read"])
    workbook.active = other  # the first sheet is read, not the active one
    workbook.save(path)
    return path


def test_xlsx_bijstand_with_date_number_and_leading_zero_cells(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "bijstand.xlsx",
        ["Payment_ID", "BSN", "period", "kind", "amount", "payout_date", "iban"],
        ["B-1", 12345672, datetime(2026, 3, 1), "levensonderhoud", 1334.23, date(2026, 2, 25)],
        [],  # an empty spreadsheet row: skipped, but counted
        ["B-2", "111222333", "2026-03", "Vakantietoeslag", 64, "25-02-2026", IBAN],
        ["B-3", 111222333, "2026-03", "voorschot", 100.5, datetime(2026, 2, 25), None],
    )

    result = parse_file("bijstand", path)

    assert result.problems == ()
    assert [
        (r.line, r.bsn, r.period, r.kind, r.amount_cents, r.payout_date) for r in result.rows
    ] == [
        (2, "012345672", date(2026, 3, 1), "levensonderhoud", 133423, date(2026, 2, 25)),
        (4, "111222333", date(2026, 3, 1), "vakantietoeslag", 6400, date(2026, 2, 25)),
        (5, "111222333", date(2026, 3, 1), "voorschot", 10050, date(2026, 2, 25)),
    ]
    assert [r.iban for r in result.rows] == [None, IBAN, None]


def test_xlsx_problems_name_the_spreadsheet_row(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "creditors.xlsx",
        ["creditor_id", "name", "iban", "bic", "kind"],
        ["C-1", "Woonstichting", IBAN, None, "huur"],
        [],
        ["C-2", "Eneco", IBAN, None, "gas"],
        ["C-3", "Vitens", IBAN, None, "water", "extra"],
    )

    problems = parse_file("creditors", path, file="creditors.xlsx").problems

    assert [str(p)[:34] for p in problems] == [
        "creditors.xlsx:4: kind: unknown va",
        "creditors.xlsx:5: -: row has 6 fie",
    ]


def test_xlsx_recognised_by_content_even_when_named_csv(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "export.csv", ["id", "amount", None, None], [None, None], ["a", 1334.23]
    )

    result = read_table(path, COLUMNS)

    assert result.header == ("id", "amount")
    assert result.rows == (RawRow(3, {"id": "a", "amount": "1334.23"}),)


def test_xlsx_with_an_empty_first_sheet_is_empty(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "empty.xlsx")

    with pytest.raises(FileRejected, match="empty"):
        read_table(path, COLUMNS)


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (None, None, ""),
        (" x ", None, " x "),
        (1334.23, None, "1334.23"),
        (142.4, None, "142.4"),
        (0.1 + 0.2, None, "0.30000000000000004"),  # refused later, never rounded here
        (1e16, None, "10000000000000000"),
        (1e-5, None, "0.00001"),
        (1334.0, None, "1334"),
        (615, None, "615"),
        (12345672, 9, "012345672"),
        (12345672.0, 9, "012345672"),
        (datetime(2026, 3, 1), None, "2026-03-01"),
        (datetime(2026, 3, 1, 12, 30), None, "2026-03-01 12:30:00"),
        (date(2026, 3, 1), None, "2026-03-01"),
        (time(12, 30), None, "12:30:00"),
        (True, None, "true"),
    ],
)
def test_cell_text(value: object, digits: int | None, text: str) -> None:
    assert cell_text(value, digits) == text


def test_columns_known_lists_required_then_optional() -> None:
    assert COLUMNS.known == ("id", "amount", "note")
