"""Use case (part of the monthly run): the caseload report of a month for the
budget coaches, as HTML and XLSX in ``reports/`` (DESIGN.md 5.5).

One row per household in ontzorging that month (the same households as the
overviews): coach, month k of N, end date, income, paid, payout, shortfall,
returned or rejected payments, open signals. Sorted by urgency: households
with a returned or rejected payment first, then those with a shortfall, then
the rest; within each, the periods that end soonest first (households paid
on another basis after those in a 56a period).

A report reads the database directly into pandas (STYLE.md); the figures are
the statement's, computed the same way per household in bulk, and the tests
hold the two together. Money stays integer cents until it is written:
``Decimal`` euros in the XLSX, formatted text in the HTML. No BSN is read.
"""

from __future__ import annotations

import os
import re
import unicodedata
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, case, exists, func, select

from ontzorging.adapters.schema import (
    allocation_lines,
    allocations,
    benefit_payments,
    households,
    payment_decisions,
    payment_instructions,
    signals,
)
from ontzorging.domain.periods import Period, add_months, format_month, last_day, month_of
from ontzorging.intake.never_twice import payable
from ontzorging.reports.overviews import (
    PROBLEM_STATUSES,
    SIGNAL_LOOKAHEAD_MONTHS,
    catalogue,
    template_environment,
    write_text_atomically,
)
from ontzorging.reports.spreadsheet_cells import neutralise_frame

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


def coach_slug(coach: str) -> str:
    """A file-name part for a coach: "Coach Ünal" -> "coach-unal"."""
    ascii_text = unicodedata.normalize("NFKD", coach).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "coach"


def report_stem(month: date, coach: str | None) -> str:
    stem = f"caseload-{format_month(month_of(month))}"
    return f"{stem}-{coach_slug(coach)}" if coach else stem


def caseload_frame(conn: Connection, month: date, coach: str | None = None) -> pd.DataFrame:
    """The report as a frame: money in integer ``*_cents`` columns, sorted by urgency."""
    month = month_of(month)
    frame = _households(conn, month, coach)
    for part in (
        _income(conn, month),
        _paid(conn, month),
        _payout(conn, month),
        _shortfall(conn, month),
        _open_signals(conn, month),
    ):
        frame = frame.merge(part, on="household_id", how="left")
    counts = [
        "income_cents",
        "paid_cents",
        "payout_cents",
        "shortfall_cents",
        "creditor_payments",
        "problem_payments",
    ]
    frame[counts] = frame[counts].fillna(0).astype("int64")
    frame["open_signals"] = frame["open_signals"].fillna("").astype(str)
    frame = frame[frame["in_ontzorging"] | (frame["creditor_payments"] > 0)].copy()
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


def _households(conn: Connection, month: date, coach: str | None) -> pd.DataFrame:
    rows = []
    wanted = coach.strip().casefold() if coach else None
    for r in conn.execute(
        select(
            households.c.household_id,
            households.c.name,
            households.c.coach,
            households.c.bijstand_start,
            households.c.bijstand_end,
            households.c.ended_on,
        )
    ).mappings():
        if wanted is not None and r["coach"].strip().casefold() != wanted:
            continue
        period = Period.for_household(r["bijstand_start"], r["bijstand_end"], r["ended_on"])
        inside = period.covers_month(month)
        rows.append(
            {
                "household_id": r["household_id"],
                "name": r["name"],
                "coach": r["coach"],
                "month_number": period.month_number(month) if inside else None,
                "month_count": period.month_count if inside else None,
                "period_end": period.end,
                "in_ontzorging": inside,
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "household_id",
            "name",
            "coach",
            "month_number",
            "month_count",
            "period_end",
            "in_ontzorging",
        ],
    )
    frame[["month_number", "month_count"]] = frame[["month_number", "month_count"]].astype("Int64")
    frame["in_ontzorging"] = frame["in_ontzorging"].astype(bool)
    return frame


def _read(conn: Connection, query: Any, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(conn.execute(query).all(), columns=columns)


def _income(conn: Connection, month: date) -> pd.DataFrame:
    bp = benefit_payments
    return _read(
        conn,
        select(bp.c.household_id, func.sum(bp.c.amount_cents))
        .where(bp.c.period == month, bp.c.household_id.is_not(None), payable())
        .group_by(bp.c.household_id),
        ["household_id", "income_cents"],
    )


def _paid(conn: Connection, month: date) -> pd.DataFrame:
    pi = payment_instructions
    decided = exists().where(payment_decisions.c.instruction_id == pi.c.id)
    problem = case((and_(pi.c.status.in_(sorted(PROBLEM_STATUSES)), ~decided), 1), else_=0)
    return _read(
        conn,
        select(
            pi.c.household_id, func.sum(pi.c.amount_cents), func.count(pi.c.id), func.sum(problem)
        )
        .where(pi.c.period == month, pi.c.creditor_id.is_not(None), pi.c.household_id.is_not(None))
        .group_by(pi.c.household_id),
        ["household_id", "paid_cents", "creditor_payments", "problem_payments"],
    )


def _payout(conn: Connection, month: date) -> pd.DataFrame:
    a = allocations
    return _read(
        conn,
        select(a.c.household_id, func.sum(a.c.payout_cents))
        .where(a.c.period == month, a.c.household_id.is_not(None))
        .group_by(a.c.household_id),
        ["household_id", "payout_cents"],
    )


def _shortfall(conn: Connection, month: date) -> pd.DataFrame:
    """As in the statement: the shortfall left by the latest allocation of each
    due (obligation, purpose) of the month; paying a reserve takes no money."""
    al = allocation_lines
    lines = _read(
        conn,
        select(
            al.c.household_id,
            al.c.obligation_id,
            al.c.purpose,
            al.c.allocation_id,
            al.c.id,
            al.c.shortfall_cents,
        ).where(al.c.period == month, al.c.purpose != "pay_reserve"),
        ["household_id", "obligation_id", "purpose", "allocation_id", "id", "shortfall_cents"],
    )
    latest = lines.sort_values(["allocation_id", "id"]).drop_duplicates(
        ["household_id", "obligation_id", "purpose"], keep="last"
    )
    return latest.groupby("household_id", as_index=False).agg(
        shortfall_cents=("shortfall_cents", "sum")
    )


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
    conn: Connection, reports_dir: Path, month: date, *, coach: str | None = None
) -> list[Path]:
    """Write ``reports/caseload-YYYY-MM[-coach].html`` and ``.xlsx``; returns both paths."""
    month = month_of(month)
    frame = caseload_frame(conn, month, coach)
    reports_dir.mkdir(parents=True, exist_ok=True)
    stem = report_stem(month, coach)
    html_path, xlsx_path = reports_dir / f"{stem}.html", reports_dir / f"{stem}.xlsx"
    write_text_atomically(html_path, _html(frame, month, coach))
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


def _html(frame: pd.DataFrame, month: date, coach: str | None) -> str:
    c = catalogue(REPORT_LANGUAGE)
    rows = frame.assign(attention=_attention(frame)).to_dict("records")
    for row in rows:
        for column in ("month_number", "month_count"):
            row[column] = None if pd.isna(row[column]) else int(row[column])
    title = (
        c.text("caseload.title_coach", month=c.month(month), coach=coach)
        if coach
        else c.text("caseload.title", month=c.month(month))
    )
    return (
        template_environment()
        .get_template("caseload.html.j2")
        .render(
            c=c,
            title=title,
            rows=rows,
            month=format_month(month),
            coach=coach or "",
            money_columns=MONEY_COLUMNS,
        )
    )


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
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp.xlsx")
    sheet_name = catalogue(REPORT_LANGUAGE).text("caseload.sheet")
    try:
        with pd.ExcelWriter(temporary, engine="openpyxl") as writer:
            sheet = neutralise_frame(xlsx_frame(frame))  # names are data, never formulas
            sheet.to_excel(writer, sheet_name=sheet_name, index=False)
            _format_sheet(writer.sheets[sheet_name], len(frame))
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _format_sheet(sheet: Any, rows: int) -> None:
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = sheet.dimensions
    for index, key in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = 14 if key != "name" else 24
        number_format = (
            XLSX_MONEY_FORMAT
            if key in MONEY_COLUMNS
            else XLSX_DATE_FORMAT
            if key == "period_end"
            else None
        )
        if number_format:
            for row in range(2, rows + 2):
                sheet.cell(row=row, column=index).number_format = number_format
