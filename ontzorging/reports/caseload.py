"""Use case (part of the monthly run): the caseload report of a month for the
budget coaches, as HTML and XLSX in ``reports/`` (DESIGN.md 5.5).

One row per household in ontzorging that month (the same households as the
overviews): coach, month k of N, end date, income, paid, payout, shortfall,
returned or rejected payments, open signals. Sorted by urgency: households
with a returned or rejected payment first, then those with a shortfall, then
the rest; within each, the periods that end soonest first (households paid
on another basis after those in a 56a period).

The figures are the statement's, from the one statement function
(:mod:`ontzorging.domain.statement_figures`) fed a page of the register at a
time by the set-based reader; the open signals are read directly into
pandas (STYLE.md). Money stays integer cents until it is written:
``Decimal`` euros in the XLSX, formatted text in the HTML. No BSN is read.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter
from sqlalchemy import Connection, select

from ontzorging.adapters.files import replacing
from ontzorging.adapters.logs import event
from ontzorging.adapters.process_pages import (
    default_workers,
    map_pages,
    shareable_url,
    worker_engine,
)
from ontzorging.adapters.repositories import household_pages, register_size
from ontzorging.adapters.schema import signals
from ontzorging.domain.periods import add_months, format_month, last_day, month_of
from ontzorging.reports.overviews import (
    MIN_PAGES_FOR_WORKERS,
    PAGE_HOUSEHOLDS,
    SIGNAL_LOOKAHEAD_MONTHS,
    catalogue,
    template_environment,
)
from ontzorging.reports.spreadsheet_cells import neutralise_frame
from ontzorging.reports.statement_reader import read_statements

REPORT_LANGUAGE = "nl"  # the coaches' language
# Column keys in report order; headers come from the catalogue (caseload.<key>).
COLUMNS = (
    "household_id",
    "name",
    "coach",
    "month_number",
    "month_count",
    "period_end",
    "income",
    "paid",
    "payout",
    "shortfall",
    "problem_payments",
    "open_signals",
    "attention",
)
MONEY_COLUMNS = ("income", "paid", "payout", "shortfall")
XLSX_MONEY_FORMAT = "#,##0.00"
XLSX_DATE_FORMAT = "yyyy-mm-dd"
# Urgency tiers, most urgent first.
URGENT_PAYMENT, URGENT_SHORTFALL, URGENT_NONE = 0, 1, 2

_log = logging.getLogger(__name__)


def coach_slug(coach: str) -> str:
    """A file-name part for a coach: "Coach Ünal" -> "coach-unal"."""
    ascii_text = unicodedata.normalize("NFKD", coach).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "coach"


def report_stem(month: date, coach: str | None) -> str:
    stem = f"caseload-{format_month(month_of(month))}"
    return f"{stem}-{coach_slug(coach)}" if coach else stem


def caseload_frame(
    conn: Connection,
    month: date,
    coach: str | None = None,
    *,
    workers: int = 1,
    page_households: int = PAGE_HOUSEHOLDS,
) -> pd.DataFrame:
    """The report as a frame: money in integer ``*_cents`` columns, sorted by urgency.

    ``workers`` above 1: a register of more than ``MIN_PAGES_FOR_WORKERS``
    pages is read by that many processes (the monthly run; never a web
    request), when ``conn`` has no transaction open (the workers could not
    see its changes). The frame is the same either way."""
    month = month_of(month)
    frame = _households(conn, month, coach, workers, page_households)
    frame = frame.merge(_open_signals(conn, month), on="household_id", how="left")
    frame["open_signals"] = frame["open_signals"].fillna("").astype(str)
    frame["urgency"] = URGENT_NONE
    frame.loc[frame["shortfall_cents"] > 0, "urgency"] = URGENT_SHORTFALL
    frame.loc[frame["problem_payments"] > 0, "urgency"] = URGENT_PAYMENT
    # Within a tier the 56a periods that end soonest come first; households paid
    # on another basis (art. 57, vrijwillig) have no period running out: last.
    frame["other_basis"] = ~frame["in_ontzorging"]
    frame = frame.sort_values(
        ["urgency", "other_basis", "period_end", "household_id"], kind="stable"
    )
    return frame.drop(columns="other_basis").reset_index(drop=True)


_HOUSEHOLD_COLUMNS = [
    "household_id",
    "name",
    "coach",
    "month_number",
    "month_count",
    "period_end",
    "in_ontzorging",
    "income_cents",
    "paid_cents",
    "payout_cents",
    "shortfall_cents",
    "creditor_payments",
    "problem_payments",
]


def _households(
    conn: Connection, month: date, coach: str | None, workers: int, page_households: int
) -> pd.DataFrame:
    """The households in ontzorging in ``month`` or with a creditor paid in it,
    with the figures of their statement (the one statement function, read a
    page of the register at a time)."""
    wanted = coach.strip().casefold() if coach else None
    url = None if conn.in_transaction() else shareable_url(conn)
    total = register_size(conn)
    if url is None or total <= page_households * MIN_PAGES_FOR_WORKERS:
        workers = 1
    event(logging.INFO, "caseload_reading", _log, households=total, workers=workers)
    pages = household_pages(conn, page_households)
    rows: list[tuple[Any, ...]] = []
    if workers > 1 and url is not None:
        done = map_pages(
            ([dict(r) for r in page] for page in pages),
            _rows_in_worker,
            url,
            workers,
            initializer=_start_worker,
            initargs=(month, wanted),
        )
        with closing(done):
            for page_rows in done:
                rows.extend(page_rows)
    else:
        for page in pages:
            rows.extend(_page_rows(conn, page, month, wanted))
    frame = pd.DataFrame(rows, columns=_HOUSEHOLD_COLUMNS)
    frame[["month_number", "month_count"]] = frame[["month_number", "month_count"]].astype("Int64")
    frame["in_ontzorging"] = frame["in_ontzorging"].astype(bool)
    counts = _HOUSEHOLD_COLUMNS[7:]
    frame[counts] = frame[counts].astype("int64")
    return frame


def _page_rows(
    conn: Connection, page: Sequence[Mapping[str, Any]], month: date, wanted: str | None
) -> list[tuple[Any, ...]]:
    """The report's rows of one page of the register (``wanted``: a coach's
    name, case-folded, or None for all)."""
    statements = read_statements(conn, page, month)
    rows = []
    for r in page:
        if wanted is not None and r["coach"].strip().casefold() != wanted:
            continue
        f = statements.figures(r["household_id"])
        if not (f.in_ontzorging or f.paid):
            continue
        rows.append(
            (
                r["household_id"],
                r["name"],
                r["coach"],
                f.month_number if f.in_ontzorging else None,
                f.period.month_count if f.in_ontzorging else None,
                f.period.end,
                f.in_ontzorging,
                f.income_cents,
                f.paid_cents,
                f.payout_to_client_cents,
                f.shortfall_cents,
                len(f.paid),
                f.problem_payments,
            )
        )
    return rows


# In a worker process of caseload_frame: the month and the coach of the run.
_worker_job: tuple[date, str | None] | None = None


def _start_worker(month: date, wanted: str | None) -> None:
    global _worker_job
    _worker_job = (month, wanted)


def _rows_in_worker(page: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """In a worker process: the report's rows of one page."""
    if _worker_job is None:
        raise RuntimeError("_rows_in_worker runs in a worker of caseload_frame")
    month, wanted = _worker_job
    with worker_engine().connect() as conn:
        return _page_rows(conn, page, month, wanted)


def _read(conn: Connection, query: Any, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(conn.execute(query).all(), columns=columns)


def _open_signals(conn: Connection, month: date) -> pd.DataFrame:
    """Signals not resolved, raised up to the end of the next month (as in the overview)."""
    s = signals
    until = last_day(add_months(month, SIGNAL_LOOKAHEAD_MONTHS))
    found = _read(
        conn,
        select(s.c.household_id, s.c.kind)
        .where(s.c.resolved_on.is_(None), s.c.raised_on <= until, s.c.household_id.is_not(None))
        .distinct(),
        ["household_id", "kind"],
    )
    return (
        found.sort_values("kind")
        .groupby("household_id", as_index=False)
        .agg(open_signals=("kind", ", ".join))
    )


def write_caseload_report(
    conn: Connection,
    reports_dir: Path,
    month: date,
    *,
    coach: str | None = None,
    workers: int | None = None,
) -> list[Path]:
    """Write ``reports/caseload-YYYY-MM[-coach].html`` and ``.xlsx``; returns
    both paths. ``workers``: processes that read a large register (default:
    one per processor; see :func:`caseload_frame`)."""
    month = month_of(month)
    frame = caseload_frame(conn, month, coach, workers=workers or default_workers())
    reports_dir.mkdir(parents=True, exist_ok=True)
    stem = report_stem(month, coach)
    html_path, xlsx_path = reports_dir / f"{stem}.html", reports_dir / f"{stem}.xlsx"
    with replacing(html_path) as temporary, temporary.open("w", encoding="utf-8") as out:
        out.writelines(_html(frame, month, coach))
    _write_xlsx(frame, xlsx_path)
    return [html_path, xlsx_path]


def _attention(frame: pd.DataFrame) -> list[str]:
    c = catalogue(REPORT_LANGUAGE)
    keys = {
        URGENT_PAYMENT: "caseload.attention_payment",
        URGENT_SHORTFALL: "caseload.attention_shortfall",
        URGENT_NONE: "caseload.attention_none",
    }
    return [c.text(keys[int(u)]) for u in frame["urgency"]]


def _html(frame: pd.DataFrame, month: date, coach: str | None) -> Iterator[str]:
    """The report's HTML in pieces, a row at a time (100,000 rows are some
    100 MB of HTML: never held whole, nor a dict per row)."""
    c = catalogue(REPORT_LANGUAGE)
    title = (
        c.text("caseload.title_coach", month=c.month(month), coach=coach)
        if coach
        else c.text("caseload.title", month=c.month(month))
    )
    return (
        template_environment()
        .get_template("caseload.html.j2")
        .generate(
            c=c,
            title=title,
            rows=_html_rows(frame),
            count=len(frame),
            month=format_month(month),
            coach=coach or "",
            money_columns=MONEY_COLUMNS,
        )
    )


def _html_rows(frame: pd.DataFrame) -> Iterator[dict[str, Any]]:
    names = [str(name) for name in frame.columns]
    columns = [frame[name].tolist() for name in names]
    for values, attention in zip(zip(*columns, strict=True), _attention(frame), strict=True):
        row = dict(zip(names, values, strict=True))
        row["attention"] = attention
        for column in ("month_number", "month_count"):
            row[column] = None if pd.isna(row[column]) else int(row[column])
        yield row


def _euros(cents: int) -> Decimal:
    return Decimal(int(cents)) / 100


def xlsx_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The sheet: catalogue headers, money as exact ``Decimal`` euros."""
    c = catalogue(REPORT_LANGUAGE)
    sheet = pd.DataFrame(
        {
            "household_id": frame["household_id"],
            "name": frame["name"],
            "coach": frame["coach"],
            "month_number": frame["month_number"],
            "month_count": frame["month_count"],
            "period_end": frame["period_end"],
            **{m: frame[f"{m}_cents"].map(_euros).astype(object) for m in MONEY_COLUMNS},
            "problem_payments": frame["problem_payments"],
            "open_signals": frame["open_signals"],
            "attention": _attention(frame),
        },
        columns=list(COLUMNS),
    )
    return sheet.rename(columns={key: c.text(f"caseload.{key}") for key in COLUMNS})


def _write_xlsx(frame: pd.DataFrame, path: Path) -> None:
    """The sheet streamed row by row (openpyxl's write-only workbook: a row
    is written and forgotten, where a workbook in memory holds an object per
    cell, 1.3 million for 100,000 households)."""
    sheet = neutralise_frame(xlsx_frame(frame))  # names are data, never formulas
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(catalogue(REPORT_LANGUAGE).text("caseload.sheet"))
    worksheet.freeze_panes = "B2"
    worksheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(sheet) + 1}"
    formats = [_number_format(key) for key in COLUMNS]
    for index, key in enumerate(COLUMNS, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = 14 if key != "name" else 24
    worksheet.append(list(sheet.columns))
    for values in _cell_values(sheet):
        worksheet.append(
            [
                _formatted(worksheet, value, number_format) if number_format else value
                for value, number_format in zip(values, formats, strict=True)
            ]
        )
    with replacing(path, ".xlsx") as temporary:
        workbook.save(temporary)


def _number_format(key: str) -> str | None:
    if key in MONEY_COLUMNS:
        return XLSX_MONEY_FORMAT
    return XLSX_DATE_FORMAT if key == "period_end" else None


def _cell_values(sheet: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    """The rows as Python values, an empty cell for a missing one."""
    columns = [sheet[c].astype(object).where(sheet[c].notna(), None) for c in sheet.columns]
    return zip(*columns, strict=True)


def _formatted(worksheet: Any, value: Any, number_format: str) -> Any:
    if value is None:
        return None
    cell = WriteOnlyCell(worksheet, value=value)
    cell.number_format = number_format
    return cell
