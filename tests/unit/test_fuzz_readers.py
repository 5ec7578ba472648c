"""Fuzzing the input readers: whatever bytes arrive, the answer is a clear
refusal (problems with file, line and message; a ``PaymentsError`` with its
problems) or rows that hold what the database and the payment files accept,
never another exception. A file that blocks the nightly run stops every
family's rent."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ontzorging.entrypoints import demo_data
from ontzorging.intake.parsing.problems import Problem
from ontzorging.intake.parsing.registers import BijstandRow, HouseholdRow, parse_file
from payments.accounts import iban_checksum_ok
from payments.errors import PaymentsError
from payments.pain001_reader import read_pain001
from payments.text import NAME_MAX

sys.path.insert(0, str(Path(__file__).parent / "payments"))
from test_payments_reader import BENEFITS_09  # the payments tests' sample

FUZZ = settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])

VALID_CSV = {
    "bijstand": demo_data.bijstand_file(date(2026, 3, 1)).encode(),
    "households": demo_data.HOUSEHOLDS.encode(),
}
# Bytes that mean something to a CSV reader or to a person's spreadsheet.
CSV_BYTES = st.sampled_from(
    [b";", b",", b'"', b"\n", b"\r", b"\r\n", b"\x00", b"\xff", b"\xef\xbb\xbf", b"\xc3", b" "]
)
XML_PIECES = st.sampled_from(
    [
        b"<", b">", b"&", b"&amp;", b"]]>", b"<!--", b"<![CDATA[x]]>", b"\x00", b"\xff",
        b"<PmtInf>", b"</PmtInf>", b"<CdtTrfTxInf>", b"</Cdtr>", b"<Nm>x</Nm>",
        b'<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>', b"&x;",
        b"<EndToEndId>UITK-1</EndToEndId>", b'<InstdAmt Ccy="EUR">1</InstdAmt>',
    ]
)  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn, original: bytes, pieces: st.SearchStrategy[bytes]) -> bytes:
    """``original`` truncated, with bytes flipped, or with pieces inserted."""
    data = bytearray(original)
    for _ in range(draw(st.integers(1, 4))):
        how = draw(st.sampled_from(["truncate", "flip", "insert", "delete"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if how == "truncate":
            del data[at:]
        elif how == "flip" and data:
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif how == "insert":
            data[at:at] = draw(pieces)
        elif how == "delete":
            del data[at : at + draw(st.integers(1, 40))]
    return bytes(data)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def _check_csv(kind: str, data: bytes, scratch: Path) -> None:
    path = scratch / f"{kind}.csv"
    path.write_bytes(data)
    result = parse_file(kind, path, file="f.csv")  # type: ignore[call-overload]
    for problem in result.problems:
        assert isinstance(problem, Problem) and problem.file == "f.csv"
        assert problem.line >= 0 and problem.column and problem.message
        str(problem).encode("utf-8")  # printable in a message, a log, an errors file
    if result.problems:
        return
    for row in result.rows:
        assert row.line >= 2
        if isinstance(row, BijstandRow):
            assert row.amount_cents > 0 and len(row.bsn) == 9 and row.payment_id
        else:
            assert isinstance(row, HouseholdRow) and row.household_id and row.name
            assert iban_checksum_ok(row.iban)


@pytest.mark.parametrize("kind", ["bijstand", "households"])
@FUZZ
@given(data=st.binary(max_size=2000))
def test_csv_reader_on_random_bytes(kind: str, data: bytes, scratch: Path) -> None:
    _check_csv(kind, data, scratch)


@pytest.mark.parametrize("kind", ["bijstand", "households"])
@FUZZ
@given(data=st.data())
def test_csv_reader_on_mutated_valid_files(kind: str, data: st.DataObject, scratch: Path) -> None:
    _check_csv(kind, data.draw(mutated(VALID_CSV[kind], CSV_BYTES)), scratch)


@FUZZ
@given(data=st.binary(max_size=2000))
def test_xlsx_reader_on_damaged_zip_files(data: bytes, scratch: Path) -> None:
    _check_csv("bijstand", b"PK\x03\x04" + data, scratch)


def _check_pain001(data: bytes) -> None:
    try:
        message_id, transfers = read_pain001(data)
    except PaymentsError as error:
        problems = getattr(error, "problems", ())
        assert problems and all(isinstance(p, str) and p for p in problems)
        assert "root:" not in str(error)  # no file outside the document was read
        return
    assert message_id
    ids = [t.end_to_end_id for t in transfers]
    assert len(set(ids)) == len(ids)
    for t in transfers:
        assert t.amount_cents > 0 and iban_checksum_ok(t.creditor_iban)
        assert t.creditor_name and len(t.creditor_name) <= NAME_MAX


@FUZZ
@given(data=st.data())
def test_pain001_reader_on_mutated_valid_files(data: st.DataObject) -> None:
    _check_pain001(data.draw(mutated(BENEFITS_09.encode(), XML_PIECES)))


@FUZZ
@given(data=st.binary(max_size=2000))
def test_pain001_reader_on_random_bytes(data: bytes) -> None:
    _check_pain001(b"<?xml version='1.0'?>" + data if data[:1] == b"<" else data)


def test_a_bare_carriage_return_in_the_header_is_a_problem(scratch: Path) -> None:
    # Found by the fuzzer: the CSV error on the header line escaped as an exception.
    path = scratch / "cr.csv"
    path.write_bytes(b"\rpayment_id;bsn;period;kind;amount;payout_date;iban\n")
    (problem,) = parse_file("bijstand", path, file="f.csv").problems
    assert str(problem).startswith("f.csv:1: -: cannot read the CSV: new-line character")
