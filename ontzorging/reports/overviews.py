"""Use case (part of the monthly run): the monthly overview of each household
in ontzorging, for the client and the budget coach (DESIGN.md 5.5).

One self-contained HTML file per household and month,
``overviews/YYYY-MM/<household_id>.<lang>.html``, in the household's
language, printable on A4, and a PDF copy of it where headless Chromium is
installed. The figures come from :func:`ontzorging.reports.statements.statement`, so
the overview and ``ontzorging statement --json`` can never disagree; this
module adds only what the statement lacks: creditor names and IBANs,
execution dates, the client's payouts, reserves held, open signals, the
changes of next month and the handover checklist.

Every text comes from a translation catalogue (``translations/<lang>.toml``);
the templates and this module hold no words. No BSN is read here.

Which households: those whose 56a period covers the month (the statement's
``in_ontzorging``), and also those for whom the municipality paid a creditor
that month on another basis (art. 57, vrijwillig): whoever has money paid on
their behalf gets told where it went.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape
from sqlalchemy import Connection, func, select

from ontzorging.adapters import pdf as pdf_output
from ontzorging.adapters.progress import Progress, no_progress, pages_counted
from ontzorging.adapters.repositories import (
    CreditorFacts,
    HouseholdFacts,
    HouseholdRange,
    ObligationFacts,
    household_pages,
    load_creditors,
    load_obligations,
    period_of,
    register_size,
)
from ontzorging.adapters.schema import (
    allocation_lines,
    batches,
    benefit_payments,
    households,
    payment_instructions,
    signals,
)
from ontzorging.domain.allocation import Obligation
from ontzorging.domain.errors import InvariantBroken
from ontzorging.domain.periods import Period, add_months, format_month, last_day, month_of
from ontzorging.intake.never_twice import payable
from ontzorging.register.signals import HANDOVER_NOTICE_DAYS
from ontzorging.reports.statements import statement
from ontzorging.settings import FIXED_COST_KINDS

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
# Households per page: bounds memory and keeps each IN (...) list short.
PAGE_HOUSEHOLDS = 500
PROBLEM_STATUSES = frozenset({"rejected", "returned"})
# A signal raised after the month that follows belongs to a later overview:
# rewriting an old month must not show what happened long after it.
SIGNAL_LOOKAHEAD_MONTHS = 1


class OverviewError(InvariantBroken):
    """A broken assumption while writing overviews: a bug, never bad input."""


# --- Texts: the translation catalogues -------------------------------------------


class Catalogue:
    """The texts and number/date formats of one language."""

    def __init__(self, language: str, entries: Mapping[str, Any]) -> None:
        self.language = language
        self._entries = dict(entries)

    def keys(self) -> frozenset[str]:
        return frozenset(self._entries)

    def has(self, key: str) -> bool:
        return key in self._entries

    def text(self, key: str, **values: Any) -> str:
        return self._raw(key).format_map(values)

    def html(self, key: str, **values: Any) -> Markup:
        """A text with markup in its values (a ``<time>``): the text is escaped,
        and so is every value that is not already markup."""
        return Markup(escape(self._raw(key))).format_map(values)

    def _raw(self, key: str) -> str:
        try:
            return str(self._entries[key])
        except KeyError:
            raise OverviewError(f"translations/{self.language}.toml has no {key!r}") from None

    def label(self, section: str, code: str) -> str:
        """The label of a code (a cost kind, a status); the code itself when unknown."""
        key = f"{section}.{code}"
        return self.text(key) if key in self._entries else code

    def money(self, cents: int) -> str:
        whole, part = divmod(abs(cents), 100)
        digits = f"{whole:,}".replace(",", self.text("format.thousands_separator"))
        amount = f"{digits}{self.text('format.decimal_separator')}{part:02d}"
        text = self.text("format.currency", amount=amount)
        return self.text("format.negative", money=text) if cents < 0 else text

    def day(self, value: date) -> str:
        return self.text(
            "format.date", day=value.day, year=value.year, month_name=self._month_name(value)
        )

    def month(self, value: date) -> str:
        return self.text("format.month", year=value.year, month_name=self._month_name(value))

    def _month_name(self, value: date) -> str:
        return str(self._entries["format.month_names"][value.month - 1])


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


@functools.cache
def catalogue(language: str) -> Catalogue:
    """The catalogue of ``language``; Dutch for a language we have no texts for."""
    lang = language if language in LANGUAGES else DEFAULT_LANGUAGE
    source = resources.files("ontzorging.reports").joinpath("translations", f"{lang}.toml")
    return Catalogue(lang, _flatten(tomllib.loads(source.read_text("utf-8"))))


@functools.cache
def template_environment() -> Environment:
    return Environment(
        loader=PackageLoader("ontzorging.reports", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``path`` whole or not at all: a temporary file, then a rename."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


# --- Pure parts: changes of next month, handover, chart ----------------------------


ChangeWhat = Literal["amount", "start", "stop", "once", "period_last_month", "period_ended"]


@dataclass(frozen=True)
class Change:
    """Something that is different next month."""

    what: ChangeWhat
    on: date
    kind: str = ""
    creditor_id: str = ""
    frequency: str = ""
    old_cents: int = 0
    new_cents: int = 0


def _valid_on(obligation: Obligation, day: date) -> bool:
    return obligation.valid_from <= day and (
        obligation.valid_to is None or obligation.valid_to >= day
    )


def next_month_changes(
    obligations: Sequence[Obligation], month: date, period: Period | None
) -> tuple[Change, ...]:
    """What changes in the month after ``month``.

    A new amount is a new obligation row of the same kind and creditor (the
    old row ends, the new one starts), so recurring costs are compared as
    the rows in force at the end of this month and at the end of the next.
    ``period`` is the 56a period when ``month`` is in it: its end is news too.
    """
    following = add_months(month, 1)
    now_day, next_day = last_day(month), last_day(following)
    groups: dict[tuple[str, str, str], tuple[list[Obligation], list[Obligation]]] = defaultdict(
        lambda: ([], [])
    )
    changes: list[Change] = []
    for o in obligations:
        if o.frequency == "once":
            if month_of(o.valid_from) == following:
                changes.append(
                    Change(
                        "once",
                        o.valid_from,
                        o.kind,
                        o.creditor_id,
                        o.frequency,
                        new_cents=o.amount_cents,
                    )
                )
            continue
        now, later = groups[(o.kind, o.creditor_id, o.frequency)]
        if _valid_on(o, now_day):
            now.append(o)
        if _valid_on(o, next_day):
            later.append(o)
    for (kind, creditor_id, frequency), (now, later) in groups.items():
        change = _recurring_change(now, later, following)
        if change is not None:
            changes.append(
                Change(
                    change[0],
                    change[1],
                    kind,
                    creditor_id,
                    frequency,
                    sum(o.amount_cents for o in now),
                    sum(o.amount_cents for o in later),
                )
            )
    changes.sort(key=lambda c: (c.on, _kind_rank(c.kind), c.creditor_id))
    if period is not None and period.covers_month(month):
        if month_of(period.end) == following:
            changes.append(Change("period_last_month", period.end))
        elif month_of(period.end) == month:
            changes.append(Change("period_ended", following))
    return tuple(changes)


def _recurring_change(
    now: Sequence[Obligation], later: Sequence[Obligation], following: date
) -> tuple[ChangeWhat, date] | None:
    if {o.obligation_id for o in now} == {o.obligation_id for o in later}:
        return None
    old = sum(o.amount_cents for o in now)
    new = sum(o.amount_cents for o in later)
    known = {o.obligation_id for o in now}
    starting = [o.valid_from for o in later if o.obligation_id not in known]
    if not later:
        return "stop", max(o.valid_to or following for o in now)
    if not now:
        return "start", min(starting)
    if old == new:
        return None  # the same cost under a new row: nothing changes for the client
    return "amount", max(following, min(starting, default=following))


def _kind_rank(kind: str) -> int:
    return FIXED_COST_KINDS.index(kind) if kind in FIXED_COST_KINDS else len(FIXED_COST_KINDS)


def handover_due(period: Period, month: date) -> bool:
    """From six weeks before the end (R8), counted from the last day of ``month``:
    the overview of a month shows the checklist once that window has opened."""
    return period.days_until_end(last_day(month)) <= HANDOVER_NOTICE_DAYS


@dataclass(frozen=True)
class HandoverItem:
    """One creditor the client pays personally from the first month after the period."""

    kind: str
    creditor_id: str
    amount_cents: int
    frequency: str
    reference: str
    start: date


def handover_items(
    obligations: Sequence[ObligationFacts], period: Period
) -> tuple[HandoverItem, ...]:
    """The 56a costs still running on the first day of the month after the
    period, with the amount valid then (a new rent from 1 July included).
    Costs on another basis (art. 57, vrijwillig) go on being paid."""
    start = add_months(month_of(period.end), 1)
    items = [
        HandoverItem(
            o.obligation.kind,
            o.obligation.creditor_id,
            o.obligation.amount_cents,
            o.obligation.frequency,
            o.reference,
            start,
        )
        for o in obligations
        if o.obligation.legal_basis == "56a"
        and o.obligation.frequency != "once"
        and _valid_on(o.obligation, start)
    ]
    return tuple(sorted(items, key=lambda i: (_kind_rank(i.kind), i.creditor_id, i.reference)))


# Geometry of the chart in SVG user units (the SVG scales to the page width).
CHART_WIDTH = 640
CHART_LABEL_WIDTH = 230
CHART_BAR_AREA = 300
CHART_ROW_HEIGHT = 30
CHART_BAR_HEIGHT = 18


@dataclass(frozen=True)
class ChartBar:
    key: str
    label: str
    amount_cents: int
    amount_text: str
    y: int
    width: int


@dataclass(frozen=True)
class Chart:
    bars: tuple[ChartBar, ...]
    width: int = CHART_WIDTH
    label_width: int = CHART_LABEL_WIDTH
    bar_height: int = CHART_BAR_HEIGHT

    @property
    def height(self) -> int:
        return len(self.bars) * CHART_ROW_HEIGHT + 8


def chart(entries: Sequence[tuple[str, str, str, int]]) -> Chart:
    """Horizontal bars, one per (key, label, amount text, cents) above zero,
    scaled to the largest; integer geometry so the SVG is reproducible."""
    shown = [e for e in entries if e[3] > 0]
    largest = max((e[3] for e in shown), default=0)
    bars = tuple(
        ChartBar(
            key,
            label,
            cents,
            text,
            4 + index * CHART_ROW_HEIGHT,
            max(1, CHART_BAR_AREA * cents // largest),
        )
        for index, (key, label, text, cents) in enumerate(shown)
    )
    return Chart(bars)


# --- Reading the facts a page of households needs ----------------------------------


@dataclass
class _PageFacts:
    obligations: dict[str, list[ObligationFacts]]
    instructions: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    reserve_held: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    signals: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    benefit_dates: dict[str, date] = field(default_factory=dict)


def _pages(conn: Connection, month: date, progress: Progress) -> Iterator[list[HouseholdFacts]]:
    """The households to write an overview for, a page at a time, by id."""
    pi = payment_instructions
    pages = household_pages(conn, PAGE_HOUSEHOLDS)
    for rows in pages_counted(pages, "overviews", register_size(conn), progress):
        ids = [r["household_id"] for r in rows]
        paying = set(
            conn.execute(
                select(pi.c.household_id)
                .where(
                    pi.c.household_id.in_(ids), pi.c.period == month, pi.c.creditor_id.is_not(None)
                )
                .distinct()
            ).scalars()
        )
        page = []
        for r in rows:
            period = period_of(r)
            if period.covers_month(month) or r["household_id"] in paying:
                page.append(
                    HouseholdFacts(
                        r["household_id"], r["name"], r["iban"], r["language"], r["coach"], period
                    )
                )
        if page:
            yield page


def _load_page(conn: Connection, ids: Sequence[str], month: date) -> _PageFacts:
    facts = _PageFacts(load_obligations(conn, HouseholdRange.of_page(ids)))
    pi, al = payment_instructions, allocation_lines
    for row in conn.execute(
        select(
            pi.c.id,
            pi.c.household_id,
            pi.c.creditor_id,
            pi.c.amount_cents,
            pi.c.payout_date,
            pi.c.status,
            batches.c.execution_date,
        )
        .select_from(pi.outerjoin(batches, pi.c.batch_id == batches.c.id))
        .where(pi.c.household_id.in_(ids), pi.c.period == month)
        .order_by(pi.c.id)
    ):
        facts.instructions[row.household_id].append(row)
    for hid, purpose, total in conn.execute(
        select(al.c.household_id, al.c.purpose, func.sum(al.c.amount_cents))
        .where(
            al.c.household_id.in_(ids),
            al.c.period <= month,
            al.c.purpose.in_(("reserve", "pay_reserve")),
        )
        .group_by(al.c.household_id, al.c.purpose)
    ):
        facts.reserve_held[hid] += int(total) if purpose == "reserve" else -int(total)
    raised_until = last_day(add_months(month, SIGNAL_LOOKAHEAD_MONTHS))
    for signal in conn.execute(
        select(signals.c.household_id, signals.c.kind, signals.c.subject)
        .where(
            signals.c.household_id.in_(ids),
            signals.c.resolved_on.is_(None),
            signals.c.raised_on <= raised_until,
        )
        .order_by(signals.c.raised_on, signals.c.id)
    ):
        facts.signals[signal.household_id].append(signal)
    bp = benefit_payments
    for hid, day in conn.execute(
        select(bp.c.household_id, func.max(bp.c.payout_date))
        .where(bp.c.household_id.in_(ids), bp.c.period == month, payable())
        .group_by(bp.c.household_id)
    ):
        facts.benefit_dates[hid] = day
    return facts


# --- One overview ----------------------------------------------------------------


def _paid_rows(
    st: Mapping[str, Any], instructions: Sequence[Any], creditors: Mapping[str, CreditorFacts]
) -> list[dict[str, Any]]:
    executed = {str(r.id): r.execution_date for r in instructions}
    rows = []
    for p in st["paid"]:
        creditor = creditors.get(p["creditor_id"])
        rows.append(
            {
                **p,
                "creditor_name": creditor.name if creditor else p["creditor_id"],
                "on": executed.get(p["payment_id"]) or date.fromisoformat(p["payout_date"]),
                "problem": p["status"] in PROBLEM_STATUSES,
            }
        )
    return rows


def _payout_rows(
    st: Mapping[str, Any], instructions: Sequence[Any], benefit_date: date | None
) -> list[dict[str, Any]]:
    """The client's payouts with their dates. In payout mode ``creditors_only``
    the benefits system pays the client, on the benefits payout date."""
    rows = [
        {
            "what": "payout.to_account",
            "amount_cents": int(r.amount_cents),
            "on": r.execution_date or r.payout_date,
            "status": r.status,
        }
        for r in instructions
        if r.creditor_id is None
    ]
    rest = st["payout_to_client_cents"] - sum(r["amount_cents"] for r in rows)
    if rest > 0:
        rows.append(
            {
                "what": "payout.with_benefit",
                "amount_cents": rest,
                "on": benefit_date,
                "status": None,
            }
        )
    return rows


def _signal_rows(
    found: Sequence[Any], kinds_by_obligation: Mapping[str, str], c: Catalogue
) -> list[dict[str, str]]:
    rows = []
    for s in found:
        key = f"signals.{s.kind}" if c.has(f"signals.{s.kind}") else "signals.other"
        rows.append(
            {
                "kind": s.kind,
                "text": c.text(key, what=_signal_subject(s.subject, kinds_by_obligation, c)),
            }
        )
    return rows


_OBLIGATION_MONTH = re.compile(r"^(?P<obligation>[A-Za-z0-9._-]+)/(?P<month>\d{4}-\d{2})$")


def _signal_subject(subject: str, kinds_by_obligation: Mapping[str, str], c: Catalogue) -> str:
    """A signal's subject in words: "D4/2026-03" -> "Zorgverzekering maart 2026"."""
    match = _OBLIGATION_MONTH.match(subject)
    if match and match["obligation"] in kinds_by_obligation:
        year, mon = match["month"].split("-")
        return (
            f"{c.label('kind', kinds_by_obligation[match['obligation']])} "
            f"{c.month(date(int(year), int(mon), 1))}"
        )
    try:
        return c.day(date.fromisoformat(subject))
    except ValueError:
        return subject


def _change_rows(
    changes: Sequence[Change], creditors: Mapping[str, CreditorFacts], c: Catalogue
) -> list[dict[str, Any]]:
    rows = []
    for ch in changes:
        creditor = creditors.get(ch.creditor_id)
        values = {
            "kind": c.label("kind", ch.kind),
            "date": c.day(ch.on),
            "month": c.month(ch.on),
            "creditor": creditor.name if creditor else ch.creditor_id,
            "old": c.money(ch.old_cents),
            "new": c.money(ch.new_cents),
            "frequency": c.label("frequency", ch.frequency),
        }
        rows.append(
            {
                "what": ch.what,
                "kind": ch.kind,
                "creditor_id": ch.creditor_id,
                "new_cents": ch.new_cents,
                "text": c.text(f"changes.{ch.what}", **values),
            }
        )
    return rows


def _handover(
    household: HouseholdFacts,
    obligations: Sequence[ObligationFacts],
    creditors: Mapping[str, CreditorFacts],
    reserve_held_cents: int,
    c: Catalogue,
) -> dict[str, Any]:
    period = household.period
    items = []
    for item in handover_items(obligations, period):
        creditor = creditors.get(item.creditor_id)
        items.append(
            {
                "creditor_id": item.creditor_id,
                "kind": item.kind,
                "amount_cents": item.amount_cents,
                "iban": creditor.iban if creditor else "",
                "text": c.text(
                    "handover.item",
                    amount=c.money(item.amount_cents),
                    frequency=c.label("frequency", item.frequency),
                    creditor=creditor.name if creditor else item.creditor_id,
                    kind=c.label("kind", item.kind),
                    date=c.day(item.start),
                ),
                "iban_text": (
                    c.text("handover.iban", iban=_grouped(creditor.iban)) if creditor else ""
                ),
                "reference_text": (
                    c.text("handover.reference", reference=item.reference) if item.reference else ""
                ),
            }
        )
    start = add_months(month_of(period.end), 1)
    return {
        "intro": c.text("handover.intro", end=c.day(period.end), start=c.day(start)),
        "talk": c.text("handover.talk", coach=household.coach),
        "to_pay": items,
        "none": c.text("handover.none", end=c.day(period.end)),
        "no_double": c.text("handover.no_double", month=c.month(month_of(period.end))),
        "reserve": (
            c.text("handover.reserve", amount=c.money(reserve_held_cents))
            if reserve_held_cents > 0
            else ""
        ),
    }


def _grouped(iban: str) -> str:
    """An IBAN as people read and type it: in groups of four."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def _chart_for(paid: Sequence[Mapping[str, Any]], st: Mapping[str, Any], c: Catalogue) -> Chart:
    by_kind: dict[str, int] = defaultdict(int)
    held = 0
    for p in paid:
        if p["problem"]:
            held += p["amount_cents"]
        else:
            by_kind[p["kind"]] += p["amount_cents"]
    entries = [
        (kind, c.label("kind", kind), by_kind[kind]) for kind in sorted(by_kind, key=_kind_rank)
    ]
    entries += [
        ("held", c.text("chart.held"), held),
        ("reserved", c.text("chart.reserved"), st["reserved_cents"]),
        ("payout", c.text("chart.payout"), st["payout_to_client_cents"]),
    ]
    return chart([(key, label, c.money(cents), cents) for key, label, cents in entries])


def _basis_text(
    st: Mapping[str, Any], obligations: Sequence[ObligationFacts], month: date, c: Catalogue
) -> str:
    """For a month outside the 56a period: on what basis the municipality pays."""
    if st["in_ontzorging"]:
        return ""
    bases = {o.obligation.legal_basis for o in obligations if o.obligation.is_valid_in(month)}
    return c.text("period.basis_57") if "57" in bases else c.text("period.basis_vrijwillig")


def _context(
    household: HouseholdFacts,
    st: Mapping[str, Any],
    facts: _PageFacts,
    creditors: Mapping[str, CreditorFacts],
    month: date,
) -> dict[str, Any]:
    hid = household.household_id
    c = catalogue(household.language)
    obligations = facts.obligations.get(hid, [])
    instructions = facts.instructions.get(hid, [])
    kinds = {o.obligation.obligation_id: o.obligation.kind for o in obligations}
    paid = _paid_rows(st, instructions, creditors)
    period = household.period if st["in_ontzorging"] else None
    changes = next_month_changes([o.obligation for o in obligations], month, period)
    shortfall = [
        {**s, "creditor_name": _creditor_name(obligations, s["obligation_id"], creditors)}
        for s in st["shortfall"]
    ]
    handover = None
    if st["in_ontzorging"] and handover_due(household.period, month):
        handover = _handover(household, obligations, creditors, facts.reserve_held[hid], c)
    return {
        "c": c,
        "household": household,
        "month": month,
        "month_label": c.month(month),
        "st": st,
        "month_count": household.period.month_count,
        "basis_text": _basis_text(st, obligations, month, c),
        "paid": paid,
        "paid_total_cents": sum(p["amount_cents"] for p in paid),
        "payouts": _payout_rows(st, instructions, facts.benefit_dates.get(hid)),
        "shortfall": shortfall,
        "shortfall_total_cents": sum(s["amount_cents"] for s in shortfall),
        "reserve_held_cents": facts.reserve_held[hid],
        "chart": _chart_for(paid, st, c),
        "changes": _change_rows(changes, creditors, c),
        "handover": handover,
        "signals": _signal_rows(facts.signals.get(hid, []), kinds, c),
    }


def _creditor_name(
    obligations: Sequence[ObligationFacts],
    obligation_id: str,
    creditors: Mapping[str, CreditorFacts],
) -> str:
    for o in obligations:
        if o.obligation.obligation_id == obligation_id:
            creditor = creditors.get(o.obligation.creditor_id)
            return creditor.name if creditor else o.obligation.creditor_id
    return ""


def render_overview(
    household: HouseholdFacts,
    st: Mapping[str, Any],
    facts: _PageFacts,
    creditors: Mapping[str, CreditorFacts],
    month: date,
) -> str:
    template = template_environment().get_template("overview.html.j2")
    return template.render(_context(household, st, facts, creditors, month))


def overview_html(conn: Connection, household_id: str, month: date) -> str:
    """The overview of one household and month as HTML (also outside its period)."""
    month = month_of(month)
    row = (
        conn.execute(select(households).where(households.c.household_id == household_id))
        .mappings()
        .first()
    )
    st = statement(conn, household_id, month)  # raises UnknownHousehold
    if row is None:
        raise OverviewError(f"household {household_id!r} vanished while reading")
    household = HouseholdFacts(
        row["household_id"], row["name"], row["iban"], row["language"], row["coach"], period_of(row)
    )
    return render_overview(
        household, st, _load_page(conn, [household_id], month), load_creditors(conn), month
    )


# --- The use case ----------------------------------------------------------------


@dataclass(frozen=True)
class OverviewCounts:
    households: int
    html_files: int
    pdf_files: int
    paths: tuple[Path, ...]
    pdf_failures: tuple[str, ...] = ()

    def as_counts(self) -> dict[str, int]:
        """For a run record."""
        return {
            "overview_households": self.households,
            "overview_html": self.html_files,
            "overview_pdf": self.pdf_files,
            "overview_pdf_failed": len(self.pdf_failures),
        }


def overview_file_name(household: HouseholdFacts) -> str:
    if "/" in household.household_id or household.household_id.startswith("."):
        raise OverviewError(f"household id {household.household_id!r} is no file name")
    return f"{household.household_id}.{catalogue(household.language).language}.html"


_OVERVIEW_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*\.[a-z]{2}\.(html|pdf)$")


def _remove_stale(directory: Path, keep: set[Path]) -> None:
    """Overviews of an earlier writing of the month that this one did not
    rewrite (a household that left the month, changed language, or a PDF
    that is no longer made): an out-of-date copy must not be sent."""
    for path in directory.iterdir():
        if _OVERVIEW_FILE.match(path.name) and path not in keep:
            path.unlink(missing_ok=True)


def write_overviews(
    conn: Connection,
    home_overviews_dir: Path,
    month: date,
    *,
    pdf: bool | None = None,
    progress: Progress = no_progress,
) -> OverviewCounts:
    """Write the overview of every household in ontzorging in ``month`` to
    ``home_overviews_dir/YYYY-MM/``; rewriting a month replaces its files
    (and removes those of households no longer in it).

    ``pdf``: None prints PDF copies when Chromium is installed, True requires
    it (raises :class:`ontzorging.adapters.pdf.ChromiumMissing` without), False never.
    A PDF that fails is reported in ``pdf_failures``; the HTML stays.
    """
    month = month_of(month)
    chromium = pdf_output.chromium_for(pdf)
    directory = home_overviews_dir / format_month(month)
    directory.mkdir(parents=True, exist_ok=True)
    creditors = load_creditors(conn)
    written: list[Path] = []
    for page in _pages(conn, month, progress):
        facts = _load_page(conn, [h.household_id for h in page], month)
        for household in page:
            st = statement(conn, household.household_id, month)
            path = directory / overview_file_name(household)
            write_text_atomically(path, render_overview(household, st, facts, creditors, month))
            written.append(path)
    pdfs: list[Path] = []
    failures: list[str] = []
    if chromium is not None and written:
        pdfs, failures = pdf_output.print_all(
            [(html, html.with_suffix(".pdf")) for html in written], chromium
        )
    _remove_stale(directory, {*written, *pdfs})
    return OverviewCounts(len(written), len(written), len(pdfs), (*written, *pdfs), tuple(failures))
