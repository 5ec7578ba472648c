"""Parsers for the four register files of DESIGN.md 5.2.

Each parser reads a file row by row and collects every problem in it: problems of
the file and header (see ``table``), of each field, of fields that belong
together, and ids or BSNs that occur twice. A file is imported all or
nothing, so a result with any problem must be rejected whole: use
:meth:`ParseResult.accepted`.

A column whose value may be empty may also be left out of the header
(``bic``, ``valid_to``, the partner columns, ...). Ids are compared
case-insensitively for duplicates, because they become file names and
case-insensitive file systems would mix them up.

References to other registers (obligation -> household, creditor) are
checked by the importer against the database, with :func:`check_references`,
:func:`check_creditor_kinds` and :func:`check_member_bsns`; values judged
against today or the settings with :func:`check_bijstand_start` and
:func:`check_amount_limits`.

Every field of every file refuses control characters and bidirectional
controls; names that go into a payment file (household, partner, creditor)
must survive transliteration to the EPC character set (``fields``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Generic, Literal, TypeVar, cast, overload

from ontzorging.domain.vocabulary import BenefitKind, CostKind, Frequency, Language, LegalBasis
from ontzorging.intake.parsing import fields
from ontzorging.intake.parsing.fields import (
    FieldError,
    format_euro,
    parse_amount_cents,
    parse_bic,
    parse_bsn,
    parse_date,
    parse_iban,
    parse_id,
    parse_name,
    parse_payment_name,
    parse_period,
    parse_reference,
)
from ontzorging.intake.parsing.problems import NO_COLUMN, FileRejected, Problem
from ontzorging.intake.parsing.table import Columns, RawRow, open_table

FileKind = Literal["households", "creditors", "obligations", "bijstand"]

LANGUAGES = tuple(Language)
DEFAULT_LANGUAGE = Language.NL
CREDITOR_KINDS = tuple(CostKind)
OBLIGATION_KINDS = CREDITOR_KINDS
FREQUENCIES = tuple(Frequency)
LEGAL_BASES = tuple(LegalBasis)
DEFAULT_LEGAL_BASIS = LegalBasis.ART_56A
BIJSTAND_KINDS = tuple(BenefitKind)
PARTNER_COLUMNS = ("partner_bsn", "partner_name", "partner_birth_date")
HEADER_LINE = 1
CATCH_ALL_CREDITOR_KIND = "overig"
"""A creditor of this kind takes an obligation of any kind (a municipality's
own debt collector, a budget-management account); a creditor of any other kind
only obligations of its own kind, so that rent is never paid to the energy
company because of a swapped creditor_id."""

BIJSTAND_START_MAX_YEARS_AHEAD = 1
"""A right to bijstand is decided on a request, not more than a year ahead:
a later start is a typing error in the year."""
BIJSTAND_START_MAX_YEARS_BACK = 10
"""A start longer ago is a typing error in the year, not a household still in
ontzorging (a start accepted before is not judged again, see ``imports``)."""


# --- rows ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)  # many per file: no __dict__ each
class HouseholdRow:
    line: int
    household_id: str
    bsn: str
    name: str
    birth_date: date
    partner_bsn: str | None
    partner_name: str | None
    partner_birth_date: date | None
    iban: str
    bijstand_start: date
    bijstand_end: date | None
    coach: str
    language: str


@dataclass(frozen=True, slots=True)  # many per file: no __dict__ each
class CreditorRow:
    line: int
    creditor_id: str
    name: str
    iban: str
    bic: str | None
    kind: str


@dataclass(frozen=True, slots=True)  # many per file: no __dict__ each
class ObligationRow:
    line: int
    obligation_id: str
    household_id: str
    kind: str
    creditor_id: str
    amount_cents: int
    frequency: str
    reference: str
    reference_kind: str
    valid_from: date
    valid_to: date | None
    legal_basis: str


@dataclass(frozen=True, slots=True)  # many per file: no __dict__ each
class BijstandRow:
    line: int
    payment_id: str
    bsn: str
    period: date
    kind: str
    amount_cents: int
    payout_date: date
    iban: str | None


Row = HouseholdRow | CreditorRow | ObligationRow | BijstandRow
RowT = TypeVar("RowT", HouseholdRow, CreditorRow, ObligationRow, BijstandRow)
T = TypeVar("T")


@dataclass(frozen=True)
class ParseResult(Generic[RowT]):
    """The rows that parsed, and every problem of the file.

    ``rows`` leaves out rows with a problem of their own; a file with any
    problem must not be imported at all.
    """

    rows: tuple[RowT, ...]
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    def accepted(self) -> tuple[RowT, ...]:
        """The rows, or :class:`FileRejected` with every problem."""
        if self.problems:
            raise FileRejected(self.problems)
        return self.rows


# --- one row's fields ----------------------------------------------------------


class _Fields:
    """Parses the fields of one row, recording a problem per bad field."""

    def __init__(self, file: str, row: RawRow, dates: dict[date, date] | None = None) -> None:
        self.file = file
        self.line = row.line
        self.values = row.values
        self.problems: list[Problem] = []
        self.dates = {} if dates is None else dates

    def text(self, column: str) -> str:
        return self.values.get(column, "")

    def required(self, column: str, parse: Callable[[str], T]) -> T:
        """The parsed value; on a problem a placeholder that is never used,
        because a row with any problem is not built."""
        text = self.text(column)
        if not text:
            self.problem(column, "a value is required")
            return cast(T, None)
        return self._parse(column, parse, text)

    def optional(self, column: str, parse: Callable[[str], T]) -> T | None:
        text = self.text(column)
        return self._parse(column, parse, text) if text else None

    def _parse(self, column: str, parse: Callable[[str], T], text: str) -> T:
        if (forbidden := fields.forbidden_character_problem(text)) is not None:
            self.problem(column, forbidden)
            return cast(T, None)
        try:
            value = parse(text)
        except FieldError as error:
            self.problem(column, error.message)
            return cast(T, None)
        if isinstance(value, date):  # the rows of a file share a few dates: one object each
            return cast(T, self.dates.setdefault(value, value))
        return value

    def problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.file, self.line, column, message))

    def clean(self, *columns: str) -> bool:
        """Whether these columns parsed without a problem (for cross-checks)."""
        return not any(problem.column in columns for problem in self.problems)


def _enum(allowed: tuple[str, ...]) -> Callable[[str], str]:
    return lambda text: fields.parse_enum(text, allowed)


def _household(f: _Fields) -> HouseholdRow | None:
    household_id = f.required("household_id", parse_id)
    bsn = f.required("bsn", parse_bsn)
    name = f.required("name", parse_payment_name)
    birth_date = f.required("birth_date", parse_date)
    partner_bsn = f.optional("partner_bsn", parse_bsn)
    partner_name = f.optional("partner_name", parse_payment_name)
    partner_birth_date = f.optional("partner_birth_date", parse_date)
    iban = f.required("iban", parse_iban)
    bijstand_start = f.required("bijstand_start", parse_date)
    bijstand_end = f.optional("bijstand_end", parse_date)
    coach = f.required("coach", parse_name)
    language = f.optional("language", _enum(LANGUAGES)) or DEFAULT_LANGUAGE

    given = [column for column in PARTNER_COLUMNS if f.text(column)]
    if given and len(given) < len(PARTNER_COLUMNS):
        for column in PARTNER_COLUMNS:
            if column not in given:
                f.problem(column, f"partner is half filled: also give {column}, or none")
    if f.clean("bsn", "partner_bsn") and partner_bsn == bsn:
        f.problem("partner_bsn", "partner_bsn is the same as bsn")
    if f.clean("birth_date", "bijstand_start") and birth_date > bijstand_start:
        f.problem("birth_date", "birth_date is after bijstand_start")
    if f.clean("bijstand_start", "bijstand_end") and bijstand_end and bijstand_end < bijstand_start:
        f.problem("bijstand_end", "bijstand_end is before bijstand_start")
    if f.problems:
        return None
    return HouseholdRow(
        line=f.line,
        household_id=household_id,
        bsn=bsn,
        name=name,
        birth_date=birth_date,
        partner_bsn=partner_bsn,
        partner_name=partner_name,
        partner_birth_date=partner_birth_date,
        iban=iban,
        bijstand_start=bijstand_start,
        bijstand_end=bijstand_end,
        coach=coach,
        language=language,
    )


def _creditor(f: _Fields) -> CreditorRow | None:
    creditor_id = f.required("creditor_id", parse_id)
    name = f.required("name", parse_payment_name)
    iban = f.required("iban", parse_iban)
    bic = f.optional("bic", parse_bic)
    kind = f.required("kind", _enum(CREDITOR_KINDS))
    if f.problems:
        return None
    return CreditorRow(f.line, creditor_id, name, iban, bic, kind)


def _obligation(f: _Fields) -> ObligationRow | None:
    obligation_id = f.required("obligation_id", parse_id)
    household_id = f.required("household_id", parse_id)
    kind = f.required("kind", _enum(OBLIGATION_KINDS))
    creditor_id = f.required("creditor_id", parse_id)
    amount_cents = f.required("amount", parse_amount_cents)
    frequency = f.required("frequency", _enum(FREQUENCIES))
    reference = f.required("reference", parse_reference)
    valid_from = f.required("valid_from", parse_date)
    valid_to = f.optional("valid_to", parse_date)
    legal_basis = f.optional("legal_basis", _enum(LEGAL_BASES)) or DEFAULT_LEGAL_BASIS
    if f.clean("valid_from", "valid_to") and valid_to and valid_to < valid_from:
        f.problem("valid_to", "valid_to is before valid_from")
    if f.problems:
        return None
    return ObligationRow(
        line=f.line,
        obligation_id=obligation_id,
        household_id=household_id,
        kind=kind,
        creditor_id=creditor_id,
        amount_cents=amount_cents,
        frequency=frequency,
        reference=reference.text,
        reference_kind=reference.kind,
        valid_from=valid_from,
        valid_to=valid_to,
        legal_basis=legal_basis,
    )


def _bijstand(f: _Fields) -> BijstandRow | None:
    payment_id = f.required("payment_id", parse_id)
    bsn = f.required("bsn", parse_bsn)
    period = f.required("period", parse_period)
    kind = f.required("kind", _enum(BIJSTAND_KINDS))
    amount_cents = f.required("amount", parse_amount_cents)
    payout_date = f.required("payout_date", parse_date)
    iban = f.optional("iban", parse_iban)
    if f.problems:
        return None
    return BijstandRow(f.line, payment_id, bsn, period, kind, amount_cents, payout_date, iban)


# --- duplicates within a file ---------------------------------------------------


class _Duplicates:
    """Finds each repeat of a value across ``columns`` of the rows seen.

    ``what`` names the value in the message; the value itself is not repeated
    (it may be a BSN). Rows are seen one at a time, so that the file need not
    be held in memory: per value only where it was first seen is kept.
    """

    def __init__(self, file: str, columns: tuple[str, ...], what: str) -> None:
        self.file, self.columns, self.what = file, columns, what
        self.first_seen: dict[str, int] = {}  # value -> line * len(columns) + column index
        self.problems: list[Problem] = []

    def see(self, row: RawRow) -> None:
        width = len(self.columns)
        for index, column in enumerate(self.columns):
            value = row.values.get(column, "")
            key = value.casefold()
            if not key:
                continue
            if key == value:
                key = value  # the row's own text object: one string less per row
            first = self.first_seen.setdefault(
                key, row.line if width == 1 else row.line * width + index
            )
            first_line, first_column = divmod(first, width)
            if first_line == row.line:
                continue  # first seen here; or the same value twice in one row, a row problem
            where = f"line {first_line}"
            if first_column != index:
                where += f" ({self.columns[first_column]})"
            message = f"duplicate {self.what}: also on {where}"
            self.problems.append(Problem(self.file, row.line, column, message))


# --- files -------------------------------------------------------------------------


@dataclass(frozen=True)
class _FileSpec(Generic[RowT]):
    columns: Columns
    build_row: Callable[[_Fields], RowT | None]
    unique: tuple[tuple[tuple[str, ...], str], ...]  # (columns, what) per uniqueness rule


_BSN_DIGITS = {"bsn": fields.BSN_LENGTH, "partner_bsn": fields.BSN_LENGTH}

_HOUSEHOLDS = _FileSpec(
    Columns(
        required=("household_id", "bsn", "name", "birth_date", "iban", "bijstand_start", "coach"),
        optional=(*PARTNER_COLUMNS, "bijstand_end", "language"),
        digit_columns=_BSN_DIGITS,
    ),
    _household,
    ((("household_id",), "household_id"), (("bsn", "partner_bsn"), "BSN")),
)
_CREDITORS = _FileSpec(
    Columns(required=("creditor_id", "name", "iban", "kind"), optional=("bic",)),
    _creditor,
    ((("creditor_id",), "creditor_id"),),
)
_OBLIGATIONS = _FileSpec(
    Columns(
        required=(
            "obligation_id",
            "household_id",
            "kind",
            "creditor_id",
            "amount",
            "frequency",
            "reference",
            "valid_from",
        ),
        optional=("valid_to", "legal_basis"),
    ),
    _obligation,
    ((("obligation_id",), "obligation_id"),),
)
_BIJSTAND = _FileSpec(
    Columns(
        required=("payment_id", "bsn", "period", "kind", "amount", "payout_date"),
        optional=("iban",),
        digit_columns=_BSN_DIGITS,
    ),
    _bijstand,
    ((("payment_id",), "payment_id"),),
)


def _parse(spec: _FileSpec[RowT], path: Path, file: str | None) -> ParseResult[RowT]:
    name = str(path) if file is None else file
    duplicates = [_Duplicates(name, columns, what) for columns, what in spec.unique]
    row_problems: list[Problem] = []
    rows: list[RowT] = []
    dates: dict[date, date] = {}
    try:
        with open_table(path, spec.columns, file=name) as table:
            for raw in table:  # one row at a time: a large file is never held whole
                row_fields = _Fields(name, raw, dates)
                row = spec.build_row(row_fields)
                row_problems.extend(row_fields.problems)
                if row is not None:
                    rows.append(row)
                for rule in duplicates:
                    rule.see(raw)
            shape_problems = table.problems
    except FileRejected as rejected:
        return ParseResult(rows=(), problems=rejected.problems)
    problems = shape_problems + row_problems
    if not rows and not problems:
        problems.append(Problem(name, HEADER_LINE, NO_COLUMN, "the file has no rows"))
    for rule in duplicates:
        problems += rule.problems
    problems.sort(key=lambda problem: problem.line)  # stable: columns stay in file order
    return ParseResult(rows=tuple(rows), problems=tuple(problems))


def parse_households(path: Path, *, file: str | None = None) -> ParseResult[HouseholdRow]:
    return _parse(_HOUSEHOLDS, path, file)


def parse_creditors(path: Path, *, file: str | None = None) -> ParseResult[CreditorRow]:
    return _parse(_CREDITORS, path, file)


def parse_obligations(path: Path, *, file: str | None = None) -> ParseResult[ObligationRow]:
    return _parse(_OBLIGATIONS, path, file)


def parse_bijstand(path: Path, *, file: str | None = None) -> ParseResult[BijstandRow]:
    return _parse(_BIJSTAND, path, file)


@overload
def parse_file(
    kind: Literal["households"], path: Path, *, file: str | None = None
) -> ParseResult[HouseholdRow]: ...
@overload
def parse_file(
    kind: Literal["creditors"], path: Path, *, file: str | None = None
) -> ParseResult[CreditorRow]: ...
@overload
def parse_file(
    kind: Literal["obligations"], path: Path, *, file: str | None = None
) -> ParseResult[ObligationRow]: ...
@overload
def parse_file(
    kind: Literal["bijstand"], path: Path, *, file: str | None = None
) -> ParseResult[BijstandRow]: ...
def parse_file(
    kind: FileKind, path: Path, *, file: str | None = None
) -> (
    ParseResult[HouseholdRow]
    | ParseResult[CreditorRow]
    | ParseResult[ObligationRow]
    | ParseResult[BijstandRow]
):
    """Parse one register file of ``kind``; problems name the file as ``file``
    (default ``str(path)``). Never raises for bad content; an unreadable path
    raises ``OSError``."""
    if kind == "households":
        return parse_households(path, file=file)
    if kind == "creditors":
        return parse_creditors(path, file=file)
    if kind == "obligations":
        return parse_obligations(path, file=file)
    if kind == "bijstand":
        return parse_bijstand(path, file=file)
    raise ValueError(f"unknown file kind {kind!r}")


def check_creditor_kinds(
    rows: Iterable[ObligationRow], creditor_kinds: Mapping[str, str], file: str
) -> list[Problem]:
    """Problems for obligations whose kind differs from their creditor's kind
    (see :data:`CATCH_ALL_CREDITOR_KIND`); unknown creditors are left to
    :func:`check_references`."""
    problems: list[Problem] = []
    for row in rows:
        creditor_kind = creditor_kinds.get(row.creditor_id)
        if creditor_kind in (None, row.kind, CATCH_ALL_CREDITOR_KIND):
            continue
        message = f"{row.kind}, but creditor {row.creditor_id} is {creditor_kind}"
        problems.append(Problem(file, row.line, "kind", message))
    return problems


def check_member_bsns(
    rows: Iterable[ObligationRow], member_bsns: Mapping[str, Iterable[str]], file: str
) -> list[Problem]:
    """Problems for obligations whose reference contains the BSN of a member of
    their household (R9), in any notation: the digits of the reference are
    searched. Only the household's own BSNs: any 9 digits passing the
    11-proef would also refuse real customer numbers."""
    problems: list[Problem] = []
    for row in rows:
        digits = "".join(char for char in row.reference if char.isascii() and char.isdigit())
        if any(bsn in digits for bsn in member_bsns.get(row.household_id, ())):
            message = "contains the client's BSN; a BSN may never be sent to a creditor"
            problems.append(Problem(file, row.line, "reference", message))
    return problems


def check_bijstand_start(rows: Iterable[HouseholdRow], today: date, file: str) -> list[Problem]:
    """Problems for a ``bijstand_start`` more than a year ahead of ``today`` or more
    than ten years before it."""
    earliest = _years_later(today, -BIJSTAND_START_MAX_YEARS_BACK)
    latest = _years_later(today, BIJSTAND_START_MAX_YEARS_AHEAD)
    problems: list[Problem] = []
    for row in rows:
        if row.bijstand_start > latest:
            message = f"{row.bijstand_start} is more than a year after today ({today})"
        elif row.bijstand_start < earliest:
            message = (
                f"{row.bijstand_start} is more than {BIJSTAND_START_MAX_YEARS_BACK} years"
                f" before today ({today})"
            )
        else:
            continue
        problems.append(Problem(file, row.line, "bijstand_start", message))
    return problems


def _years_later(day: date, years: int) -> date:
    """The same day ``years`` on; 29 February becomes the 28th in other years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


# --- plausibility limits of amounts -------------------------------------------------

MONTHS_PER_FREQUENCY = {"monthly": 1, "quarterly": 3, "once": 1}
"""How many months an obligation's amount covers, for its limit per month."""
AMOUNT_LIMITS_SETTING = "import.max_amount"


@dataclass(frozen=True)
class AmountLimits:
    """Plausibility limits from the settings (``[import.max_amount]``), in cents."""

    by_kind_cents: tuple[tuple[str, int], ...]
    """(benefits kind, limit) for each kind of :data:`BIJSTAND_KINDS`."""
    obligation_per_month_cents: int


def check_amount_limits(
    rows: Iterable[BijstandRow | ObligationRow], limits: AmountLimits, file: str
) -> list[Problem]:
    """Problems for amounts above their plausibility limit, and for amounts above
    the hard limit for one amount that did not come through
    :func:`fields.parse_amount_cents` (the transfers of a payout file)."""
    by_kind = dict(limits.by_kind_cents)
    problems: list[Problem] = []
    for row in rows:
        if row.amount_cents > fields.MAX_AMOUNT_CENTS:
            limit = format_euro(fields.MAX_AMOUNT_CENTS)
            problems.append(
                Problem(file, row.line, "amount", f"amount is above the limit of {limit}")
            )
        elif message := _plausibility_problem(row, by_kind, limits):
            problems.append(Problem(file, row.line, "amount", message))
    return problems


def _plausibility_problem(
    row: BijstandRow | ObligationRow, by_kind: dict[str, int], limits: AmountLimits
) -> str | None:
    amount = format_euro(row.amount_cents)
    if isinstance(row, BijstandRow):
        limit = by_kind[row.kind]
        if row.amount_cents <= limit:
            return None
        return (
            f"{amount} is above the limit of {format_euro(limit)} for {row.kind}"
            f" (setting {AMOUNT_LIMITS_SETTING}.{row.kind})"
        )
    months = MONTHS_PER_FREQUENCY[row.frequency]
    limit = limits.obligation_per_month_cents * months
    if row.amount_cents <= limit:
        return None
    per = "" if months == 1 else f" for {months} months"
    return (
        f"{amount}{per} is above the limit of {format_euro(limit)}{per} for an obligation"
        f" (setting {AMOUNT_LIMITS_SETTING}.obligation_per_month)"
    )


def check_references(
    rows: Iterable[ObligationRow],
    known_household_ids: set[str],
    known_creditor_ids: set[str],
    file: str,
) -> list[Problem]:
    """Problems for obligations naming a household or creditor that is unknown."""
    problems: list[Problem] = []
    for row in rows:
        if row.household_id not in known_household_ids:
            message = f"unknown household_id {fields.shown(row.household_id)}"
            problems.append(Problem(file, row.line, "household_id", message))
        if row.creditor_id not in known_creditor_ids:
            message = f"unknown creditor_id {fields.shown(row.creditor_id)}"
            problems.append(Problem(file, row.line, "creditor_id", message))
    return problems
