"""Report cells are data: text a spreadsheet could run gets a leading quote."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from ontzorging.reports.spreadsheet_cells import neutralise_cell, neutralise_frame

NEUTRALISED = [
    ("=1+1", "a formula"),
    ('=HYPERLINK("http://evil","klik")', "a link that runs on a click"),
    ("+31", "a plus starts a formula"),
    ("-5", "a minus starts a formula (as text; a number stays a number)"),
    ("@SUM(A1)", "an at-sign starts a formula in Excel"),
    ("\t=x", "a TAB hides the formula behind it"),
    ("\r=x", "a CR hides the formula behind it"),
    ("\n=x", "an LF starts a new row in a CSV"),
    (" =x", "a formula after leading spaces is still one"),
    ("\u00a0\u00a0+x", "non-breaking spaces are whitespace too"),
    ("=cmd|' /C calc'!A0", "DDE: a command"),
]

UNCHANGED = [
    ("normal name", "plain text"),
    ("O'Brien", "a quote inside a name"),
    ("ዮናስ ገብረመድህን", "Tigrinya script"),
    ("Jan-Willem de Vries", "a hyphen inside a name"),
    ("a=b", "an equals sign not at the start"),
    ("", "empty text"),
    ("  spaces", "leading spaces without a formula"),
]


@pytest.mark.parametrize(("text", "reason"), NEUTRALISED)
def test_text_a_spreadsheet_could_run_gets_a_leading_quote(text: str, reason: str) -> None:
    assert neutralise_cell(text) == "'" + text, reason


@pytest.mark.parametrize(("text", "reason"), UNCHANGED)
def test_harmless_text_is_unchanged(text: str, reason: str) -> None:
    assert neutralise_cell(text) == text, reason


@pytest.mark.parametrize("value", [-5, -5.5, Decimal("-12.34"), date(2026, 3, 1), None])
def test_values_that_are_not_text_are_unchanged(value: object) -> None:
    assert neutralise_cell(value) is value


def test_a_frame_keeps_its_numbers_and_neutralises_its_text() -> None:
    frame = pd.DataFrame(
        {
            "name": ["=1+1", "Ahmad Haddad"],
            "total_cents": [-500, 700],
            "total_eur": [Decimal("-5.00"), Decimal("7.00")],  # object dtype, not text
            "kind": pd.Series(["-x", None], dtype="string"),
        }
    )
    safe = neutralise_frame(frame)
    assert safe["name"].tolist() == ["'=1+1", "Ahmad Haddad"]
    assert safe["total_cents"].tolist() == [-500, 700]
    assert safe["total_cents"].dtype == frame["total_cents"].dtype
    assert safe["total_eur"].tolist() == [Decimal("-5.00"), Decimal("7.00")]
    assert safe["kind"][0] == "'-x" and pd.isna(safe["kind"][1])
    assert frame["name"][0] == "=1+1"  # the caller's frame is not changed
