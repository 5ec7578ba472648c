"""Approval of a payment batch, by one person or by four eyes (use case
behind ``batches approve`` and the web's approve button).

Every approval binds to the SHA-256 of the exact file(s) the release will
write. With ``sepa.approvals_required = 2`` the batch is released only when
two different names approved the same SHA-256; when anything in the batch
changes, its SHA-256 changes and earlier approvals lapse (they stay in
``batch_approvals`` as history, they just no longer count). After the
release the written files are checked against the approved SHA-256."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, select

from ontzorging.adapters import audit
from ontzorging.adapters.faults import checkpoint
from ontzorging.adapters.schema import ACTOR_NAME_MAX_CHARS, batch_approvals, batches
from ontzorging.batches.finance_summary import write_release_outputs
from ontzorging.batches.review import batch_review
from ontzorging.batches.service import (
    BatchRefused,
    _require_digest,
    approval_digest,
    approve_batch,
    combined_sha256,
    list_batches,
)
from ontzorging.domain.errors import InvariantBroken, NotFound
from ontzorging.domain.texts import shorten
from ontzorging.domain.vocabulary import BatchStatus
from ontzorging.settings import Settings


class ApprovalRefused(BatchRefused):
    """This approval cannot count (stale SHA-256, or the same person twice)."""


@dataclass(frozen=True)
class ApprovalOutcome:
    batch_id: int
    status: str  # released | already_released | awaiting_approval
    sha256: str | None
    approved_by: tuple[str, ...]
    approvals_required: int
    files: dict[str, str] = field(default_factory=dict)  # file name -> SHA-256 written


def review_for_approval(conn: Connection, batch_id: int, settings: Settings) -> dict[str, Any]:
    """The review (batch_review) plus ``sha256_to_approve`` and who approved it.

    The digest is the batches module's :func:`approval_digest` (via the
    review's ``batch_sha256``): the SHA-256 of exactly what approval writes."""
    if conn.execute(select(batches.c.id).where(batches.c.id == batch_id)).first() is None:
        raise NotFound(f"batch {batch_id} does not exist")
    review = batch_review(conn, batch_id, settings)
    digest = review["batch_sha256"] if review["status"] == BatchStatus.AWAITING_APPROVAL else None
    review["sha256_to_approve"] = digest
    review["approvals_required"] = settings.sepa.approvals_required
    review["approved_by"] = list(approvers(conn, batch_id, digest)) if digest else []
    return review


def approvers(conn: Connection, batch_id: int, sha256: str) -> tuple[str, ...]:
    ba = batch_approvals
    return tuple(
        conn.execute(
            select(ba.c.approved_by)
            .where(ba.c.batch_id == batch_id, ba.c.sha256 == sha256)
            .order_by(ba.c.id)
        ).scalars()
    )


def same_person(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def approve(
    engine: Engine,
    batch_id: int,
    actor: str,
    now: datetime,
    settings: Settings,
    home_outbox: Path,
    home_reports: Path,
    *,
    sha256: str | None = None,
    via: str = "cli",
) -> ApprovalOutcome:
    """Record ``actor``'s approval of the batch as it is now (``sha256``, when
    given, must be the digest the approver was shown) and release it once
    ``approvals_required`` different names approved that digest. The caller
    holds the run lock."""
    required = settings.sepa.approvals_required
    with engine.begin() as conn:
        status = conn.execute(
            select(batches.c.status).where(batches.c.id == batch_id).with_for_update()
        ).scalar()
        if status is None:  # refused, as `batches approve` always answered
            raise BatchRefused(f"batch {batch_id} does not exist")
        if status == "released":  # approved before; its files may still be unwritten (a crash)
            written = _write_outputs(engine, batch_id, settings, home_outbox, home_reports)
            return ApprovalOutcome(batch_id, "already_released", None, (), required, written)
        if status != "awaiting_approval":
            raise BatchRefused(
                f"batch {batch_id} is {status}; only a batch awaiting approval can be approved"
            )
        digest = approval_digest(conn, batch_id, settings)
        if sha256 is not None:
            _require_digest(digest, sha256)  # the batches module's refusal and wording
        current = digest.sha256
        names = _record(conn, batch_id, actor, current, now, via, required)
    if current is not None and len(names) < required:
        return ApprovalOutcome(batch_id, "awaiting_approval", current, names, required)
    # A file that cannot be written (current is None): approve_batch takes its
    # payments out and says so, releasing nothing.
    approve_batch(
        engine, batch_id, _decided_by(names or (actor,)), now, settings, expected_sha256=current
    )
    checkpoint("released")
    written = _write_outputs(engine, batch_id, settings, home_outbox, home_reports)
    _require_approved_files(batch_id, written, current)
    return ApprovalOutcome(batch_id, "released", current, names, required, written)


def _write_outputs(
    engine: Engine, batch_id: int, settings: Settings, outbox: Path, reports: Path
) -> dict[str, str]:
    """Every released file not yet written (each delivery commits on its own)
    and the summaries; the batch's files with their SHA-256."""
    with engine.connect() as conn:
        write_release_outputs(conn, outbox, reports, settings)
        return dict(next(b for b in list_batches(conn) if b["id"] == batch_id)["sha256"])


def _record(
    conn: Connection,
    batch_id: int,
    actor: str,
    current: str | None,
    now: datetime,
    via: str,
    required: int,
) -> tuple[str, ...]:
    if current is None:
        return ()
    names = approvers(conn, batch_id, current)
    if any(same_person(actor, name) for name in names):
        raise ApprovalRefused(
            f"{actor} approved batch {batch_id} already; a second approval must come from "
            "someone else"
        )
    conn.execute(
        batch_approvals.insert().values(
            batch_id=batch_id, approved_by=actor, sha256=current, approved_at=now, via=via
        )
    )
    audit.record(
        conn,
        now,
        actor,
        "batch_approval",
        f"batch {batch_id}",
        {"sha256": current, "via": via, "approval": len(names) + 1, "required": required},
    )
    return (*names, actor)


def _decided_by(names: tuple[str, ...]) -> str:
    return shorten(" + ".join(names), ACTOR_NAME_MAX_CHARS)


def _require_approved_files(batch_id: int, written: dict[str, str], approved: str | None) -> None:
    if approved is not None and combined_sha256(list(written.values())) != approved:
        raise InvariantBroken(
            f"batch {batch_id}: the file(s) written do not have the approved SHA-256 "
            f"{approved}: keep them from the bank and report this as a bug"
        )
