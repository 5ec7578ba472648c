"""The register files of DESIGN.md 5.2: valid files, and a table of bad ones."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from ontzorging.intake.parsing import (
    BijstandRow,
    CreditorRow,
    FileKind,
    FileRejected,
    HouseholdRow,
    ObligationRow,
    Problem,
    check_references,
    parse_file,
)

# Valid values: BSNs pass the 11-proef, IBANs and BICs pass schwifty,
# 5000056789012345 is the Currence example betalingskenmerk, RF18539007547034
# a valid ISO 11649 reference.
BSN_A = "111222333"
BSN_B = "123456782"
BSN_C = "999999990"
IBAN_A = "NL91ABNA0417164300"
IBAN_CREDITOR = "NL20INGB0001234567"
KENMERK = "5000056789012345"
RF = "RF18539007547034"

COLUMNS: dict[FileKind, dict[str, str]] = {
    "households": {
        "household_id": "H-A",
        "bsn": BSN_A,
        "name": "A. Jansen",
        "birth_date": "1998-04-12",
        "partner_bsn": "",
        "partner_name": "",
        "partner_birth_date": "",
        "iban": IBAN_A,
        "bijstand_start": "2026-02-10",
        "bijstand_end": "",
        "coach": "M. de Vries",
        "language": "nl",
    },
    "creditors": {
        "creditor_id": "C-WOON",
        "name": "Woonstichting De Veste",
        "iban": IBAN_CREDITOR,
        "bic": "INGBNL2A",
        "kind": "huur",
    },
    "obligations": {
        "obligation_id": "O-1",
        "household_id": "H-A",
        "kind": "huur",
        "creditor_id": "C-WOON",
        "amount": "615,00",
        "frequency": "monthly",
        "reference": KENMERK,
        "valid_from": "2026-02-01",
        "valid_to": "",
        "legal_basis": "56a",
    },
    "bijstand": {
        "payment_id": "B-1",
        "bsn": BSN_A,
        "period": "2026-03",
        "kind": "levensonderhoud",
        "amount": "1.334,23",
        "payout_date": "2026-02-25",
        "iban": "",
    },
}


def header(kind: FileKind) -> str:
    return ";".join(COLUMNS[kind])


def row(file_kind: FileKind, /, **changes: str) -> str:
    """A valid row of ``file_kind`` with some columns changed."""
    unknown = set(changes) - set(COLUMNS[file_kind])
    if unknown:
        raise KeyError(unknown)
    values = COLUMNS[file_kind].items()
    return ";".join(changes.get(column, value) for column, value in values)


def text(kind: FileKind, *rows: str) -> str:
    return "\n".join([header(kind), *rows]) + "\n"


def write(tmp_path: Path, content: str | bytes, name: str = "input.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


def parse(kind: FileKind, tmp_path: Path, content: str | bytes) -> tuple[Problem, ...]:
    path = write(tmp_path, content)
    return parse_file(kind, path, file="input.csv").problems


# --- the table of bad input -------------------------------------------------------


@dataclass(frozen=True)
class Bad:
    kind: FileKind
    content: str | bytes
    line: int
    column: str
    fragment: str
    count: int = 1  # how many problems the file has in all


def one_row(file_kind: FileKind, column: str, fragment: str, /, **changes: str) -> Bad:
    """A file with one row, valid but for ``changes``, with one problem."""
    return Bad(file_kind, text(file_kind, row(file_kind, **changes)), 2, column, fragment)


H_ROW = row("households")
C_ROW = row("creditors")
LONG_NAME = "Jansen-" + "x" * 64  # 71 characters

BAD = {
    # BSN
    "bsn fails 11-proef": one_row("households", "bsn", "11-proef", bsn="123456789"),
    "bsn with a letter": one_row("households", "bsn", "9 digits", bsn="12345678a"),
    "bsn of 8 digits in CSV": one_row("households", "bsn", "9 digits", bsn="11222333"),
    "bsn all zeros": one_row("bijstand", "bsn", "11-proef", bsn="000000000"),
    "bijstand bsn empty": one_row("bijstand", "bsn", "required", bsn=""),
    # IBAN / BIC
    "iban checksum wrong": one_row("households", "iban", "checksum", iban="NL91ABNA0417164301"),
    "NL iban with unknown bank code": one_row(
        "creditors", "iban", "unknown Dutch bank code", iban="NL51ZZZZ0123456789"
    ),
    "bijstand iban bad": one_row("bijstand", "iban", "checksum", iban="NL02RABO0123456789"),
    "bic bad country": one_row("creditors", "bic", "country code", bic="ABNAXX2A"),
    "bic too short": one_row("creditors", "bic", "length", bic="ABNANL2"),
    # dates
    "date unparseable": one_row("households", "birth_date", "not a date", birth_date="12/04/1998"),
    "31 February": one_row("obligations", "valid_from", "no such date", valid_from="31-02-2026"),
    "date before 1900": one_row("households", "birth_date", "outside", birth_date="1850-01-01"),
    "valid_to before valid_from": one_row(
        "obligations", "valid_to", "before valid_from", valid_to="2026-01-31"
    ),
    "bijstand_end before bijstand_start": one_row(
        "households", "bijstand_end", "before bijstand_start", bijstand_end="2026-02-09"
    ),
    "birth_date after bijstand_start": one_row(
        "households", "birth_date", "after bijstand_start", birth_date="2026-02-11"
    ),
    "period month 13": one_row("bijstand", "period", "not a month", period="2026-13"),
    "period not a month": one_row("bijstand", "period", "not a period", period="maart"),
    # amounts
    "amount with 3 decimals": one_row("obligations", "amount", "2 decimals", amount="1.615,001"),
    "amount ambiguous 1.615": one_row("obligations", "amount", "ambiguous", amount="1.615"),
    "amount negative": one_row("bijstand", "amount", "negative", amount="-1334,23"),
    "amount zero": one_row("obligations", "amount", "more than zero", amount="0,00"),
    "amount abc": one_row("obligations", "amount", "not an amount", amount="abc"),
    "amount above limit": one_row("bijstand", "amount", "limit", amount="1.000.000.000,00"),
    "amount bad grouping": one_row("bijstand", "amount", "group", amount="1.33.4,00"),
    # codes
    "obligation kind unknown": one_row("obligations", "kind", "unknown value 'hur'", kind="hur"),
    "creditor kind unknown": one_row("creditors", "kind", "expected one of", kind="gas"),
    "bijstand kind unknown": one_row("bijstand", "kind", "unknown value", kind="toeslag"),
    "frequency unknown": one_row("obligations", "frequency", "unknown value", frequency="weekly"),
    "legal_basis unknown": one_row("obligations", "legal_basis", "56a, 57", legal_basis="56b"),
    "language unknown": one_row("households", "language", "nl, en", language="de"),
    # references
    "betalingskenmerk wrong check digit": one_row(
        "obligations", "reference", "check digit", reference="4000056789012345"
    ),
    "RF wrong check digits": one_row(
        "obligations", "reference", "check digits", reference="RF19539007547034"
    ),
    "reference empty": one_row("obligations", "reference", "required", reference=""),
    # ids and names
    "id with a space": one_row("households", "household_id", "invalid id", household_id="H A"),
    "id with a slash": one_row("creditors", "creditor_id", "invalid id", creditor_id="C/WOON"),
    "id starting with -": one_row("bijstand", "payment_id", "invalid id", payment_id="-B1"),
    "id longer than 35": one_row("obligations", "obligation_id", "35", obligation_id="O" * 36),
    "obligation household_id bad": one_row(
        "obligations", "household_id", "invalid id", household_id="H:A"
    ),
    "name too long": one_row("households", "name", "longer than 70", name=LONG_NAME),
    "name empty": one_row("creditors", "name", "required", name=""),
    "coach empty": one_row("households", "coach", "required", coach=""),
    "name with a line break": Bad(
        "households",
        text("households", row("households", name='"A.\nJansen"')),
        2,
        "name",
        "line break",
    ),
    # households: partner
    "partner half filled": Bad(
        "households",
        text("households", row("households", partner_bsn=BSN_B)),
        2,
        "partner_name",
        "half filled",
        count=2,  # partner_name and partner_birth_date
    ),
    "partner_bsn is bsn": one_row(
        "households",
        "partner_bsn",
        "same as bsn",
        partner_bsn=BSN_A,
        partner_name="B. Jansen",
        partner_birth_date="1999-01-01",
    ),
    # duplicates
    "duplicate household_id": Bad(
        "households",
        text("households", H_ROW, row("households", bsn=BSN_B)),
        3,
        "household_id",
        "also on line 2",
    ),
    "duplicate creditor_id ignoring case": Bad(
        "creditors",
        text("creditors", C_ROW, row("creditors", creditor_id="c-woon")),
        3,
        "creditor_id",
        "also on line 2",
    ),
    "duplicate payment_id": Bad(
        "bijstand",
        text("bijstand", row("bijstand"), row("bijstand", kind="voorschot")),
        3,
        "payment_id",
        "also on line 2",
    ),
    "duplicate obligation_id": Bad(
        "obligations",
        text("obligations", row("obligations"), row("obligations", kind="energie")),
        3,
        "obligation_id",
        "also on line 2",
    ),
    "duplicate bsn": Bad(
        "households",
        text("households", H_ROW, row("households", household_id="H-B")),
        3,
        "bsn",
        "duplicate BSN: also on line 2",
    ),
    "bsn of another household's partner": Bad(
        "households",
        text(
            "households",
            row(
                "households",
                partner_bsn=BSN_B,
                partner_name="B. Jansen",
                partner_birth_date="1999-01-01",
            ),
            row("households", household_id="H-B", bsn=BSN_B),
        ),
        3,
        "bsn",
        "also on line 2 (partner_bsn)",
    ),
    # header
    "missing required column": Bad(
        "creditors", "creditor_id;name;kind\nC-1;X;huur\n", 1, "iban", "required column is missing"
    ),
    "unknown column (typo)": Bad(
        "creditors",
        f"creditor_id;name;ibna;kind\nC-1;X;{IBAN_CREDITOR};huur\n",
        1,
        "ibna",
        "unknown column",
        count=2,  # and iban is missing
    ),
    "duplicate column": Bad(
        "creditors",
        f"creditor_id;name;iban;kind;NAME\nC-1;X;{IBAN_CREDITOR};huur;Y\n",
        1,
        "name",
        "twice",
    ),
    "column without a name": Bad(
        "creditors",
        f"creditor_id;name;iban;kind;\nC-1;X;{IBAN_CREDITOR};huur;\n",
        1,
        "-",
        "no name",
    ),
    "header has no delimiter": Bad("creditors", "creditor_id\nC-1\n", 1, "-", "delimiter"),
    "no header: data first": Bad(
        "bijstand",
        row("bijstand") + "\n",
        1,
        "-",
        "first line must be the header",
    ),
    # file
    "empty file": Bad("creditors", "", 0, "-", "empty"),
    "only blank lines": Bad("creditors", "\n \n;;\n", 0, "-", "empty"),
    "BOM only": Bad("creditors", b"\xef\xbb\xbf", 0, "-", "empty"),
    "row with too few fields": Bad(
        "creditors",
        text("creditors", "C-1;X;" + IBAN_CREDITOR),
        2,
        "-",
        "3 fields, the header has 5",
    ),
    "row with too many fields": Bad(
        "creditors", text("creditors", C_ROW + ";extra"), 2, "-", "6 fields"
    ),
    "not UTF-8 (Latin-1)": Bad(
        "creditors",
        text("creditors", row("creditors", name="Café")).encode("latin-1"),
        2,
        "-",
        "not UTF-8",
    ),
    "UTF-16": Bad("creditors", text("creditors", C_ROW).encode("utf-16"), 0, "-", "UTF-16"),
    "old xls": Bad("creditors", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, 0, "-", ".xls"),
    "damaged xlsx": Bad("creditors", b"PK\x03\x04 not really a zip", 0, "-", "BadZipFile"),
    "bad CSV quoting": Bad(
        "creditors", text("creditors", row("creditors", name='"X"Y')), 2, "-", "cannot read the CSV"
    ),
}


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_bad_input_is_reported_at_its_line_and_column(case: Bad, tmp_path: Path) -> None:
    problems = parse(case.kind, tmp_path, case.content)

    matching = [
        p
        for p in problems
        if (p.line, p.column) == (case.line, case.column) and case.fragment in p.message
    ]
    assert matching, "\n".join(str(p) for p in problems)
    assert len(problems) == case.count, "\n".join(str(p) for p in problems)


def test_the_bad_input_table_is_broad() -> None:
    assert len(BAD) >= 30


@pytest.mark.parametrize("case", BAD.values(), ids=BAD.keys())
def test_problems_never_contain_a_bsn(case: Bad, tmp_path: Path) -> None:
    problems = parse(case.kind, tmp_path, case.content)

    content = case.content if isinstance(case.content, str) else case.content.decode("latin-1")
    bsn_like = set(re.findall(r"(?<!\d)\d{8,9}(?!\d)", content))
    for problem in problems:
        for number in bsn_like:
            assert number not in str(problem), problem


def test_problem_text_is_file_line_column_message() -> None:
    problem = Problem("households.csv", 7, "bsn", "BSN fails the 11-proef")

    assert str(problem) == "households.csv:7: bsn: BSN fails the 11-proef"


def test_a_file_with_several_problems_reports_all_at_their_physical_lines(
    tmp_path: Path,
) -> None:
    content = "\n".join(
        [
            header("households"),  # 1
            row("households"),  # 2 fine
            row("households", household_id="H-B", bsn="123456789"),  # 3 11-proef
            "",  # 4 blank, skipped but counted
            row("households", household_id="H-C", bsn=BSN_C, iban="NL00", language="fr"),  # 5
            row("households", household_id="H-A", bsn=BSN_B, birth_date="31-02-1990"),  # 6
            row("households", household_id="H-D", bsn="", bijstand_start="2026-02-30"),  # 7
        ]
    )

    problems = parse("households", tmp_path, content + "\n")

    assert [(p.line, p.column) for p in problems] == [
        (3, "bsn"),
        (5, "iban"),
        (5, "language"),
        (6, "birth_date"),
        (6, "household_id"),
        (7, "bsn"),
        (7, "bijstand_start"),
    ]
    assert all(str(p).startswith(f"input.csv:{p.line}: {p.column}: ") for p in problems)


def test_a_row_after_a_multiline_field_has_its_physical_line(tmp_path: Path) -> None:
    content = text(
        "creditors",
        row("creditors", name='"Woon\nstichting"'),  # lines 2-3
        row("creditors", creditor_id="C-2", kind="gas"),  # line 4
    )

    problems = parse("creditors", tmp_path, content)

    assert [(p.line, p.column) for p in problems] == [(2, "name"), (4, "kind")]


def test_accepted_raises_with_every_problem(tmp_path: Path) -> None:
    path = write(tmp_path, text("creditors", row("creditors", kind="gas", bic="X")))
    result = parse_file("creditors", path)

    assert not result.ok
    with pytest.raises(FileRejected) as raised:
        result.accepted()
    assert [p.column for p in raised.value.problems] == ["bic", "kind"]
    assert raised.value.problems[0].file == str(path)


# --- valid files --------------------------------------------------------------------


def test_households_file_with_partner_and_defaults(tmp_path: Path) -> None:
    content = text(
        "households",
        row("households", language=""),
        row(
            "households",
            household_id="H-B",
            bsn=BSN_B,
            partner_bsn=BSN_C,
            partner_name="B. de Boer",
            partner_birth_date="3-7-1990",
            bijstand_end="31-07-2026",
            language="EN",
        ),
    )

    rows = parse_file("households", write(tmp_path, content)).accepted()

    assert rows == (
        HouseholdRow(
            line=2,
            household_id="H-A",
            bsn=BSN_A,
            name="A. Jansen",
            birth_date=date(1998, 4, 12),
            partner_bsn=None,
            partner_name=None,
            partner_birth_date=None,
            iban=IBAN_A,
            bijstand_start=date(2026, 2, 10),
            bijstand_end=None,
            coach="M. de Vries",
            language="nl",
        ),
        HouseholdRow(
            line=3,
            household_id="H-B",
            bsn=BSN_B,
            name="A. Jansen",
            birth_date=date(1998, 4, 12),
            partner_bsn=BSN_C,
            partner_name="B. de Boer",
            partner_birth_date=date(1990, 7, 3),
            iban=IBAN_A,
            bijstand_start=date(2026, 2, 10),
            bijstand_end=date(2026, 7, 31),
            coach="M. de Vries",
            language="en",
        ),
    )


def test_optional_columns_may_be_left_out(tmp_path: Path) -> None:
    households = (
        "household_id;bsn;name;birth_date;iban;bijstand_start;coach\n"
        f"H-A;{BSN_A};A. Jansen;1998-04-12;{IBAN_A};2026-02-10;M. de Vries\n"
    )
    creditors = f"creditor_id;name;iban;kind\nC-1;Waternet;{IBAN_CREDITOR};water\n"

    (household,) = parse_file("households", write(tmp_path, households, "h.csv")).accepted()
    (creditor,) = parse_file("creditors", write(tmp_path, creditors, "c.csv")).accepted()

    assert (household.partner_bsn, household.bijstand_end, household.language) == (None, None, "nl")
    assert creditor == CreditorRow(2, "C-1", "Waternet", IBAN_CREDITOR, None, "water")


def test_creditors_file_normalises_iban_bic_and_kind(tmp_path: Path) -> None:
    content = text(
        "creditors",
        row("creditors", iban="nl20 ingb 0001 2345 67", bic="ingbnl2a", kind="HUUR"),
    )

    (creditor,) = parse_file("creditors", write(tmp_path, content)).accepted()

    assert creditor == CreditorRow(
        2, "C-WOON", "Woonstichting De Veste", IBAN_CREDITOR, "INGBNL2A", "huur"
    )


def test_obligations_file_with_each_reference_kind(tmp_path: Path) -> None:
    content = text(
        "obligations",
        row("obligations", legal_basis=""),
        row("obligations", obligation_id="O-2", reference="rf18 5390 0754 7034", frequency="once"),
        row(
            "obligations",
            obligation_id="O-3",
            kind="zorgverzekering",
            reference="klantnummer 12345",
            amount="€ 142,40",
            frequency="Quarterly",
            valid_to="31-12-2026",
            legal_basis="vrijwillig",
        ),
    )

    rows = parse_file("obligations", write(tmp_path, content)).accepted()

    assert rows[0] == ObligationRow(
        line=2,
        obligation_id="O-1",
        household_id="H-A",
        kind="huur",
        creditor_id="C-WOON",
        amount_cents=61500,
        frequency="monthly",
        reference=KENMERK,
        reference_kind="betalingskenmerk",
        valid_from=date(2026, 2, 1),
        valid_to=None,
        legal_basis="56a",
    )
    assert (rows[1].reference, rows[1].reference_kind, rows[1].frequency) == (RF, "rf", "once")
    assert (rows[2].reference, rows[2].reference_kind) == ("klantnummer 12345", "free")
    assert (rows[2].amount_cents, rows[2].frequency, rows[2].legal_basis) == (
        14240,
        "quarterly",
        "vrijwillig",
    )
    assert rows[2].valid_to == date(2026, 12, 31)


def test_bijstand_file(tmp_path: Path) -> None:
    content = text(
        "bijstand",
        row("bijstand"),
        row("bijstand", payment_id="B-2", kind="vakantietoeslag", amount="64", iban=IBAN_A),
    )

    rows = parse_file("bijstand", write(tmp_path, content)).accepted()

    assert rows == (
        BijstandRow(
            2, "B-1", BSN_A, date(2026, 3, 1), "levensonderhoud", 133423, date(2026, 2, 25), None
        ),
        BijstandRow(
            3, "B-2", BSN_A, date(2026, 3, 1), "vakantietoeslag", 6400, date(2026, 2, 25), IBAN_A
        ),
    )


@pytest.mark.parametrize("kind", ["households", "creditors", "obligations", "bijstand"])
def test_header_only_is_refused(tmp_path: Path, kind: FileKind) -> None:
    result = parse_file(kind, write(tmp_path, header(kind) + "\n"), file="input.csv")

    assert [str(p) for p in result.problems] == ["input.csv:1: -: the file has no rows"]


def test_comma_delimiter_bom_crlf_quotes_case_and_blank_lines(tmp_path: Path) -> None:
    content = (
        "\ufeffCreditor_ID , Name,IBAN,BIC,Kind\r\n"
        "\r\n"
        f'C-1,"Woonstichting ""De Veste"", Utrecht",{IBAN_CREDITOR},,huur\r\n'
        ",,,,\r\n"
        f"  C-2  , Eneco ,{IBAN_A},,energie\r\n"
    )

    rows = parse_file("creditors", write(tmp_path, content)).accepted()

    assert [(r.line, r.creditor_id, r.name, r.bic) for r in rows] == [
        (3, "C-1", 'Woonstichting "De Veste", Utrecht', None),
        (5, "C-2", "Eneco", None),
    ]


def test_the_sample_files_in_the_data_folder_are_valid() -> None:
    data = Path(__file__).parent / "data"

    households = parse_file("households", data / "households.csv").accepted()
    creditors = parse_file("creditors", data / "creditors.csv").accepted()
    obligations = parse_file("obligations", data / "obligations.csv").accepted()
    bijstand = parse_file("bijstand", data / "bijstand.csv").accepted()

    assert (len(households), len(creditors), len(obligations), len(bijstand)) == (5, 4, 23, 5)
    household_ids = {row.household_id for row in households}
    creditor_ids = {row.creditor_id for row in creditors}
    assert check_references(obligations, household_ids, creditor_ids, "obligations.csv") == []
    assert {row.bsn for row in bijstand} <= {row.bsn for row in households}


def test_check_references_names_unknown_households_and_creditors(tmp_path: Path) -> None:
    content = text(
        "obligations",
        row("obligations"),
        row("obligations", obligation_id="O-2", household_id="H-X", creditor_id="C-X"),
    )
    rows = parse_file("obligations", write(tmp_path, content)).accepted()

    problems = check_references(rows, {"H-A"}, {"C-WOON"}, "obligations.csv")

    assert [str(p) for p in problems] == [
        "obligations.csv:3: household_id: unknown household_id 'H-X'",
        "obligations.csv:3: creditor_id: unknown creditor_id 'C-X'",
    ]
