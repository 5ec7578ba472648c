"""Use cases for payment batches (DOMAIN.md R6, DESIGN.md 5.3): gather
pending instructions into batches per execution date, approve (release) or
reject them, and write the pain.001 files.

Ids (EndToEndId, MsgId, PmtInfId) and the file's creation time are stored
before any file is written, so a file can always be rendered again byte for
byte from the database (after a crash between commit and write)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, String, cast, func, literal, select

from ledger.entries import transfer
from ledger.schema import ledger_entries
from ledger.store import insert_entries
from ontzorging import audit
from ontzorging.dbutil import insert_ignoring_duplicates, insert_rows, next_id
from ontzorging.faults import checkpoint
from ontzorging.schema import (
    batches,
    instruction_events,
    payment_files,
    payment_instructions,
    signals,
)
from ontzorging.settings import Settings
from ontzorging.signals import signal_row
from payments.calendar import execution_date
from payments.files import write_atomically
from payments.pain001 import Debtor, PaymentFile, Transfer, render_pain001
from payments.references import Reference

ID_PREFIX = "OZ"  # our ids in the bank's files: MsgId, PmtInfId, EndToEndId
UPDATE_CHUNK = 900  # ids per UPDATE ... WHERE id IN (...), below every parameter limit
SYSTEM_ACTOR = "ontzorging"


class BatchRefused(ValueError):
    """A batch decision that is not allowed in the batch's state."""


def gather_batches(
    conn: Connection, as_of: date, settings: Settings, run_id: int | None, now: datetime
) -> Counter[str]:
    """Pending instructions without a batch go into one new batch per execution date."""
    pi = payment_instructions
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
            )
        ).inserted_primary_key[0]  # type: ignore[index]
        item_ids = [row.id for row in items]
        for start in range(0, len(item_ids), UPDATE_CHUNK):
            # EndToEndId = OZ-<instruction id>: unique, stable, stored before any file.
            conn.execute(
                pi.update()
                .where(pi.c.id.in_(item_ids[start : start + UPDATE_CHUNK]), pi.c.batch_id.is_(None))
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
            release_batch(conn, batch_id, f"{SYSTEM_ACTOR} (approval not required)", now, settings)
            counts["batches_released"] += 1
    return counts


def _batch(conn: Connection, batch_id: int) -> Any:
    row = conn.execute(select(batches).where(batches.c.id == batch_id)).mappings().first()
    if row is None:
        raise BatchRefused(f"batch {batch_id} does not exist")
    return row


def release_batch(
    conn: Connection, batch_id: int, actor: str, now: datetime, settings: Settings
) -> bool:
    """Approve: record the files, mark the instructions released, book the
    release. Returns False when the batch was released before (nothing done)."""
    batch = _batch(conn, batch_id)
    if batch["status"] == "released":
        return False
    if batch["status"] != "awaiting_approval":
        raise BatchRefused(
            f"batch {batch_id} is {batch['status']}; only a batch awaiting approval can be approved"
        )
    if not actor.strip():
        raise BatchRefused("approval needs the name of the person who approves")
    pi = payment_instructions
    items = (
        conn.execute(select(pi).where(pi.c.batch_id == batch_id).order_by(pi.c.id)).mappings().all()
    )
    per_file = settings.sepa.max_transactions_per_file
    for sequence, start in enumerate(range(0, len(items), per_file), start=1):
        chunk = items[start : start + per_file]
        name = f"B{batch_id}-{sequence}"
        conn.execute(
            payment_files.insert().values(
                batch_id=batch_id,
                sequence=sequence,
                file_name=f"pain001-{batch['execution_date']:%Y%m%d}-{name}.xml",
                message_id=f"{ID_PREFIX}-{name}",
                payment_info_id=f"{ID_PREFIX}-{name}-P",
                version=settings.sepa.version,
                count=len(chunk),
                total_cents=sum(r["amount_cents"] for r in chunk),
                created_at=now,
            )
        )
    _set_status(conn, [r["id"] for r in items], "released", actor, now, "batch approved")
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


def _book_release(
    conn: Connection, batch_id: int, items: Any, value_date: date, now: datetime
) -> None:
    """The payable is paid from the account the money was held in."""
    from ledger import accounts

    by_household: dict[str | None, list[Any]] = defaultdict(list)
    for item in items:
        by_household[item["household_id"]].append(item)
    first = next_id(conn, ledger_entries)
    entries = []
    for offset, (hid, rows) in enumerate(sorted(by_household.items(), key=lambda kv: kv[0] or "")):
        moves = [
            (
                accounts.payable(hid, r["creditor_id"] or accounts.CLIENT),
                r["source_account"],
                r["amount_cents"],
            )
            for r in rows
        ]
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
        _cancel(conn, batch_id, items, actor, reason, now)
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
    conn: Connection, batch_id: int, items: Any, actor: str, reason: str, now: datetime
) -> None:
    from ledger import accounts

    _set_status(
        conn,
        [r["id"] for r in items],
        "cancelled",
        actor,
        now,
        f"batch {batch_id} rejected: {reason}",
    )
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
                    f"Betaling {item['id']} geannuleerd: {reason}"[:200],
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
                f"{item['kind']} {item['amount_cents']} cents not paid: batch rejected",
            )
            for item in items
            if item["household_id"]
        ],
    )


def _set_status(
    conn: Connection, ids: list[int], status: str, actor: str, now: datetime, reason: str
) -> None:
    pi = payment_instructions
    for start in range(0, len(ids), UPDATE_CHUNK):
        chunk = ids[start : start + UPDATE_CHUNK]
        conn.execute(pi.update().where(pi.c.id.in_(chunk)).values(status=status))
    insert_rows(
        conn,
        instruction_events,
        [
            {
                "instruction_id": i,
                "at": now,
                "status": status,
                "actor": actor,
                "reason": reason[:200],
            }
            for i in ids
        ],
    )


# --- files --------------------------------------------------------------------


def render_file(conn: Connection, file_row: Any, settings: Settings) -> bytes:
    """The pain.001 bytes of one recorded file, from the database alone."""
    batch = _batch(conn, file_row["batch_id"])
    per_file = settings.sepa.max_transactions_per_file
    pi = payment_instructions
    items = (
        conn.execute(
            select(pi)
            .where(pi.c.batch_id == file_row["batch_id"])
            .order_by(pi.c.id)
            .offset((file_row["sequence"] - 1) * per_file)
            .limit(file_row["count"])
        )
        .mappings()
        .all()
    )
    m = settings.municipality
    document = PaymentFile(
        message_id=file_row["message_id"],
        payment_info_id=file_row["payment_info_id"],
        created_at=_local(file_row["created_at"], settings),
        execution_date=batch["execution_date"],
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
    if len(document.transfers) != file_row["count"]:
        raise RuntimeError(f"file {file_row['file_name']}: instructions changed since release")
    return render_pain001(document, file_row["version"], max_transactions=per_file)


def _local(moment: datetime, settings: Settings) -> datetime:
    """The stored creation time in the configured zone (SQLite keeps it naive)."""
    zone = ZoneInfo(settings.schedule.timezone)
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def write_missing_files(conn: Connection, outbox: Path, settings: Settings) -> list[Path]:
    """Write every released file whose writing was never confirmed (its
    SHA-256 is not recorded: not written yet, or a crash came between the
    write and the record), and record its SHA-256. Rendering is
    deterministic, so a rewrite is byte-identical.

    A file with a recorded SHA-256 is never written again, even when it is
    no longer in the outbox: finance moves files out once the bank has them,
    and writing one back could have it paid twice."""
    outbox.mkdir(parents=True, exist_ok=True)
    written = []
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
        path = outbox / row["file_name"]
        digest = write_atomically(path, render_file(conn, row, settings))
        checkpoint("file_written")
        conn.execute(
            payment_files.update().where(payment_files.c.id == row["id"]).values(sha256=digest)
        )
        written.append(path)
    return written


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
