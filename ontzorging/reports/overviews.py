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
import logging
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape
from sqlalchemy import Connection, select

from ontzorging.adapters import pdf as pdf_output
from ontzorging.adapters.faults import checkpoint
from ontzorging.adapters.files import write_text_atomically
from ontzorging.adapters.logs import event
from ontzorging.adapters.overlap import read_ahead, write_pages
from ontzorging.adapters.process_pages import (
    default_workers,
    map_pages,
    shareable_url,
    worker_engine,
)
from ontzorging.adapters.progress import Progress, no_progress, pages_counted
from ontzorging.adapters.repositories import (
    CreditorFacts,
    HouseholdFacts,
    HouseholdRange,
    ObligationFacts,
    household_facts_of,
    household_pages,
    load_creditors,
    load_obligations,
    register_size,
)
from ontzorging.adapters.schema import (
    households,
    signals,
)
from ontzorging.allocation.reserve_payout import reserve_left_by_obligation
from ontzorging.domain.allocation import last_month_in_force
from ontzorging.domain.errors import InvariantBroken
from ontzorging.domain.notices import (
    Change,
    handover_due,
    handover_items,
    kind_rank,
    next_month_changes,
)
from ontzorging.domain.periods import Period, add_months, format_month, last_day, month_of
from ontzorging.domain.statement_figures import PaymentRow
from ontzorging.reports.statement_reader import (
    StatementPage,
    read_statement_page,
    statement_household,
)
from ontzorging.reports.statements import UnknownHousehold
from ontzorging.settings import FIXED_COST_KINDS

LANGUAGES = ("nl", "en")
DEFAULT_LANGUAGE = "nl"
# Households per page: bounds memory and keeps each IN (...) list short.
PAGE_HOUSEHOLDS = 500
# Worker processes pay off from this many pages on (starting one takes about
# a second; a page of 500 overviews about half a second to render).
MIN_PAGES_FOR_WORKERS = 4
PROBLEM_STATUSES = frozenset({"rejected", "returned"})
# A signal raised after the month that follows belongs to a later overview:
# rewriting an old month must not show what happened long after it.
SIGNAL_LOOKAHEAD_MONTHS = 1


_log = logging.getLogger(__name__)


class OverviewError(InvariantBroken):
    """A broken assumption while writing overviews: a bug, never bad input."""


# --- Texts: the translation catalogues -------------------------------------------


class Catalogue:
    """The texts and number/date formats of one language."""

    def __init__(self, language: str, entries: Mapping[str, Any]) -> None:
        self.language = language
        self._entries = dict(entries)
        self._plain: dict[str, str] = {}  # the texts without values, once formatted

    def keys(self) -> frozenset[str]:
        return frozenset(self._entries)

    def has(self, key: str) -> bool:
        return key in self._entries

    def text(self, key: str, **values: Any) -> str:
        if values:
            return self._raw(key).format_map(values)
        plain = self._plain.get(key)
        if plain is None:
            plain = self._plain[key] = self._raw(key).format_map(values)
        return plain

    def html(self, key: str, **values: Any) -> Markup:
        """A text with markup in its values (a ``<time>``): the text is escaped,
        and so is every value that is not already markup."""
        return Markup(escape(self._raw(key))).format_map(values)

    @functools.cached_property
    def plain(self) -> dict[str, str]:
        """Every text that needs no values, formatted (the templates' ``t``)."""
        texts = {}
        for key, value in self._entries.items():
            if isinstance(value, str):
                try:
                    texts[key] = value.format_map({})
                except (KeyError, IndexError, ValueError):
                    continue  # a text with values: through text()
        return texts

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

    def money_html(self, cents: int, id: str | None = None) -> Markup:
        """An amount as the overview shows it: the text, and the cents in ``data-cents``."""
        return Markup('<span class="amount"%s data-cents="%s">%s</span>') % (
            _id_attribute(id),
            cents,
            self.money(cents),
        )

    def day_html(self, value: date | None, id: str | None = None) -> Markup:
        """A date as the overview shows it (nothing for none)."""
        if not value:
            return Markup("")
        return Markup('<time%s datetime="%s">%s</time>') % (
            _id_attribute(id),
            value.isoformat(),
            self.day(value),
        )

    def day(self, value: date) -> str:
        return self.text(
            "format.date", day=value.day, year=value.year, month_name=self._month_name(value)
        )

    def month(self, value: date) -> str:
        return self.text("format.month", year=value.year, month_name=self._month_name(value))

    def _month_name(self, value: date) -> str:
        return str(self._entries["format.month_names"][value.month - 1])


def _id_attribute(id: str | None) -> Markup:
    return Markup(' id="%s"') % id if id else Markup("")


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
        auto_reload=False,  # the templates are package data: no stat per render
    )


@functools.cache
def _overview_template() -> Any:
    return template_environment().get_template("overview.html.j2")


# --- Pure parts: the chart ---------------------------------------------------------


@dataclass(frozen=True)
class ChartBar:
    key: str
    label: str
    amount_cents: int
    amount_text: str
    percent: int  # of the bar track, the largest amount 100


@dataclass(frozen=True)
class Chart:
    bars: tuple[ChartBar, ...]


def chart(entries: Sequence[tuple[str, str, str, int]]) -> Chart:
    """Horizontal bars, one per (key, label, amount text, cents) above zero,
    scaled to the largest; whole percents, so the HTML is reproducible."""
    shown = [e for e in entries if e[3] > 0]
    largest = max((e[3] for e in shown), default=0)
    return Chart(
        tuple(
            ChartBar(key, label, cents, text, max(1, 100 * cents // largest))
            for key, label, text, cents in shown
        )
    )


# --- Reading the facts a page of households needs ----------------------------------


@dataclass
class _PageFacts:
    """What the overviews of a page of households are made of."""

    households: list[HouseholdFacts]
    statements: StatementPage
    obligations: dict[str, list[ObligationFacts]]
    # Per household and quarterly obligation: what its reserve holds (R3).
    reserve_left: dict[str, dict[str, int]] = field(default_factory=dict)
    signals: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))


def _register_pages(
    conn: Connection, size: int, total: int, progress: Progress
) -> Iterator[list[Any]]:
    yield from pages_counted(household_pages(conn, size), "overviews", total, progress)


def read_page(conn: Connection, rows: Sequence[Any], month: date) -> _PageFacts | None:
    """The facts of the overviews of a page of the register: the households
    whose period covers ``month``, for whom a creditor was paid in it, or
    whose reserve was paid to them in it (R3); None when there are none. A
    few queries, each selecting the page by its range of ids."""
    page = HouseholdRange.of_page([r["household_id"] for r in rows])
    statements = read_statement_page(conn, page, [statement_household(r) for r in rows], month)
    chosen = []
    for r in rows:
        household = household_facts_of(r)
        paying = any(
            p.creditor_id is not None or p.reserve_payout
            for p in statements.payments(r["household_id"])
        )
        if household.period.covers_month(month) or paying:
            chosen.append(household)
    if not chosen:
        return None
    facts = _PageFacts(chosen, statements, load_obligations(conn, page))
    _add_page_extras(conn, facts, page, month)
    return facts


def _add_page_extras(
    conn: Connection, facts: _PageFacts, page: HouseholdRange, month: date
) -> None:
    """Reserves left up to ``month`` and open signals, of the page's households."""
    facts.reserve_left = reserve_left_by_obligation(
        conn, [h.household_id for h in facts.households], month
    )
    raised_until = last_day(add_months(month, SIGNAL_LOOKAHEAD_MONTHS))
    for signal in conn.execute(
        select(signals.c.household_id, signals.c.kind, signals.c.subject)
        .where(
            page.contains(signals.c.household_id),
            signals.c.resolved_on.is_(None),
            signals.c.raised_on <= raised_until,
        )
        .order_by(signals.c.raised_on, signals.c.id)
    ):
        facts.signals[signal.household_id].append(signal)


# --- One overview ----------------------------------------------------------------


def _paid_rows(
    st: Mapping[str, Any],
    executed: Mapping[int, date | None],
    creditors: Mapping[str, CreditorFacts],
) -> list[dict[str, Any]]:
    rows = []
    for p in st["paid"]:
        creditor = creditors.get(p["creditor_id"])
        rows.append(
            {
                **p,
                "creditor_name": creditor.name if creditor else p["creditor_id"],
                "on": executed.get(int(p["payment_id"])) or date.fromisoformat(p["payout_date"]),
                "problem": p["status"] in PROBLEM_STATUSES,
            }
        )
    return rows


def _payout_rows(
    st: Mapping[str, Any],
    payments: Sequence[PaymentRow],
    executed: Mapping[int, date | None],
    benefit_date: date | None,
) -> list[dict[str, Any]]:
    """The client's payouts with their dates. In payout mode ``creditors_only``
    the benefits system pays the client, on the benefits payout date. A reserve
    that came back to the client (R3) is a row of its own."""
    rows: list[dict[str, Any]] = [
        {
            "what": "payout.reserve" if r.reserve_payout else "payout.to_account",
            "amount_cents": r.amount_cents,
            "on": executed.get(r.payment_id) or r.payout_date,
            "status": r.status,
        }
        for r in payments
        if r.creditor_id is None
    ]
    own = sum(r["amount_cents"] for r in rows if r["what"] == "payout.to_account")
    rest = st["payout_to_client_cents"] - own
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
    reserve_left: Mapping[str, int],
    c: Catalogue,
) -> dict[str, Any]:
    period = household.period
    items = []
    for item in handover_items(obligations, period, FIXED_COST_KINDS):
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
        "reserves": _saved_for(obligations, reserve_left, period, c),
    }


def _saved_for(
    obligations: Sequence[ObligationFacts],
    reserve_left: Mapping[str, int],
    period: Period,
    c: Catalogue,
) -> list[str]:
    """R3: what each reserve that ends with the period was saved for; after
    the period it goes to the client."""
    end = month_of(period.end)
    texts = []
    for o in sorted(
        obligations, key=lambda o: (_kind_rank(o.obligation.kind), o.obligation.obligation_id)
    ):
        left = reserve_left.get(o.obligation.obligation_id, 0)
        last = last_month_in_force(o.obligation, period)
        if left > 0 and last is not None and last <= end:
            texts.append(
                c.text(
                    "handover.reserve",
                    amount=c.money(left),
                    kind=c.label("kind", o.obligation.kind).lower(),
                    start=c.day(add_months(end, 1)),
                )
            )
    return texts


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
    executed = facts.statements.execution_dates
    kinds = {o.obligation.obligation_id: o.obligation.kind for o in obligations}
    paid = _paid_rows(st, executed, creditors)
    period = household.period if st["in_ontzorging"] else None
    changes = next_month_changes(
        [o.obligation for o in obligations], month, period, FIXED_COST_KINDS
    )
    shortfall = [
        {**s, "creditor_name": _creditor_name(obligations, s["obligation_id"], creditors)}
        for s in st["shortfall"]
    ]
    reserve_left = facts.reserve_left.get(hid, {})
    handover = None
    if st["in_ontzorging"] and handover_due(household.period, month):
        handover = _handover(household, obligations, creditors, reserve_left, c)
    return {
        "c": c,
        "t": c.plain,
        "money": c.money_html,
        "day": c.day_html,
        "household": household,
        "month": month,
        "month_label": c.month(month),
        "st": st,
        "month_count": household.period.month_count,
        "basis_text": _basis_text(st, obligations, month, c),
        "paid": paid,
        "paid_total_cents": sum(p["amount_cents"] for p in paid),
        "payouts": _payout_rows(
            st,
            facts.statements.payments(hid),
            executed,
            facts.statements.benefit_dates.get(hid),
        ),
        "shortfall": shortfall,
        "shortfall_total_cents": sum(s["amount_cents"] for s in shortfall),
        "reserve_held_cents": sum(reserve_left.values()),
        "reserve_to_client": [
            {
                **r,
                "text": c.text(
                    "reserve.to_client",
                    amount=c.money(r["amount_cents"]),
                    kind=c.label("kind", r["kind"]).lower(),
                ),
            }
            for r in st["reserve_to_client"]
        ],
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
    facts: _PageFacts,
    creditors: Mapping[str, CreditorFacts],
    month: date,
) -> str:
    st = facts.statements.figures(household.household_id).as_dict()
    return _overview_template().render(_context(household, st, facts, creditors, month))


def overview_html(conn: Connection, household_id: str, month: date) -> str:
    """The overview of one household and month as HTML (also outside its period)."""
    return _one_overview(conn, household_id, month)[1]


def write_overview(conn: Connection, household_id: str, month: date, folder: Path) -> Path:
    """Write the overview of one household and month to ``folder`` (on demand)."""
    household, html = _one_overview(conn, household_id, month)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / overview_file_name(household)
    write_text_atomically(path, html)
    return path


def _one_overview(conn: Connection, household_id: str, month: date) -> tuple[HouseholdFacts, str]:
    month = month_of(month)
    row = (
        conn.execute(select(households).where(households.c.household_id == household_id))
        .mappings()
        .first()
    )
    if row is None:
        raise UnknownHousehold(f"household {household_id!r} is not in the register")
    household = household_facts_of(row)
    page = HouseholdRange.of_page([household_id])
    statements = read_statement_page(conn, page, [statement_household(row)], month)
    facts = _PageFacts([household], statements, load_obligations(conn, page))
    _add_page_extras(conn, facts, page, month)
    return household, render_overview(household, facts, load_creditors(conn), month)


# --- The use case ----------------------------------------------------------------


@dataclass(frozen=True)
class OverviewCounts:
    households: int
    html_files: int
    pdf_files: int
    paths: tuple[Path, ...]
    pdf_failures: tuple[str, ...] = ()
    workers: int = 1  # processes that rendered them (1: this one)

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
    workers: int | None = None,
    page_households: int = PAGE_HOUSEHOLDS,
) -> OverviewCounts:
    """Write the overview of every household in ontzorging in ``month`` to
    ``home_overviews_dir/YYYY-MM/``; rewriting a month replaces its files
    (and removes those of households no longer in it).

    ``pdf``: None prints PDF copies when Chromium is installed, True requires
    it (raises :class:`ontzorging.adapters.pdf.ChromiumMissing` without), False never.
    A PDF that fails is reported in ``pdf_failures``; the HTML stays.

    A register of more than ``MIN_PAGES_FOR_WORKERS`` pages is rendered by
    ``workers`` processes (default: one per processor), a page of
    ``page_households`` at a time each, when ``conn`` has no transaction
    open (the workers could not see its changes); the files are the same
    either way.
    """
    month = month_of(month)
    chromium = pdf_output.chromium_for(pdf)
    # Workers read through connections of their own: they cannot see what
    # the caller's open transaction may have changed, so then it is rendered here.
    workers = 1 if conn.in_transaction() else workers or default_workers()
    directory = home_overviews_dir / format_month(month)
    directory.mkdir(parents=True, exist_ok=True)
    creditors = load_creditors(conn)
    total = register_size(conn)
    pages = _register_pages(conn, page_households, total, progress)
    url = shareable_url(conn)
    if url is None or total <= page_households * MIN_PAGES_FOR_WORKERS:
        workers = 1
    event(logging.INFO, "overviews_rendering", _log, households=total, workers=workers)
    if workers > 1 and url is not None:
        written = _write_in_workers(pages, url, workers, creditors, month, directory)
    else:
        written = _write_in_process(conn, pages, creditors, month, directory)
    pdfs: list[Path] = []
    failures: list[str] = []
    if chromium is not None and written:
        pdfs, failures = pdf_output.print_all(
            [(html, html.with_suffix(".pdf")) for html in written], chromium
        )
    _remove_stale(directory, {*written, *pdfs})
    return OverviewCounts(
        len(written), len(written), len(pdfs), (*written, *pdfs), tuple(failures), workers
    )


def _render_page(
    facts: _PageFacts | None,
    creditors: Mapping[str, CreditorFacts],
    month: date,
    directory: Path,
) -> list[tuple[Path, str]]:
    if facts is None:
        return []
    return [
        (directory / overview_file_name(h), render_overview(h, facts, creditors, month))
        for h in facts.households
    ]


def _write_in_process(
    conn: Connection,
    pages: Iterator[list[Any]],
    creditors: Mapping[str, CreditorFacts],
    month: date,
    directory: Path,
) -> list[Path]:
    written: list[Path] = []

    def write(files: list[tuple[Path, str]]) -> None:
        for path, html in files:
            write_text_atomically(path, html)
            written.append(path)

    # Three things at once: the next page is read (a background thread on
    # the connection), this one rendered (here), the last one written to
    # disk (a background thread); at most three pages in memory.
    facts = (read_page(conn, rows, month) for rows in pages)
    # On an error the reading is stopped here, before the caller closes the
    # connection: a read in flight never races the rollback.
    with closing(read_ahead(facts)) as ahead:
        write_pages(
            ahead,
            lambda page: _render_page(page, creditors, month, directory),
            write,
            overlap=True,
        )
    return written


def _write_in_workers(
    pages: Iterator[list[Any]],
    url: str,
    workers: int,
    creditors: Mapping[str, CreditorFacts],
    month: date,
    directory: Path,
) -> list[Path]:
    """Each page read, rendered and written by one of ``workers`` processes."""
    done = map_pages(
        ([dict(r) for r in rows] for rows in pages),
        _page_in_worker,
        url,
        workers,
        initializer=_start_worker,
        initargs=(creditors, month, directory),
    )
    with closing(done):
        return [directory / name for names in done for name in names]


# In a worker process of write_overviews: what every page of the run shares.
_worker_job: tuple[Mapping[str, CreditorFacts], date, Path] | None = None


def _start_worker(creditors: Mapping[str, CreditorFacts], month: date, directory: Path) -> None:
    global _worker_job
    _worker_job = (creditors, month, directory)


def _page_in_worker(rows: list[dict[str, Any]]) -> list[str]:
    """In a worker process: read, render and write one page's overviews;
    the names of the files written."""
    if _worker_job is None:
        raise RuntimeError("_page_in_worker runs in a worker of write_overviews")
    creditors, month, directory = _worker_job
    with worker_engine().connect() as conn:
        facts = read_page(conn, rows, month)
    names = []
    for path, html in _render_page(facts, creditors, month, directory):
        write_text_atomically(path, html)
        names.append(path.name)
    checkpoint("overview_page")
    return names


def _kind_rank(kind: str) -> int:
    return kind_rank(kind, FIXED_COST_KINDS)
