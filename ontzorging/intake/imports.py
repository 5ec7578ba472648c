"""Use case: import one register or benefits file, all or nothing.

A file is parsed completely first (every problem collected), then checked
against what the database already holds; only a file without problems is
written, in one transaction. An identical file is a no-op; a row whose id
was imported before with other content is a problem, never an overwrite.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, select

from ontzorging.adapters import audit
from ontzorging.adapters.db import import_page_cache
from ontzorging.adapters.dbutil import among, chunks_for, lookup_chunk, refresh_planner_statistics
from ontzorging.adapters.schema import (
    benefit_payments,
    creditors,
    household_members,
    households,
    imported_files,
    obligations,
)
from ontzorging.domain.periods import month_of
from ontzorging.intake.never_twice import Candidate, find_repeats, fingerprint, raise_held_signals
from ontzorging.intake.parsing.fields import FieldError, parse_payment_name
from ontzorging.intake.parsing.problems import FileRejected, Problem, printable
from ontzorging.intake.parsing.registers import (
    AmountLimits,
    BijstandRow,
    HouseholdRow,
    ObligationRow,
    check_amount_limits,
    check_bijstand_start,
    check_creditor_kinds,
    check_member_bsns,
    check_references,
    parse_file,
)
from payments.errors import PaymentsError
from payments.files import sha256_of_file
from payments.pain001_reader import read_pain001_file

REGISTER_KINDS = ("households", "creditors", "obligations", "bijstand")
# Rows per insert: a benefits run of 500,000 rows as parameter dicts at once
# would take about half a gigabyte.
INSERT_CHUNK = 10_000


@dataclass(frozen=True)
class ImportOutcome:
    kind: str
    file_name: str
    status: str  # imported | unchanged
    rows_new: int
    rows_known: int
    rows_held: int = 0
    """New payments held as repeats of earlier ones (never twice, ADR 0006)."""


def import_file(
    conn: Connection,
    kind: str,
    path: Path,
    actor: str,
    now: datetime,
    *,
    limits: AmountLimits | None = None,
) -> ImportOutcome:
    """Import ``path`` as a ``kind`` file inside the caller's transaction.

    ``limits`` are the plausibility limits of the settings
    (``settings.amount_limits``); None: the shipped defaults. Today, for
    checks of dates, is ``now``'s date (the application clock).
    Raises :class:`FileRejected` with every problem; the caller rolls back.
    """
    with import_page_cache(conn):
        return _import_file(conn, kind, path, actor, now, limits)


def _import_file(
    conn: Connection,
    kind: str,
    path: Path,
    actor: str,
    now: datetime,
    limits: AmountLimits | None,
) -> ImportOutcome:
    sha = sha256_of_file(path)
    known = conn.execute(
        select(imported_files.c.id).where(
            imported_files.c.kind == kind, imported_files.c.sha256 == sha
        )
    ).first()
    if known is not None:
        return ImportOutcome(kind, shown_name(path), "unchanged", 0, 0)
    refresh_planner_statistics(conn, *_LOOKED_UP[kind])
    if kind == "bijstand" and _is_xml(path):
        rows, problems = _parse_payout_file(conn, path)
    else:
        rows, problems = _parse(conn, kind, path, now.date())
    if kind in ("bijstand", "obligations"):
        problems += check_amount_limits(rows, limits or _default_limits(), str(path))
    new_rows, known_count, conflicts = _compare(conn, kind, rows, str(path))
    problems += conflicts
    marks = _Marks({}, {})
    if kind == "bijstand" and not problems:
        marks = _mark_repeats(conn, new_rows)
        problems += marks.whole_file_problems(new_rows, str(path))
    if problems:
        raise FileRejected(tuple(sorted(problems, key=lambda p: (p.line, p.column))))
    file_id = conn.execute(
        imported_files.insert().values(
            kind=kind,
            file_name=shown_name(path),
            sha256=sha,
            row_count=len(rows),
            imported_at=now,
            imported_by=actor,
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    if kind == "bijstand":
        _insert_bijstand(conn, new_rows, file_id, marks)
        raise_held_signals(conn, marks.held(new_rows), now.date())
    else:
        _INSERTERS[kind](conn, new_rows, file_id)
    audit.record(
        conn,
        now,
        actor,
        f"import_{kind}",
        shown_name(path),
        {"sha256": sha, "rows_new": len(new_rows), "rows_known": known_count},
    )
    return ImportOutcome(
        kind, shown_name(path), "imported", len(new_rows), known_count, len(marks.repeats)
    )


# The tables an import of each kind looks its rows up in, a chunk of keys at a time.
_LOOKED_UP = {
    "creditors": (creditors,),
    "households": (households, household_members),
    "obligations": (obligations, households, household_members, creditors),
    "bijstand": (benefit_payments, household_members, households),
}


def _default_limits() -> AmountLimits:
    from ontzorging.settings import load_settings  # settings import parsing, not imports

    return load_settings().amount_limits


def _parse(conn: Connection, kind: str, path: Path, today: date) -> tuple[list[Any], list[Problem]]:
    result = parse_file(kind, path)  # type: ignore[call-overload]
    problems = list(result.problems)
    rows = list(result.rows)
    if kind == "obligations":
        problems += _check_obligations(conn, rows, str(path))
    if kind == "households":
        problems += check_bijstand_start(_start_changed(conn, rows), today, str(path))
    return rows, problems


def _check_obligations(conn: Connection, rows: list[ObligationRow], file: str) -> list[Problem]:
    """Cross-file checks of obligations against the registers in the database."""
    household_ids = _existing(conn, households.c.household_id, [r.household_id for r in rows])
    known_creditors = _fetch(conn, creditors, "creditor_id", [r.creditor_id for r in rows])
    creditor_kinds = {cid: row["kind"] for cid, row in known_creditors.items()}
    member_bsns: dict[str, set[str]] = {}
    for hid, bsn in _pairs(
        conn, household_members.c.household_id, household_members.c.bsn, household_ids
    ):
        member_bsns.setdefault(hid, set()).add(bsn)
    return (
        check_references(rows, household_ids, set(creditor_kinds), file)
        + check_creditor_kinds(rows, creditor_kinds, file)
        + check_member_bsns(rows, member_bsns, file)
    )


def _start_changed(conn: Connection, rows: list[HouseholdRow]) -> list[HouseholdRow]:
    """Rows whose bijstand_start is new: a start accepted before is not judged
    again by today's date when a later export of the register repeats it."""
    stored = _fetch(conn, households, "household_id", [r.household_id for r in rows])
    starts = {hid: row["bijstand_start"] for hid, row in stored.items()}
    return [r for r in rows if starts.get(r.household_id) != r.bijstand_start]


def _is_xml(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


# "line N: <Tag>: message" from the pain.001 reader; the tag becomes the column.
_LINE = re.compile(r"^line (\d+): (?:<(\w+)>: )?")


def _parse_payout_file(conn: Connection, path: Path) -> tuple[list[Any], list[Problem]]:
    """A benefits system's pain.001 payout file as bijstand rows (DESIGN 5.2):
    matched to a household by the creditor IBAN, period = the month of the
    requested execution date, kind levensonderhoud; transfers to an account
    of no household pass through. The payment id is ``MsgId/EndToEndId``;
    the "line" of a transfer is its position in the file."""
    try:
        message_id, transfers = read_pain001_file(path)
    except PaymentsError as exc:
        found = getattr(exc, "problems", None) or [str(exc)]
        problems: list[Problem] = []
        for text in found:
            match = _LINE.match(text)
            line = int(match.group(1)) if match else 0
            column = (match.group(2) if match else None) or "pain.001"
            problems.append(
                Problem(str(path), line, column, text[match.end() :] if match else text)
            )
        return [], problems
    owners = _owners_by_iban(conn, {t.creditor_iban for t in transfers})
    pending = list(reversed(transfers))
    del transfers  # each transfer is released as soon as its row is built
    periods: dict[date, date] = {}  # one object per month, shared by the rows
    rows: list[Any] = []
    problems = []
    while pending:
        t = pending.pop()
        number = len(rows) + 1
        hids = owners.get(t.creditor_iban, [])
        if len(hids) > 1:
            message = f"the IBAN belongs to households {', '.join(sorted(hids))}"
            problems.append(Problem(str(path), number, "CdtrAcct", message))
        if not hids:  # passes through: its payee name goes into our payment file
            problems += _payee_name_problems(t.creditor_name, str(path), number)
        day = t.requested_execution_date
        rows.append(
            PayoutRow(
                number,
                f"{message_id}/{t.end_to_end_id}",
                "",
                periods.setdefault(day, month_of(day)),
                "levensonderhoud",
                t.amount_cents,
                day,
                t.creditor_iban,
                hids[0] if hids else None,
                t.creditor_name,
                t.end_to_end_id,
            )
        )
    return rows, problems


def _payee_name_problems(name: str, file_name: str, number: int) -> list[Problem]:
    try:
        parse_payment_name(name)
    except FieldError as error:
        return [Problem(file_name, number, "Nm", error.message)]
    return []


def _owners_by_iban(conn: Connection, ibans: set[str]) -> dict[str, list[str]]:
    owners: dict[str, list[str]] = {}
    for iban, hid in _pairs(conn, households.c.iban, households.c.household_id, ibans):
        owners.setdefault(iban, []).append(hid)
    return owners


def _pairs(conn: Connection, key: Any, value: Any, keys: Iterable[str]) -> Iterator[Any]:
    """``(key, value)`` rows whose key is one of ``keys``, looked up in chunks."""
    for chunk in chunks_for(conn, sorted(set(keys))):
        yield from conn.execute(select(key, value).where(among(conn, key, chunk)))


@dataclass(frozen=True, slots=True)
class PayoutRow(BijstandRow):
    """A transfer of a payout file: a bijstand row (without BSN) that was
    matched to a household by its IBAN when read."""

    household_id: str | None
    payee_name: str
    end_to_end_id: str


def _existing(conn: Connection, column: Any, values: Iterable[str]) -> set[str]:
    found: set[str] = set()
    for chunk in chunks_for(conn, sorted(set(values))):
        found.update(conn.execute(select(column).where(among(conn, column, chunk))).scalars())
    return found


def _fetch(conn: Connection, table: Table, key: str, ids: Sequence[str]) -> dict[str, Any]:
    column = table.c[key]
    result: dict[str, Any] = {}
    for chunk in chunks_for(conn, sorted(set(ids))):
        for row in conn.execute(select(table).where(among(conn, column, chunk))).mappings():
            result[row[key]] = row
    return result


# --- comparing a file with the database -------------------------------------


def _compare(
    conn: Connection, kind: str, rows: list[Any], file_name: str
) -> tuple[Any, int, list[Problem]]:
    """New rows (for bijstand a :class:`Matched`), the count of known ones, problems."""
    if kind == "households":
        return _compare_households(conn, rows, file_name)
    table, key, fields = _PLAIN[kind]
    existing = _fetch(conn, table, key, [getattr(r, key) for r in rows])
    if kind == "bijstand":
        return _compare_bijstand(conn, rows, existing, file_name)
    return _split_known(rows, key, fields, existing, file_name)


def _split_known(
    rows: list[Any],
    key: str,
    fields: tuple[str, ...],
    existing: dict[str, Any],
    file_name: str,
    stored: Callable[[Any, str], Any] = lambda row, field: row[field],
) -> tuple[list[Any], int, list[Problem]]:
    new_rows, known, problems = [], 0, []
    for row in rows:
        before = existing.get(getattr(row, key))
        if before is None:
            new_rows.append(row)
            continue
        changed = [f for f in fields if getattr(row, f) != stored(before, f)]
        if changed:
            problems.append(_conflict(file_name, row.line, key, getattr(row, key), changed))
        else:
            known += 1
    return new_rows, known, problems


def _conflict(file_name: str, line: int, key: str, value: str, changed: list[str]) -> Problem:
    return Problem(
        file_name,
        line,
        key,
        f"{value} was imported before with other content ({', '.join(changed)}); "
        "an import never overwrites: correct the file or the register",
    )


def _compare_households(
    conn: Connection, rows: list[HouseholdRow], file_name: str
) -> tuple[list[Any], int, list[Problem]]:
    existing = _fetch(conn, households, "household_id", [r.household_id for r in rows])
    members: dict[str, dict[str, Any]] = {}
    bsns = [b for r in rows for b in (r.bsn, r.partner_bsn) if b]
    by_bsn = _fetch(conn, household_members, "bsn", bsns)
    for member in by_bsn.values():
        members.setdefault(member["household_id"], {})[member["role"]] = member
    for hid in existing:
        if hid not in members:
            found = conn.execute(
                select(household_members).where(household_members.c.household_id == hid)
            ).mappings()
            members[hid] = {m["role"]: m for m in found}

    def stored(before: Any, field: str) -> Any:
        mine = members.get(before["household_id"], {})
        member_fields = {
            "bsn": ("applicant", "bsn"),
            "birth_date": ("applicant", "birth_date"),
            "partner_bsn": ("partner", "bsn"),
            "partner_name": ("partner", "name"),
            "partner_birth_date": ("partner", "birth_date"),
        }
        if field in member_fields:
            role, column = member_fields[field]
            return mine[role][column] if role in mine else None
        return before[field]

    fields = (
        "bsn",
        "name",
        "birth_date",
        "partner_bsn",
        "partner_name",
        "partner_birth_date",
        "iban",
        "bijstand_start",
        "bijstand_end",
        "coach",
        "language",
    )
    new_rows, known, problems = _split_known(
        rows, "household_id", fields, existing, file_name, stored
    )
    for row in new_rows:
        for column, bsn in (("bsn", row.bsn), ("partner_bsn", row.partner_bsn)):
            other = by_bsn.get(bsn) if bsn else None
            if other is not None and other["household_id"] != row.household_id:
                problems.append(
                    Problem(
                        file_name,
                        row.line,
                        column,
                        f"this BSN already belongs to household {other['household_id']}",
                    )
                )
    return new_rows, known, problems


def _compare_bijstand(
    conn: Connection, rows: list[Any], existing: dict[str, Any], file_name: str
) -> tuple[Matched, int, list[Problem]]:
    fields = ("period", "kind", "amount_cents", "payout_date", "iban")
    new_rows, known, problems = _split_known(rows, "payment_id", fields, existing, file_name)
    for row, before in ((r, existing.get(r.payment_id)) for r in rows):
        if before is not None and (before["bsn"] or "") != row.bsn:
            problems.append(_conflict(file_name, row.line, "payment_id", row.payment_id, ["bsn"]))
    members = _fetch(conn, household_members, "bsn", [r.bsn for r in new_rows if r.bsn])
    matched = Matched()
    for row in new_rows:
        if isinstance(row, PayoutRow):  # matched by IBAN when read
            matched.append(row, row.household_id)
            continue
        member = members.get(row.bsn)
        if member is None and not row.iban:
            problems.append(
                Problem(
                    file_name,
                    row.line,
                    "iban",
                    "required for a person not in the register (the payment passes through)",
                )
            )
        matched.append(row, member["household_id"] if member else None)
    return matched, known, problems


class Matched:
    """New benefits payments with the household each belongs to (or None).

    Two parallel lists, not a list of pairs: a large benefits file has
    hundreds of thousands of rows, and a tuple per row costs 64 bytes."""

    def __init__(self) -> None:
        self.rows: list[Any] = []
        self.household_ids: list[str | None] = []

    def append(self, row: Any, household_id: str | None) -> None:
        self.rows.append(row)
        self.household_ids.append(household_id)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[tuple[Any, str | None]]:
        return zip(self.rows, self.household_ids, strict=True)

    def chunk(self, start: int, size: int) -> Iterator[tuple[Any, str | None]]:
        stop = start + size
        return zip(self.rows[start:stop], self.household_ids[start:stop], strict=True)


# --- never twice (ADR 0006) -----------------------------------------------------

# From this many new payments that all repeat earlier ones, the file is the
# same run sent again and is refused; a single repeat is held for a decision.
WHOLE_FILE_REPEAT_ROWS = 2
# A pain.001 EndToEndId that says nothing about the payment.
_NO_END_TO_END_ID = "NOTPROVIDED"


@dataclass(frozen=True)
class _Marks:
    """What the duplicate check found: the account of each registered
    household, and the earlier payment each repeat repeats."""

    household_ibans: dict[str, str]
    repeats: dict[str, str]

    def fingerprint_of(self, row: Any, household_id: str | None) -> str:
        payee_iban = row.iban or self.household_ibans.get(household_id or "", "")
        return fingerprint(payee_iban, row.period, row.kind, row.amount_cents, row.payout_date)

    def row_of(self, row: Any, household_id: str | None) -> dict[str, Any]:
        return {
            "payment_id": row.payment_id,
            "bsn": row.bsn or None,
            "household_id": household_id,
            "payee_name": getattr(row, "payee_name", None),
            "period": row.period,
            "kind": row.kind,
            "amount_cents": row.amount_cents,
            "payout_date": row.payout_date,
            "iban": row.iban,
            "fingerprint": self.fingerprint_of(row, household_id),
            "end_to_end_id": _end_to_end_id(row),
            "duplicate_of": self.repeats.get(row.payment_id),
        }

    def held(self, matched: Matched) -> list[dict[str, Any]]:
        return [
            {
                "payment_id": r.payment_id,
                "household_id": hid,
                "duplicate_of": self.repeats[r.payment_id],
            }
            for r, hid in matched
            if r.payment_id in self.repeats
        ]

    def whole_file_problems(self, matched: Matched, file_name: str) -> list[Problem]:
        """A file whose every new payment repeats an earlier one is the same
        run sent again: refused as a whole."""
        if len(matched) < WHOLE_FILE_REPEAT_ROWS or len(self.repeats) < len(matched):
            return []
        first = matched.rows[0]
        message = (
            f"every payment of this file repeats one imported before ({len(matched)} of "
            f"{len(matched)}; line {first.line} repeats {self.repeats[first.payment_id]}): the "
            "same benefits run sent again under other ids is never paid twice"
        )
        return [Problem(file_name, first.line, "payment_id", message)]


def _mark_repeats(conn: Connection, matched: Matched) -> _Marks:
    """Find the new payments that repeat one already in the database."""
    marks = _Marks(_household_ibans(conn, [hid for hid in matched.household_ids if hid]), {})
    size = lookup_chunk(conn)
    for start in range(0, len(matched), size):
        candidates = [
            Candidate(r.payment_id, marks.fingerprint_of(r, hid), _end_to_end_id(r))
            for r, hid in matched.chunk(start, size)
        ]
        marks.repeats.update(find_repeats(conn, candidates))
    return marks


def _household_ibans(conn: Connection, household_ids: list[str]) -> dict[str, str]:
    return dict(_pairs(conn, households.c.household_id, households.c.iban, household_ids))


def _end_to_end_id(row: Any) -> str | None:
    end_to_end_id = getattr(row, "end_to_end_id", None)
    if end_to_end_id and end_to_end_id.upper() == _NO_END_TO_END_ID:
        return None
    return end_to_end_id


def shown_name(path: Path) -> str:
    """The file name as text: a name that is not UTF-8 (bytes the file system
    took as they came) is shown with backslash escapes, never a crash."""
    return printable(path.name)


# --- writing ----------------------------------------------------------------


def _insert_households(conn: Connection, rows: list[HouseholdRow], file_id: int) -> None:
    """In chunks: rows become dicts only while they are written (bounded memory)."""
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        conn.execute(
            households.insert(),
            [
                {
                    "household_id": r.household_id,
                    "name": r.name,
                    "iban": r.iban,
                    "bijstand_start": r.bijstand_start,
                    "bijstand_end": r.bijstand_end,
                    "coach": r.coach,
                    "language": r.language,
                    "imported_file_id": file_id,
                }
                for r in chunk
            ],
        )
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        conn.execute(
            household_members.insert(),
            [
                {
                    "household_id": r.household_id,
                    "role": "applicant",
                    "bsn": r.bsn,
                    "name": r.name,
                    "birth_date": r.birth_date,
                }
                for r in chunk
            ]
            + [
                {
                    "household_id": r.household_id,
                    "role": "partner",
                    "bsn": r.partner_bsn,
                    "name": r.partner_name,
                    "birth_date": r.partner_birth_date,
                }
                for r in chunk
                if r.partner_bsn
            ],
        )


def _insert_plain(table: Table, fields: tuple[str, ...]) -> Callable[..., None]:
    def insert(conn: Connection, rows: list[Any], file_id: int) -> None:
        for start in range(0, len(rows), INSERT_CHUNK):
            conn.execute(
                table.insert(),
                [
                    {**{f: getattr(r, f) for f in fields}, "imported_file_id": file_id}
                    for r in rows[start : start + INSERT_CHUNK]
                ],
            )

    return insert


def _insert_bijstand(conn: Connection, matched: Matched, file_id: int, marks: _Marks) -> None:
    """In chunks: rows become dicts only while they are written (bounded memory)."""
    for start in range(0, len(matched), INSERT_CHUNK):
        conn.execute(
            benefit_payments.insert(),
            [
                {**marks.row_of(r, household_id), "imported_file_id": file_id}
                for r, household_id in matched.chunk(start, INSERT_CHUNK)
            ],
        )


_CREDITOR_FIELDS = ("creditor_id", "name", "iban", "bic", "kind")
_OBLIGATION_FIELDS = (
    "obligation_id",
    "household_id",
    "kind",
    "creditor_id",
    "amount_cents",
    "frequency",
    "reference",
    "reference_kind",
    "valid_from",
    "valid_to",
    "legal_basis",
)
_PLAIN: dict[str, tuple[Table, str, tuple[str, ...]]] = {
    "creditors": (creditors, "creditor_id", _CREDITOR_FIELDS),
    "obligations": (obligations, "obligation_id", _OBLIGATION_FIELDS),
    "bijstand": (benefit_payments, "payment_id", ()),
}
_INSERTERS: dict[str, Callable[..., None]] = {
    "households": _insert_households,
    "creditors": _insert_plain(creditors, _CREDITOR_FIELDS),
    "obligations": _insert_plain(obligations, _OBLIGATION_FIELDS),
}

__all__ = ["REGISTER_KINDS", "FileRejected", "ImportOutcome", "import_file"]
