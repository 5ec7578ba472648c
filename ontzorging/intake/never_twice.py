"""Never twice: a benefits payment that repeats one imported before.

A benefits run can reach us again under other ids: the same CSV with every
``payment_id`` prefixed, a payout file with only its MsgId changed, the
pain.001.001.03 twin of a .09 file. Ids then say nothing; what the payment
*is* does. Its fingerprint is the account it goes to, its period, kind,
amount and payout date (ADR 0006). A payment whose fingerprint or
EndToEndId matches a payment of an earlier file is imported but held: it is
not allocated, not counted as income and not paid until a named person
decides (``ontzorging bijstand release`` for a genuine second payment,
``cancel`` for a repeat). Rows of one file are not compared with each other:
partners paid the same amount to one joint account on one day are two real
payments.

Any payment that was not allocated yet can be cancelled the same way, for
example one whose allocation fails every night (signal ``allocation_failed``)
because it came in before the import checked what it checks now.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, exists, or_, select

from ontzorging.adapters import audit
from ontzorging.adapters.dbutil import among, chunks_for, insert_ignoring_duplicates
from ontzorging.adapters.schema import (
    allocated_payments,
    benefit_decisions,
    benefit_payments,
    signals,
)
from ontzorging.domain.errors import Refused
from ontzorging.domain.periods import format_month
from ontzorging.register.signals import signal_row

RELEASE = "release"
CANCEL = "cancel"
DECISIONS = (RELEASE, CANCEL)
SIGNAL_KIND = "duplicate_payment"
ALLOCATION_FAILED = "allocation_failed"


class DecisionRefused(Refused):
    """A decision that cannot be taken: unknown payment, release of a payment
    that is not held, cancel of one already allocated, or decided before."""


def fingerprint(
    payee_iban: str, period: date, kind: str, amount_cents: int, payout_date: date
) -> str:
    """What a payment is, whatever its id: 64 hex characters."""
    text = f"{payee_iban}|{period.isoformat()}|{kind}|{amount_cents}|{payout_date.isoformat()}"
    return hashlib.sha256(text.encode("ascii")).hexdigest()


@dataclass(frozen=True)
class Candidate:
    """A new payment of a file, as the duplicate check sees it."""

    payment_id: str
    fingerprint: str
    end_to_end_id: str | None


def find_repeats(conn: Connection, candidates: Sequence[Candidate]) -> dict[str, str]:
    """Payment id -> the id of an earlier payment it repeats, for those that do.

    Only payments already in the database count as earlier: the rows of the
    file being imported are not in it yet."""
    by_fingerprint = _first_by(
        conn, benefit_payments.c.fingerprint, [c.fingerprint for c in candidates]
    )
    by_end_to_end = _first_by(
        conn,
        benefit_payments.c.end_to_end_id,
        [c.end_to_end_id for c in candidates if c.end_to_end_id],
    )
    repeats: dict[str, str] = {}
    for c in candidates:
        earlier = by_fingerprint.get(c.fingerprint) or (
            by_end_to_end.get(c.end_to_end_id) if c.end_to_end_id else None
        )
        if earlier is not None:
            repeats[c.payment_id] = earlier
    return repeats


def _first_by(conn: Connection, column: Any, values: Iterable[str]) -> dict[str, str]:
    """Value -> the lowest payment id with that value, preferring originals."""
    found: dict[str, tuple[bool, str]] = {}
    for chunk in chunks_for(conn, sorted(set(values))):
        query = select(
            column, benefit_payments.c.payment_id, benefit_payments.c.duplicate_of
        ).where(among(conn, column, chunk))
        for value, payment_id, duplicate_of in conn.execute(query):
            rank = (duplicate_of is not None, payment_id)
            if value not in found or rank < found[value]:
                found[value] = rank
    return {value: payment_id for value, (_, payment_id) in found.items()}


def held_signal(
    household_id: str | None, payment_id: str, earlier: str, on: date
) -> dict[str, Any]:
    return signal_row(
        household_id,
        SIGNAL_KIND,
        payment_id,
        on,
        f"benefits payment {payment_id} repeats {earlier} (same account, period, kind, "
        "amount and payout date, or the same EndToEndId): held until "
        "`ontzorging bijstand release` or `cancel`",
    )


def payable() -> ColumnElement[bool]:
    """SQL: the benefits payment counts and may be paid: not cancelled, and
    no held repeat (none, or released)."""
    return and_(
        ~_decided(CANCEL),
        or_(benefit_payments.c.duplicate_of.is_(None), _decided(RELEASE)),
    )


def _decided(decision: str) -> ColumnElement[bool]:
    return exists().where(
        benefit_decisions.c.payment_id == benefit_payments.c.payment_id,
        benefit_decisions.c.decision == decision,
    )


def held_payments(conn: Connection) -> list[dict[str, Any]]:
    """Repeats that await a decision; never a BSN."""
    bp = benefit_payments
    decided = exists().where(benefit_decisions.c.payment_id == bp.c.payment_id)
    rows = conn.execute(
        select(
            bp.c.payment_id,
            bp.c.duplicate_of,
            bp.c.household_id,
            bp.c.period,
            bp.c.kind,
            bp.c.amount_cents,
            bp.c.payout_date,
        )
        .where(and_(bp.c.duplicate_of.is_not(None), ~decided))
        .order_by(bp.c.payment_id)
    ).mappings()
    return [
        {**row, "period": row["period"].strftime("%Y-%m"), "payout_date": row["payout_date"]}
        for row in rows
    ]


def decide(
    conn: Connection, payment_id: str, decision: str, actor: str, reason: str, now: datetime
) -> dict[str, Any]:
    """Record the one decision on a held payment, resolve its signal, audit it."""
    if decision not in DECISIONS:
        raise DecisionRefused(f"decision must be one of {', '.join(DECISIONS)}")
    if not reason.strip():
        raise DecisionRefused("a reason is required")
    payment = (
        conn.execute(select(benefit_payments).where(benefit_payments.c.payment_id == payment_id))
        .mappings()
        .first()
    )
    if payment is None:
        raise DecisionRefused(f"no benefits payment {payment_id!r}")
    if payment["duplicate_of"] is None and decision == RELEASE:
        raise DecisionRefused(f"benefits payment {payment_id!r} is not held")
    allocated = conn.execute(
        select(allocated_payments.c.allocation_id).where(
            allocated_payments.c.payment_id == payment_id
        )
    ).first()
    if allocated is not None:
        raise DecisionRefused(
            f"benefits payment {payment_id!r} was allocated before; "
            "a payment already made is corrected by the coach, not cancelled"
        )
    before = conn.execute(
        select(benefit_decisions.c.decision).where(benefit_decisions.c.payment_id == payment_id)
    ).scalar()
    if before is not None:
        raise DecisionRefused(f"benefits payment {payment_id!r} was decided before: {before}")
    conn.execute(
        benefit_decisions.insert().values(
            payment_id=payment_id,
            decision=decision,
            decided_at=now,
            decided_by=actor,
            reason=reason,
        )
    )
    _resolve_signals(conn, payment, actor, now)
    audit.record(
        conn,
        now,
        actor,
        f"benefit_{decision}",
        payment_id,
        {"duplicate_of": payment["duplicate_of"]},
        reason,
    )
    return {
        "payment_id": payment_id,
        "decision": decision,
        "duplicate_of": payment["duplicate_of"],
        "household_id": payment["household_id"],
        "amount_cents": payment["amount_cents"],
    }


def _resolve_signals(conn: Connection, payment: Any, actor: str, now: datetime) -> None:
    """The decision answers the repeat's signal, and a failed allocation's."""
    month = format_month(payment["period"])
    about_this = or_(
        and_(signals.c.kind == SIGNAL_KIND, signals.c.subject == payment["payment_id"]),
        and_(
            signals.c.kind == ALLOCATION_FAILED,
            signals.c.subject.in_([payment["payment_id"], month]),
            signals.c.household_id == payment["household_id"]
            if payment["household_id"]
            else signals.c.household_id.is_(None),
        ),
    )
    conn.execute(
        signals.update()
        .where(about_this, signals.c.resolved_on.is_(None))
        .values(resolved_on=now.date(), resolved_by=actor)
    )


def raise_held_signals(conn: Connection, rows: Sequence[dict[str, Any]], on: date) -> int:
    return insert_ignoring_duplicates(
        conn,
        signals,
        [held_signal(r["household_id"], r["payment_id"], r["duplicate_of"], on) for r in rows],
    )
