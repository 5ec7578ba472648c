"""Report cells are data, never code (CSV or formula injection, OWASP).

Excel and LibreOffice read a cell that starts with ``=``, ``+``, ``-`` or
``@`` as a formula, in an XLSX and in a CSV alike, also after leading
spaces; a leading TAB, CR or LF can hide such a start. The names in our
reports come from outside (the registers, an approver's ``--by``), so a
household called ``=HYPERLINK(...)`` would be a live link, or worse a
command, in the finance department's spreadsheet. A leading ``'`` makes any
such cell text: the program shows it as text and a reader still sees the
whole name. Only strings are touched: a negative amount is a number, and a
number cannot run anything.

Every DataFrame goes through :func:`neutralise_frame` just before it is
written as CSV or XLSX.
"""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@")  # also after leading whitespace
CONTROL_STARTS = ("\t", "\r", "\n")  # hide what follows, or start a new row
TEXT_MARK = "'"  # OWASP: a leading quote, shown as text by spreadsheets


def neutralise_cell(value: object) -> object:
    """``value`` with a leading ``'`` when it is text a spreadsheet could
    take for a formula; anything else (numbers, dates, None) unchanged."""
    if not isinstance(value, str):
        return value
    if value.startswith(CONTROL_STARTS) or value.lstrip().startswith(FORMULA_STARTS):
        return TEXT_MARK + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text columns are safe to write; numeric
    columns are left as they are, so they stay numbers in the file."""
    safe = frame.copy()
    for column in safe.columns:
        dtype = safe[column].dtype
        if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype):
            safe[column] = safe[column].map(neutralise_cell)
    return safe
