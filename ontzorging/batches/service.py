"""Use cases for payment batches (DOMAIN.md R6, DESIGN.md 5.3): gather
pending instructions into batches per execution date, approve (release) or
reject them, and write the pain.001 files.

Every file of a batch is rendered and validated before the release is
committed; a payment that cannot be written is taken out of the batch
instead of being released without a file. Everything a file carries is
fixed when the batch is gathered: the EndToEndIds, the creation time
(CreDtTm), the pain.001 version and the number of transactions per file are
stored on the batch, MsgId and PmtInfId follow from the batch id and the
file's sequence, the transactions go in instruction id order. Rendering is a
function of stored data (and the municipality's debtor settings), so the
file shown with its SHA-256 before approval (:func:`approval_digest`) is the
file approval writes, and a file can be rendered again byte for byte after a
crash between commit and write. Each file's delivery is recorded as soon as
it is in the outbox, so a file is delivered once."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, String, cast, func, literal, select

from ledger.entries import Entry, transfer
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
from ontzorging.adapters.faults import checkpoint
from ontzorging.adapters.repositories import file_instructions
from ontzorging.adapters.schema import (
    batches,
    instruction_events,
    payment_files,
    payment_instructions,
    signals,
)
from ontzorging.domain.errors import InvariantBroken, Refused
from ontzorging.domain.texts import shorten
from ontzorging.register.signals import signal_row
from ontzorging.settings import Settings
from payments.calendar import execution_date
from payments.errors import PaymentsError
from payments.files import publish, sha256_of_file, stage, staged_files
from payments.pain001 import Debtor, PaymentFile, Transfer, render_pain001
from payments.references import Reference

ID_PREFIX = "OZ"  # our ids in the bank's files: MsgId, PmtInfId, EndToEndId
UPDATE_CHUNK = 900  # ids per UPDATE ... WHERE id IN (...), below every parameter limit
ENTRIES_PER_INSERT = 5_000  # ledger entries built and inserted at a time
EVENTS_PER_INSERT = 20_000  # status events built and inserted at a time
SYSTEM_ACTOR = "ontzorging"
UNWRITABLE_REASON = "payee data cannot be written in a pain.001 file"


class BatchRefused(Refused):
    """A batch decision that is not allowed in the batch's state."""


@dataclass(frozen=True)
class Unwritable:
    """A payment instruction that cannot be written into a pain.001 file, and why."""

    instruction_id: int
    end_to_end_id: str
    kind: str
    creditor_id: str | None
    problems: tuple[str, ...]

    def describe(self) -> str:
        payee = f"creditor {self.creditor_id}" if self.creditor_id else "the client"
        return (
            f"instruction {self.instruction_id} (EndToEndId {self.end_to_end_id}, "
            f"{self.kind} to {payee}): {'; '.join(self.problems)}"
        )


class BatchUnwritable(BatchRefused):
    """A payment file of the batch cannot be written: nothing was released.
    ``instructions`` are the payments to blame (empty when the fault is the
    file's own, e.g. the debtor account); ``problems`` the faults of no one
    payment."""

    def __init__(
        self,
        batch_id: int,
        instructions: Sequence[Unwritable],
        problems: Sequence[str],
        outcome: str = "",
    ) -> None:
        self.batch_id = batch_id
        self.instructions = tuple(instructions)
        self.problems = tuple(problems)
        lines = [
            f"batch {batch_id} not approved: its payment file(s) cannot be written, "
            "nothing was released",
            *(f"  - {u.describe()}" for u in self.instructions),
            *(f"  - {p}" for p in self.problems),
        ]
        super().__init__("\n".join([*lines, outcome] if outcome else lines))


class DigestMismatch(BatchRefused):
    """The file(s) approval would write now are not the ones the approver checked."""


@dataclass(frozen=True)
class FileDigest:
    """One file approval would write: its name, content and SHA-256 (None
    with the problem when it cannot be written)."""

    file_name: str
    count: int
    total_cents: int
    sha256: str | None
    problem: str | None = None


@dataclass(frozen=True)
class BatchDigest:
    """The file(s) approval of a batch would write now. ``sha256`` is the one
    value an approver checks and approves (:func:`combined_sha256`); None
    when a file cannot be written."""

    batch_id: int
    files: tuple[FileDigest, ...]

    @property
    def sha256(self) -> str | None:
        digests = [f.sha256 for f in self.files]
        if not digests or any(d is None for d in digests):
            return None
        return combined_sha256([d for d in digests if d is not None])


def combined_sha256(file_digests: Sequence[str]) -> str:
    """The batch digest: the file's own SHA-256 for a batch of one file; for
    several, the SHA-256 of their SHA-256s in file order, each as 64 lowercase
    hex digits followed by a newline (``printf '%s\\n' D1 D2 D3 | sha256sum``)."""
    if len(file_digests) == 1:
        return file_digests[0]
    text = "".join(f"{d}\n" for d in file_digests)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


class DeliveryConflict(Refused):
    """The outbox holds another file under the name of a file not yet delivered."""


def gather_batches(
    conn: Connection, as_of: date, settings: Settings, run_id: int | None, now: datetime
) -> Counter[str]:
    """Pending instructions without a batch go into one new batch per execution date."""
    pi = payment_instructions
    # The night's allocation has just written them: on statistics of an empty
    # table each UPDATE below would scan the whole table (ADR 0013).
    refresh_planner_statistics(conn, pi)
    rows = conn.execute(
        select(pi.c.id, pi.c.payout_date, pi.c.amount_cents)
        .where(pi.c.status == "pending", pi.c.batch_id.is_(None))
        .order_by(pi.c.id)
    ).all()
    by_date: dict[date, list[Any]] = defaultdict(list)
    for row in rows:
        by_date[execution_date(row.payout_date, as_of)].append(row)
    counts: Counter[str] = Counter()
    for day in sorted(by_date):
        items = by_date[day]
        batch_id = conn.execute(
            batches.insert().values(
                execution_date=day,
                status="awaiting_approval",
                count=len(items),
                total_cents=sum(r.amount_cents for r in items),
                created_at=now,
                run_id=run_id,
                # The file(s) carry these, whenever they are approved: in the
                # configured zone, as SQLite keeps the wall time only.
                file_created_at=_local(now, settings),
                pain_version=settings.sepa.version,
                max_per_file=settings.sepa.max_transactions_per_file,
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        for chunk in chunks_for(conn, [row.id for row in items]):
            # EndToEndId = OZ-<instruction id>: unique, stable, stored before any file.
            conn.execute(
                pi.update()
                .where(among(conn, pi.c.id, chunk), pi.c.batch_id.is_(None))
                .values(
                    batch_id=batch_id,
                    end_to_end_id=literal(f"{ID_PREFIX}-") + cast(pi.c.id, String),
                )
            )
        audit.record(
            conn,
            now,
            SYSTEM_ACTOR,
            "batch_created",
            f"batch {batch_id}",
            {"execution_date": day, "count": len(items)},
        )
        counts["batches"] += 1
        if not settings.sepa.require_approval:
            counts += _release_unattended(conn, batch_id, now, settings)
    return counts


def _release_unattended(
    conn: Connection, batch_id: int, now: datetime, settings: Settings
) -> Counter[str]:
    """Release without an approver: payments that cannot be written are taken
    out (cancelled, coach signalled) and the rest is released."""
    actor = f"{SYSTEM_ACTOR} (approval not required)"
    counts: Counter[str] = Counter()
    try:
        release_batch(conn, batch_id, actor, now, settings)
    except BatchUnwritable as exc:
        if not exc.instructions:
            raise
        counts["instructions_taken_out"] += len(exc.instructions)
        if not take_out_unwritable(conn, batch_id, exc.instructions, actor, now):
            return counts
        release_batch(conn, batch_id, actor, now, settings)
    counts["batches_released"] += 1
    return counts


def _batch(conn: Connection, batch_id: int) -> Any:
    row = conn.execute(select(batches).where(batches.c.id == batch_id)).mappings().first()
    if row is None:
        raise BatchRefused(f"batch {batch_id} does not exist")
    return row


def release_batch(
    conn: Connection,
    batch_id: int,
    actor: str,
    now: datetime,
    settings: Settings,
    *,
    expected_sha256: str | None = None,
) -> bool:
    """Approve: render and validate every file, record the files, mark the
    instructions released, book the release. Returns False when the batch was
    released before (nothing done). Raises :class:`BatchUnwritable` before
    changing anything when a file cannot be written, and
    :class:`DigestMismatch` when ``expected_sha256`` (the batch digest the
    approver checked) is not the digest of the file(s) it would write."""
    batch = _batch(conn, batch_id)
    if batch["status"] == "released":
        return False
    if batch["status"] != "awaiting_approval":
        raise BatchRefused(
            f"batch {batch_id} is {batch['status']}; only a batch awaiting approval can be approved"
        )
    if not actor.strip():
        raise BatchRefused("approval needs the name of the person who approves")
    checked = _check_files(conn, batch, settings)
    if checked.unwritable or checked.problems:
        raise BatchUnwritable(batch_id, checked.unwritable, checked.problems)
    if expected_sha256 is not None:
        _require_digest(checked.digest, expected_sha256)
    conn.execute(payment_files.insert(), checked.plan)
    items = _release_items(conn, batch_id)
    _set_status(conn, [r.id for r in items], "released", actor, now, "batch approved")
    _book_release(conn, batch_id, items, batch["execution_date"], now)
    conn.execute(
        batches.update()
        .where(batches.c.id == batch_id)
        .values(status="released", decided_by=actor, decided_at=now)
    )
    audit.record(
        conn,
        now,
        actor,
        "batch_approved",
        f"batch {batch_id}",
        {"count": len(items), "total_cents": batch["total_cents"]},
    )
    return True


def _require_digest(digest: BatchDigest, expected: str) -> None:
    given = expected.strip().lower()
    if digest.sha256 == given:
        return
    files = ", ".join(f"{f.file_name} {f.sha256}" for f in digest.files)
    raise DigestMismatch(
        f"batch {digest.batch_id} not approved: the SHA-256 given ({given}) is not that of "
        f"the file(s) approval would write now ({digest.sha256}; {files}). The batch or the "
        f"settings changed since it was checked; nothing was written. Check it again "
        f"(batches show {digest.batch_id}) and approve the SHA-256 shown there."
    )


@dataclass(frozen=True)
class _Checked:
    """Every file of a release rendered and validated, one at a time (only
    one file's payments and bytes are in memory at once): the payment_files
    rows to record, the digest, and what cannot be written."""

    plan: list[dict[str, Any]]
    digest: BatchDigest
    unwritable: list[Unwritable]
    problems: list[str]


def _check_files(conn: Connection, batch: Any, settings: Settings) -> _Checked:
    """Render and validate each planned file of ``batch``, keeping its
    SHA-256, not its bytes. For a file that fails, each instruction is
    rendered alone to find the ones to blame; a fault no instruction
    explains is the file's own."""
    pi = payment_instructions
    refresh_planner_statistics(conn, pi)  # the batch may have been gathered a moment ago
    keys = conn.execute(
        select(pi.c.id, pi.c.amount_cents).where(pi.c.batch_id == batch["id"]).order_by(pi.c.id)
    ).all()
    plan, ranges = _plan_files(batch, keys, settings)
    files: list[FileDigest] = []
    unwritable: list[Unwritable] = []
    problems: list[str] = []
    for file_row, (first, last) in zip(plan, ranges, strict=True):
        rows = (
            conn.execute(
                select(pi)
                .where(pi.c.batch_id == batch["id"], pi.c.id.between(first, last))
                .order_by(pi.c.id)
            )
            .mappings()
            .all()
        )
        if len(rows) != file_row["count"]:  # the run lock keeps others out: a bug
            raise InvariantBroken(f"file {file_row['file_name']}: its payments changed meanwhile")
        try:
            data = _render_rows(file_row, batch["execution_date"], rows, settings)
        except PaymentsError as exc:
            found = _instructions_to_blame(file_row, batch["execution_date"], rows, settings)
            unwritable += found
            if not found:
                problems.append(f"file {file_row['file_name']}: {exc}")
            files.append(_file_digest(file_row, None, str(exc).splitlines()[0]))
        else:
            files.append(_file_digest(file_row, hashlib.sha256(data).hexdigest(), None))
    return _Checked(plan, BatchDigest(batch["id"], tuple(files)), unwritable, problems)


def _file_digest(file_row: dict[str, Any], sha256: str | None, problem: str | None) -> FileDigest:
    return FileDigest(
        file_row["file_name"], file_row["count"], file_row["total_cents"], sha256, problem
    )


def approval_digest(conn: Connection, batch_id: int, settings: Settings) -> BatchDigest:
    """The file(s) approval of a batch awaiting approval would write now and
    their SHA-256 (per file and the batch digest), rendered and written
    nowhere. The same stored values make the same bytes, so this is what an
    approver checks and what ``batches approve --sha256`` (or a web approval)
    binds to; a payment taken out, a batch rebatched or other debtor
    settings make another digest."""
    batch = _batch(conn, batch_id)
    if batch["status"] != "awaiting_approval":
        raise BatchRefused(f"batch {batch_id} is {batch['status']}; approval writes no file for it")
    return _check_files(conn, batch, settings).digest


def _release_items(conn: Connection, batch_id: int) -> Sequence[Any]:
    """What marking a batch released and booking its release need of each
    instruction (not the whole row: a batch may hold half a million)."""
    pi = payment_instructions
    return conn.execute(
        select(pi.c.id, pi.c.household_id, pi.c.creditor_id, pi.c.source_account, pi.c.amount_cents)
        .where(pi.c.batch_id == batch_id)
        .order_by(pi.c.id)
    ).all()


def _plan_files(
    batch: Any, keys: Sequence[Any], settings: Settings
) -> tuple[list[dict[str, Any]], list[tuple[int, int]]]:
    """The payment_files rows of a release, one per chunk of at most the
    batch's transactions per file of ``keys`` (id, amount_cents in id
    order), with the values stored when the batch was gathered (a batch
    from before migration 0005: its created_at and the settings); and the
    first and last instruction id of each file."""
    per_file = batch["max_per_file"] or settings.sepa.max_transactions_per_file
    version = batch["pain_version"] or settings.sepa.version
    created_at = _local(batch["file_created_at"] or batch["created_at"], settings)
    plan, ranges = [], []
    for sequence, start in enumerate(range(0, len(keys), per_file), start=1):
        chunk = keys[start : start + per_file]
        name = f"B{batch['id']}-{sequence}"
        plan.append(
            {
                "batch_id": batch["id"],
                "sequence": sequence,
                "file_name": f"pain001-{batch['execution_date']:%Y%m%d}-{name}.xml",
                "message_id": f"{ID_PREFIX}-{name}",
                "payment_info_id": f"{ID_PREFIX}-{name}-P",
                "version": version,
                "count": len(chunk),
                "total_cents": sum(r.amount_cents for r in chunk),
                "created_at": created_at,
            }
        )
        ranges.append((chunk[0].id, chunk[-1].id))
    return plan, ranges


def _instructions_to_blame(
    file_row: dict[str, Any], day: date, rows: Sequence[Any], settings: Settings
) -> list[Unwritable]:
    """The instructions that fail alone. When every one fails alone the
    header may be at fault: then only those whose own data is named."""
    failed: dict[int, tuple[tuple[str, ...], tuple[str, ...]]] = {}
    for row in rows:
        try:
            _render_rows({**file_row, "count": 1}, day, [row], settings)
        except PaymentsError as exc:
            label = f"transfer {row['end_to_end_id']!r}: "
            listed = tuple(getattr(exc, "problems", ())) or (str(exc),)
            own = tuple(_as_column(p.removeprefix(label)) for p in listed if p.startswith(label))
            failed[row["id"]] = (own, listed)
    header_ok = len(failed) < len(rows)
    return [
        Unwritable(r["id"], r["end_to_end_id"], r["kind"], r["creditor_id"], own or listed)
        for r in rows
        if r["id"] in failed
        for own, listed in (failed[r["id"]],)
        if own or header_ok
    ]


_COLUMNS = {"name ": "payee_name ", "IBAN ": "payee_iban ", "BIC ": "payee_bic "}


def _as_column(problem: str) -> str:
    """The writer's words for a transfer's field, as the instruction's column."""
    for word, column in _COLUMNS.items():
        if problem.startswith(word):
            return column + problem.removeprefix(word)
    return problem


def take_out_unwritable(
    conn: Connection,
    batch_id: int,
    unwritable: Sequence[Unwritable],
    actor: str,
    now: datetime,
) -> int:
    """Take payments that cannot be written out of a batch awaiting approval:
    cancelled as a rejection cancels them (the booking reversed, the money
    stays held for the household, a signal for the coach). Returns the number
    of payments left; a batch with none left is rejected."""
    batch = _batch(conn, batch_id)
    if batch["status"] != "awaiting_approval":
        raise BatchRefused(f"batch {batch_id} is {batch['status']}; nothing can be taken out")
    pi = payment_instructions
    ids = [u.instruction_id for u in unwritable]
    items: list[Any] = []
    for start in range(0, len(ids), UPDATE_CHUNK):
        chunk = ids[start : start + UPDATE_CHUNK]
        where = (pi.c.id.in_(chunk), pi.c.batch_id == batch_id)
        items += conn.execute(select(pi).where(*where)).mappings().all()
        conn.execute(pi.update().where(*where).values(batch_id=None, end_to_end_id=None))
    _cancel(
        conn,
        items,
        actor,
        now,
        reason=UNWRITABLE_REASON,
        event=f"taken out of batch {batch_id}: {UNWRITABLE_REASON}",
        signal=f"not paid: {UNWRITABLE_REASON} (batch {batch_id})",
    )
    left, total = conn.execute(
        select(func.count(), func.coalesce(func.sum(pi.c.amount_cents), 0)).where(
            pi.c.batch_id == batch_id
        )
    ).one()
    values: dict[str, Any] = {
        "count": left,
        "total_cents": int(total),
        "reason": f"{len(items)} payment(s) taken out: {UNWRITABLE_REASON}",
    }
    if not left:
        values.update(status="rejected", decided_by=actor, decided_at=now)
    conn.execute(batches.update().where(batches.c.id == batch_id).values(**values))
    audit.record(
        conn,
        now,
        actor,
        "payments_taken_out",
        f"batch {batch_id}",
        {"instructions": [r["id"] for r in items], "left": left},
        UNWRITABLE_REASON,
    )
    return int(left)


def approve_batch(
    engine: Engine,
    batch_id: int,
    actor: str,
    now: datetime,
    settings: Settings,
    *,
    expected_sha256: str | None = None,
) -> bool:
    """``batches approve``: the release in one transaction (see
    :func:`release_batch`). When payments cannot be written nothing is
    released: they are taken out of the batch in a transaction of their own,
    and :class:`BatchUnwritable` says so; the approver looks at the batch again
    and approves what is left. The caller holds the run lock."""
    try:
        with engine.begin() as conn:
            return release_batch(
                conn, batch_id, actor, now, settings, expected_sha256=expected_sha256
            )
    except BatchUnwritable as exc:
        if not exc.instructions:
            raise
        with engine.begin() as conn:
            left = take_out_unwritable(conn, batch_id, exc.instructions, actor, now)
        if left:
            outcome = (
                f"these payment(s) are taken out of batch {batch_id} and cancelled: the money "
                f"stays held for the household and the coach has a signal. Batch {batch_id} "
                f"now holds {left} payment(s): check it (batches show {batch_id}) and "
                "approve it again."
            )
        else:
            outcome = (
                f"these payment(s) are cancelled (the money stays held, the coach has a "
                f"signal); no payment is left, so batch {batch_id} is rejected."
            )
        raise BatchUnwritable(batch_id, exc.instructions, exc.problems, outcome) from None


def _book_release(
    conn: Connection, batch_id: int, items: Any, value_date: date, now: datetime
) -> None:
    """The payable is paid from the account the money was held in."""
    from ledger import accounts

    by_household: dict[str | None, list[Any]] = defaultdict(list)
    for item in items:
        by_household[item.household_id].append(item)
    first = next_id(conn, ledger_entries)
    entries: list[tuple[int, Entry]] = []
    for offset, (hid, rows) in enumerate(sorted(by_household.items(), key=lambda kv: kv[0] or "")):
        moves = [
            (
                accounts.payable(hid, r.creditor_id or accounts.CLIENT),
                r.source_account,
                r.amount_cents,
            )
            for r in rows
        ]
        if len(entries) == ENTRIES_PER_INSERT:
            insert_entries(conn, entries, now)
            entries = []
        entries.append(
            (
                first + offset,
                transfer(
                    f"release:{batch_id}:{hid or '-'}",
                    hid,
                    value_date,
                    "release",
                    f"Batch {batch_id}: betaald",
                    moves,
                ),
            )
        )
    insert_entries(conn, entries, now)


def reject_batch(
    conn: Connection, batch_id: int, actor: str, reason: str, now: datetime, *, rebatch: bool
) -> int:
    """A rejected batch pays nothing. Its instructions are either cancelled
    (the booking reversed, the money stays held for the household, a signal
    for the coach) or, with ``rebatch``, returned to pending for the next
    nightly run's batch (after the cause has been corrected)."""
    batch = _batch(conn, batch_id)
    if batch["status"] != "awaiting_approval":
        raise BatchRefused(
            f"batch {batch_id} is {batch['status']}; only a batch awaiting approval can be rejected"
        )
    if not reason.strip() or not actor.strip():
        raise BatchRefused("rejecting a batch needs a name and a reason")
    pi = payment_instructions
    items = conn.execute(select(pi).where(pi.c.batch_id == batch_id)).mappings().all()
    ids = [r["id"] for r in items]
    if rebatch:
        conn.execute(
            pi.update().where(pi.c.batch_id == batch_id).values(batch_id=None, end_to_end_id=None)
        )
        _set_status(conn, ids, "pending", actor, now, f"batch {batch_id} rejected: {reason}")
    else:
        _cancel(
            conn,
            items,
            actor,
            now,
            reason=reason,
            event=f"batch {batch_id} rejected: {reason}",
            signal="not paid: batch rejected",
        )
    conn.execute(
        batches.update()
        .where(batches.c.id == batch_id)
        .values(status="rejected", decided_by=actor, decided_at=now, reason=reason)
    )
    audit.record(
        conn,
        now,
        actor,
        "batch_rejected",
        f"batch {batch_id}",
        {"count": len(items), "rebatch": rebatch},
        reason,
    )
    return len(items)


def _cancel(
    conn: Connection,
    items: Sequence[Any],
    actor: str,
    now: datetime,
    *,
    reason: str,
    event: str,
    signal: str,
) -> None:
    """Cancel instructions: the allocation booking reversed (the money stays
    held for the household) and a signal for the coach."""
    from ledger import accounts

    _set_status(conn, [r["id"] for r in items], "cancelled", actor, now, event)
    first = next_id(conn, ledger_entries)
    entries = []
    for offset, item in enumerate(items):
        payee = item["creditor_id"] or accounts.CLIENT
        kind = item["kind"] if item["creditor_id"] else accounts.LEEFGELD
        hid = item["household_id"]
        entries.append(
            (
                first + offset,
                transfer(
                    f"cancel:{item['id']}",
                    hid,
                    now.date(),
                    "cancellation",
                    shorten(f"Betaling {item['id']} geannuleerd: {reason}", 200),
                    [
                        (
                            accounts.payable(hid, payee),
                            accounts.expense(hid, kind),
                            item["amount_cents"],
                        )
                    ],
                ),
            )
        )
    insert_entries(conn, entries, now)
    insert_ignoring_duplicates(
        conn,
        signals,
        [
            signal_row(
                item["household_id"],
                "payment_cancelled",
                f"instruction {item['id']}",
                now.date(),
                shorten(f"{item['kind']} {item['amount_cents']} cents {signal}", 300),
            )
            for item in items
            if item["household_id"]
        ],
    )


def _set_status(
    conn: Connection, ids: list[int], status: str, actor: str, now: datetime, reason: str
) -> None:
    pi = payment_instructions
    reason = shorten(reason, 200)
    for chunk in chunks_for(conn, ids):
        conn.execute(pi.update().where(among(conn, pi.c.id, chunk)).values(status=status))
    for start in range(0, len(ids), EVENTS_PER_INSERT):
        insert_rows(
            conn,
            instruction_events,
            [
                {"instruction_id": i, "at": now, "status": status, "actor": actor, "reason": reason}
                for i in ids[start : start + EVENTS_PER_INSERT]
            ],
        )


# --- files --------------------------------------------------------------------


def render_file(conn: Connection, file_row: Any, settings: Settings) -> bytes:
    """The pain.001 bytes of one recorded file, from the database alone."""
    batch = _batch(conn, file_row["batch_id"])
    items = conn.execute(file_instructions(file_row)).mappings().all()
    if len(items) != file_row["count"]:
        raise RuntimeError(f"file {file_row['file_name']}: instructions changed since release")
    return _render_rows(file_row, batch["execution_date"], items, settings)


def _render_rows(file_row: Any, day: date, items: Sequence[Any], settings: Settings) -> bytes:
    """Render and validate (XSD and EPC rules) one file of ``items``."""
    m = settings.municipality
    document = PaymentFile(
        message_id=file_row["message_id"],
        payment_info_id=file_row["payment_info_id"],
        created_at=_local(file_row["created_at"], settings),
        execution_date=day,
        debtor=Debtor(m.name, m.iban, m.bic),
        initiating_party=m.name,
        transfers=tuple(
            Transfer(
                end_to_end_id=r["end_to_end_id"],
                amount_cents=r["amount_cents"],
                creditor_name=r["payee_name"],
                creditor_iban=r["payee_iban"],
                creditor_bic=r["payee_bic"],
                reference=Reference(r["reference_kind"], r["reference"]),
                remittance_text=r["remittance"],
            )
            for r in items
        ),
    )
    return render_pain001(document, file_row["version"], max_transactions=file_row["count"])


def _local(moment: datetime, settings: Settings) -> datetime:
    """The stored creation time in the configured zone (SQLite keeps it naive)."""
    zone = ZoneInfo(settings.schedule.timezone)
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def write_missing_files(conn: Connection, outbox: Path, settings: Settings) -> list[Path]:
    """Deliver every released file whose delivery is not recorded (its SHA-256
    is NULL), one at a time: render, write atomically (temp file, fsync,
    rename, fsync of the directory), then record its SHA-256 and the moment
    (audit log) in a short transaction of its own before the next file.
    Returns the files delivered now.

    A file with a recorded SHA-256 is never written again, even when it is
    no longer in the outbox: finance moves files out once the bank has them,
    and writing one back could have it paid twice. An unrecorded file found
    in the outbox under its name was written before a crash that came before
    its record: if its bytes are the rendering's it is recorded as it is;
    otherwise :class:`DeliveryConflict` stops the delivery and nothing is
    overwritten. Rendering is deterministic, so a file written again after a
    crash before its rename is byte-identical.

    The records are committed on a connection of their own: ``conn`` must
    not hold an uncommitted release (refused before any file is written)."""
    outbox.mkdir(parents=True, exist_ok=True)
    delivered = _publish_recorded(conn, outbox)
    unconfirmed = (
        conn.execute(
            select(payment_files)
            .where(payment_files.c.sha256.is_(None))
            .order_by(payment_files.c.id)
        )
        .mappings()
        .all()
    )
    for row in unconfirmed:
        _require_committed(conn.engine, row)
        path = outbox / row["file_name"]
        data = render_file(conn, row, settings)
        digest = hashlib.sha256(data).hexdigest()
        found = path.exists()
        if found:
            _refuse_if_other(conn.engine, row, path, digest, settings)
            _record_delivery(conn.engine, row, digest, found, settings)
        else:
            temp = stage(path, data)
            _record_delivery(conn.engine, row, digest, found, settings)
            checkpoint("file_recorded")
            publish(temp, path)
            checkpoint("file_written")
        delivered.append(path)
    return delivered


def _publish_recorded(conn: Connection, outbox: Path) -> list[Path]:
    """Finish the delivery of files recorded but not yet renamed into place
    (a crash between the two): their staged bytes are exactly what was
    recorded. A recorded file that is absent without a staged copy was taken
    by finance and is never written again."""
    staged = staged_files(outbox)
    if not staged:
        return []
    recorded = dict(
        conn.execute(
            select(payment_files.c.file_name, payment_files.c.sha256).where(
                payment_files.c.file_name.in_(sorted(staged)),
                payment_files.c.sha256.is_not(None),
            )
        ).all()
    )
    published = []
    for name, digest in recorded.items():
        path, temp = outbox / name, staged[name]
        if not path.exists() and sha256_of_file(temp) == digest:
            publish(temp, path)
            published.append(path)
    return published


def _require_committed(engine: Engine, row: Any) -> None:
    """A file is written only for a release other connections can see: a
    file of a release that is then rolled back would be paid all the same."""
    with engine.connect() as other:
        seen = other.execute(
            select(payment_files.c.id).where(payment_files.c.id == row["id"])
        ).first()
    if seen is None:
        raise RuntimeError(
            f"file {row['file_name']}: its release is not committed; commit it before "
            "writing its files"
        )


def _record_delivery(
    engine: Engine, row: Any, digest: str, found: bool, settings: Settings
) -> None:
    with engine.begin() as conn:
        done = conn.execute(
            payment_files.update()
            .where(payment_files.c.id == row["id"], payment_files.c.sha256.is_(None))
            .values(sha256=digest)
        ).rowcount
        if done != 1:
            raise RuntimeError(
                f"file {row['file_name']}: its delivery could not be recorded "
                "(recorded meanwhile, or its release not committed)"
            )
        audit.record(
            conn,
            _wall_clock(settings),
            SYSTEM_ACTOR,
            "file_found_written" if found else "file_written",
            row["file_name"],
            {"batch_id": row["batch_id"], "sequence": row["sequence"], "sha256": digest},
        )


def _refuse_if_other(engine: Engine, row: Any, path: Path, digest: str, settings: Settings) -> None:
    """An unrecorded file already in the outbox must be ours, byte for byte."""
    found = sha256_of_file(path)
    if found == digest:
        return
    with engine.begin() as conn:
        audit.record(
            conn,
            _wall_clock(settings),
            SYSTEM_ACTOR,
            "file_conflict",
            row["file_name"],
            {"batch_id": row["batch_id"], "found_sha256": found, "sha256": digest},
        )
    raise DeliveryConflict(
        f"{path} is not batch {row['batch_id']}'s file {row['sequence']} as released "
        f"(SHA-256 {found[:16]}..., expected {digest[:16]}...): it was not overwritten and "
        "no payment file after it was written. Finance: keep the bank from paying it until "
        f"it is explained. If it carries MsgId {row['message_id']} it is this file written "
        "under other settings (municipality, sepa): restore them and run again. Otherwise "
        "move it out of the outbox and run again."
    )


def _wall_clock(settings: Settings) -> datetime:
    # When a file reached the disk is a fact, not a business date: the real
    # clock, not the run's (which may be fixed to a run date).
    return datetime.now(ZoneInfo(settings.schedule.timezone))


def list_batches(conn: Connection) -> list[dict[str, Any]]:
    """Every batch with its files. ``files`` names only the files whose
    writing was recorded (their SHA-256 is stored), so a name there is a file
    in ``outbox/sepa/``; a file recorded at approval but not yet written (a
    crash came in between; the next release or nightly run writes it) is in
    ``files_pending``, never passed off as delivered."""
    written: dict[int, list[Any]] = defaultdict(list)
    pending: dict[int, list[str]] = defaultdict(list)
    for f in conn.execute(select(payment_files).order_by(payment_files.c.sequence)).mappings():
        if f["sha256"] is None:
            pending[f["batch_id"]].append(f["file_name"])
        else:
            written[f["batch_id"]].append(f)
    result = []
    for b in conn.execute(select(batches).order_by(batches.c.id)).mappings():
        result.append(
            {
                "id": b["id"],
                "status": b["status"],
                "execution_date": b["execution_date"].isoformat(),
                "count": b["count"],
                "total_cents": b["total_cents"],
                "files": [f["file_name"] for f in written[b["id"]]],
                "sha256": {f["file_name"]: f["sha256"] for f in written[b["id"]]},
                "files_pending": pending[b["id"]],
                "decided_by": b["decided_by"],
                "reason": b["reason"],
            }
        )
    return result


def show_batch(conn: Connection, batch_id: int) -> dict[str, Any]:
    _batch(conn, batch_id)
    item = next(b for b in list_batches(conn) if b["id"] == batch_id)
    pi = payment_instructions
    kinds = conn.execute(
        select(pi.c.kind, func.count(), func.sum(pi.c.amount_cents))
        .where(pi.c.batch_id == batch_id)
        .group_by(pi.c.kind)
        .order_by(pi.c.kind)
    ).all()
    item["per_kind"] = [{"kind": k, "count": n, "total_cents": int(t)} for k, n, t in kinds]
    return item
