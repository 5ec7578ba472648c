"""Use case: import one bank feedback document (pain.002, camt.053, camt.054)
and close the loop on our payments (DOMAIN.md R7, DESIGN.md 5.7, ADR 0007).

Runs inside the caller's transaction: all of the document or nothing. A
document the reader refuses raises :class:`FileRejected` (the CLI prints the
problems, the nightly run quarantines the file). The same document again
(same bytes, or the same kind and message id) changes nothing and says so.

A rejected or returned payment gets its status and an event with the reason
code, its money goes back into the household's ledger as held money awaiting
the coach's decision (``Assets:...:Held`` against ``Liabilities:...:Returned``)
and the coach gets a signal. A booked debit settles the payments it pays.
Feedback that matches nothing of ours is kept as ``unmatched`` and counted,
never an error."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, or_, select

from ledger import accounts
from ledger.entries import transfer
from ledger.schema import ledger_entries
from ledger.store import insert_entries
from ontzorging.adapters import audit
from ontzorging.adapters.dbutil import (
    among,
    chunks_for,
    insert_ignoring_duplicates,
    insert_rows,
    next_id,
    refresh_planner_statistics,
)
from ontzorging.adapters.repositories import file_instructions
from ontzorging.adapters.schema import (
    bank_documents,
    bank_feedback_items,
    instruction_events,
    payment_files,
    payment_instructions,
    signals,
)
from ontzorging.bank.continuity import check_continuity
from ontzorging.domain.bank_items import (
    FeedbackItem,
    document_kind,
    document_message_id,
    document_version,
    feedback_items,
)
from ontzorging.domain.texts import shorten
from ontzorging.domain.vocabulary import HELD_STATUSES
from ontzorging.intake.parsing.problems import FILE_LEVEL_LINE, NO_COLUMN, FileRejected, Problem
from ontzorging.register.signals import signal_row
from payments.bank_reader import BankFile, read_bank_file
from payments.bank_xml import check_size
from payments.camt_reader import Statement
from payments.errors import InvalidBankFile
from payments.reason_codes import reason_for

_MATCHED_COLUMNS = tuple(
    payment_instructions.c[name]
    for name in ("id", "end_to_end_id", "status", "amount_cents", "household_id", "creditor_id",
                 "kind")
)  # fmt: skip
"""What matching, the status change, the signal and the held booking read of a payment."""
SYSTEM_ACTOR = "ontzorging"
# What each action does to a payment, and the statuses it may come from.
TRANSITIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    # A statement may book the batch debit before the pain.002 arrives: a
    # reject of a settled payment still means the payee did not get it.
    "reject": ("rejected", ("released", "settled")),
    "return": ("returned", ("released", "settled")),
    "settle": ("settled", ("released",)),
}
_LINE = re.compile(r"^line (\d+): (.*)$", re.DOTALL)


@dataclass(frozen=True)
class BankImportOutcome:
    status: str  # imported | unchanged
    kind: str
    message_id: str
    document_id: int
    file_name: str
    counts: dict[str, int] = field(default_factory=dict)
    problems: tuple[str, ...] = ()


def import_bank_file(conn: Connection, path: Path, actor: str, now: datetime) -> BankImportOutcome:
    data, document = _read(path)
    sha256 = hashlib.sha256(data).hexdigest()
    kind, message_id = document_kind(document), document_message_id(document)
    known = conn.execute(
        select(bank_documents.c.id).where(
            or_(
                bank_documents.c.sha256 == sha256,
                (bank_documents.c.kind == kind) & (bank_documents.c.message_id == message_id),
            )
        )
    ).scalar()
    if known is not None:
        return BankImportOutcome("unchanged", kind, message_id, int(known), path.name)
    document_id = conn.execute(
        bank_documents.insert().values(
            kind=kind,
            version=document_version(document),
            message_id=message_id,
            file_name=path.name,
            sha256=sha256,
            imported_at=now,
            imported_by=actor,
        )
    ).inserted_primary_key[0]  # type: ignore[index]
    refresh_planner_statistics(conn, bank_feedback_items, payment_instructions)
    problems: list[str] = []
    if kind == "camt.053":
        statements = [s for s in document if isinstance(s, Statement)]  # type: ignore[union-attr]
        problems += check_continuity(conn, document_id, statements, now)
    counts, found = _apply_items(conn, document_id, feedback_items(document), now)
    problems += found
    counts["problems"] = len(problems)
    audit.record(
        conn,
        now,
        actor,
        "bank_file_imported",
        f"{kind} {message_id}",
        {"file_name": path.name, "sha256": sha256, **counts},
    )
    return BankImportOutcome(
        "imported", kind, message_id, int(document_id), path.name, dict(counts), tuple(problems)
    )


def _read(path: Path) -> tuple[bytes, BankFile]:
    """The bytes and contents of a bank file; :class:`FileRejected` with the
    reader's problems when it cannot be read or is not trusted."""
    try:
        check_size(path.stat().st_size, path.name)
        data = path.read_bytes()
        return data, read_bank_file(data)
    except InvalidBankFile as exc:
        raise FileRejected(tuple(_problem(path.name, p) for p in exc.problems)) from None


def _problem(file_name: str, text: str) -> Problem:
    match = _LINE.match(text)
    if match:
        return Problem(file_name, int(match.group(1)), NO_COLUMN, match.group(2))
    return Problem(file_name, FILE_LEVEL_LINE, NO_COLUMN, text)


@dataclass
class _Work:
    """What one document does: item rows, status changes, held money, signals."""

    now: datetime
    status_of: dict[int, str] = field(default_factory=dict)
    rows: list[dict[str, Any]] = field(default_factory=list)
    changed: list[tuple[Any, str, FeedbackItem]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    finance_signals: list[dict[str, Any]] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)


def _apply_items(
    conn: Connection, document_id: int, items: list[FeedbackItem], now: datetime
) -> tuple[Counter[str], list[str]]:
    items = _new_items(conn, items)
    by_e2e = _instructions_by_e2e(conn, [i.end_to_end_id for i in items if i.end_to_end_id])
    work = _Work(now)
    for item in items:
        if item.message_id or (item.payment_info_id and not item.end_to_end_id):
            file_row = _payment_file(conn, item)
            targets = _file_instructions(conn, file_row) if file_row is not None else []
            file_id = file_row["id"] if file_row is not None else None
            _apply(work, document_id, item, targets, file_id)
        else:
            target = by_e2e.get(item.end_to_end_id)
            _apply(work, document_id, item, [target] if target is not None else [], None)
    insert_rows(conn, bank_feedback_items, work.rows)
    _record_changes(conn, work)
    return work.counts, work.problems


def _new_items(conn: Connection, items: list[FeedbackItem]) -> list[FeedbackItem]:
    """Items whose key was not imported before (a camt.054 and the camt.053
    that books the same return share the entry's reference)."""
    keys = [i.item_key for i in items]
    seen: set[str] = set()
    column = bank_feedback_items.c.item_key
    for chunk in chunks_for(conn, keys):
        seen.update(conn.execute(select(column).where(among(conn, column, chunk))).scalars())
    return [i for i in items if i.item_key not in seen]


def _instructions_by_e2e(conn: Connection, ids: Sequence[str]) -> dict[str, Any]:
    """Our payments by EndToEndId, with what matching and booking need of them."""
    pi = payment_instructions
    found: dict[str, Any] = {}
    for chunk in chunks_for(conn, sorted(set(ids))):
        rows = conn.execute(
            select(*_MATCHED_COLUMNS).where(among(conn, pi.c.end_to_end_id, chunk))
        ).mappings()
        found.update((r["end_to_end_id"], r) for r in rows)
    return found


def _payment_file(conn: Connection, item: FeedbackItem) -> Any:
    pf = payment_files
    where = (
        pf.c.message_id == item.message_id
        if item.message_id
        else pf.c.payment_info_id == item.payment_info_id
    )
    return conn.execute(select(pf).where(where)).mappings().first()


def _file_instructions(conn: Connection, file_row: Any) -> list[Any]:
    """The instructions written in one file (as
    :func:`ontzorging.batches.service.render_file` writes them)."""
    return list(conn.execute(file_instructions(file_row, *_MATCHED_COLUMNS)).mappings())


def _apply(
    work: _Work,
    document_id: int,
    item: FeedbackItem,
    targets: list[Any],
    file_id: int | None,
) -> None:
    """Record one item and the status changes it makes."""
    changed: list[Any] = []
    if item.action in TRANSITIONS:
        status, sources = TRANSITIONS[item.action]
        for row in targets:
            if work.status_of.get(row["id"], row["status"]) in sources:
                work.status_of[row["id"]] = status
                work.changed.append((row, status, item))
                changed.append(row)
    outcome = "informational"  # ours, but nothing to change (e.g. reported before)
    if not targets:
        outcome = "unmatched"
    elif changed:
        outcome = TRANSITIONS[item.action][0]
    note = _amount_note(work, item, targets, changed, file_id)
    single = targets[0]["id"] if len(targets) == 1 and file_id is None else None
    work.rows.append(
        {
            "document_id": document_id,
            "item_key": item.item_key,
            "instruction_id": single,
            "payment_file_id": file_id,
            "outcome": outcome,
            "reason_code": item.reason_code or None,
            "amount_cents": item.amount_cents,
            "end_to_end_id": item.end_to_end_id or None,
            "note": note,
        }
    )
    work.counts[outcome] += 1
    work.counts["instructions_" + outcome] += len(changed)
    if file_id is not None:  # per payment too, so each one's reason can be found
        work.rows += [
            {
                **work.rows[-1],
                "item_key": f"{item.item_key[:80]}:{row['end_to_end_id']}",
                "instruction_id": row["id"],
                "payment_file_id": None,
                "outcome": outcome,
                "amount_cents": row["amount_cents"],
                "end_to_end_id": row["end_to_end_id"],
                "note": f"part of payment file {file_id}",
            }
            for row in changed
        ]


def _amount_note(
    work: _Work, item: FeedbackItem, targets: list[Any], changed: list[Any], file_id: int | None
) -> str | None:
    """An amount that differs from ours is stored and reported, never fatal."""
    if item.amount_cents is None or not changed:
        return None
    ours = sum(r["amount_cents"] for r in (changed if file_id is not None else targets))
    if item.amount_cents == ours:
        return None
    what = f"payment file {file_id}" if file_id is not None else f"instruction {targets[0]['id']}"
    note = f"the bank's amount {item.amount_cents} cents differs from ours ({ours}) for {what}"
    work.problems.append(f"{item.item_key}: {note}")
    work.finance_signals.append(
        signal_row(None, "bank_amount_mismatch", item.item_key, work.now.date(), note)
    )
    work.counts["amount_mismatches"] += 1
    return note


def _record_changes(conn: Connection, work: _Work) -> None:
    """Statuses, events, held money and signals of the changed instructions."""
    _update_statuses(conn, work.status_of)
    events, held, raised = [], [], []
    for row, status, item in work.changed:
        reason = item.reason_code
        text = f"{reason}: {reason_for(reason).nl}" if reason else "by the bank"
        events.append(
            {
                "instruction_id": row["id"],
                "at": work.now,
                "status": status,
                "actor": SYSTEM_ACTOR,
                "reason": shorten(f"{status} ({item.item_key}); {text}", 200),
            }
        )
        if status in HELD_STATUSES:
            held.append((row, status, reason))
            raised.append(_signal(row, status, reason, work.now))
    insert_rows(conn, instruction_events, events)
    _book_held(conn, held, work.now)
    insert_ignoring_duplicates(conn, signals, raised + work.finance_signals)
    work.counts["signals"] += len(raised) + len(work.finance_signals)


def _update_statuses(conn: Connection, status_of: dict[int, str]) -> None:
    """Each changed instruction's final status: one UPDATE per status and
    chunk of ids, not one per instruction (a statement books 100,000)."""
    pi = payment_instructions
    by_status: dict[str, list[int]] = {}
    for instruction_id, status in status_of.items():
        by_status.setdefault(status, []).append(instruction_id)
    for status, ids in sorted(by_status.items()):
        ids.sort()
        for chunk in chunks_for(conn, ids):
            conn.execute(pi.update().where(among(conn, pi.c.id, chunk)).values(status=status))


def _signal(row: Any, status: str, reason: str, now: datetime) -> dict[str, Any]:
    payee = f"creditor {row['creditor_id']}" if row["creditor_id"] else "the client"
    return signal_row(
        row["household_id"],
        f"payment_{status}",
        f"instruction {row['id']}",
        now.date(),
        shorten(
            f"{row['kind']} {row['amount_cents']} cents to {payee} {status} by the bank "
            f"({reason or '?'}: {reason_for(reason).nl}); the money is held: decide with "
            f"`ontzorging payments resolve {row['id']} --repay|--to-client`",
            300,
        ),
    )


def _book_held(conn: Connection, held: list[tuple[Any, str, str]], now: datetime) -> None:
    """The money came back: held for the household until the coach decides."""
    first = next_id(conn, ledger_entries)
    entries = []
    for offset, (row, status, reason) in enumerate(held):
        hid = row["household_id"]
        entries.append(
            (
                first + offset,
                transfer(
                    f"bank-held:{row['id']}",
                    hid,
                    now.date(),
                    f"payment_{status}",
                    f"Betaling {row['id']} ({row['kind']}) {status} door de bank ({reason}): "
                    "vastgehouden tot besluit",
                    [(accounts.held(hid), accounts.returned(hid), row["amount_cents"])],
                ),
            )
        )
    insert_entries(conn, entries, now)
