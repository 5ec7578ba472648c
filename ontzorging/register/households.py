"""Use cases on the register: list, show, end a household's ontzorging."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, select

from ontzorging.adapters import audit
from ontzorging.adapters.repositories import period_of
from ontzorging.adapters.schema import household_members, households, obligations, signals
from ontzorging.bank.decisions import awaiting_decision
from ontzorging.domain.errors import BadInput, NotFound, Refused
from ontzorging.reports.statements import UnknownHousehold


def mask_bsn(bsn: str) -> str:
    return "*****" + bsn[-4:]


def list_households(conn: Connection) -> list[dict[str, Any]]:
    open_signals: dict[str, list[str]] = defaultdict(list)
    for hid, kind in conn.execute(
        select(signals.c.household_id, signals.c.kind)
        .where(signals.c.resolved_on.is_(None))
        .distinct()
        .order_by(signals.c.kind)
    ):
        open_signals[hid].append(kind)
    result = []
    for row in conn.execute(select(households).order_by(households.c.household_id)).mappings():
        period = period_of(row)
        result.append(
            {
                "household_id": row["household_id"],
                "name": row["name"],
                "period_start": period.start.isoformat(),
                "period_end": period.end.isoformat(),
                "coach": row["coach"],
                "language": row["language"],
                "signals": open_signals.get(row["household_id"], []),
            }
        )
    return result


def show_household(conn: Connection, household_id: str, reveal_bsn: bool = False) -> dict[str, Any]:
    row = (
        conn.execute(select(households).where(households.c.household_id == household_id))
        .mappings()
        .first()
    )
    if row is None:
        raise UnknownHousehold(f"household {household_id!r} is not in the register")
    period = period_of(row)
    members = conn.execute(
        select(household_members)
        .where(household_members.c.household_id == household_id)
        .order_by(household_members.c.role)
    ).mappings()
    costs = conn.execute(
        select(obligations)
        .where(obligations.c.household_id == household_id)
        .order_by(obligations.c.obligation_id)
    ).mappings()
    open_signals = conn.execute(
        select(signals)
        .where(signals.c.household_id == household_id, signals.c.resolved_on.is_(None))
        .order_by(signals.c.id)
    ).mappings()
    return {
        "household_id": household_id,
        "name": row["name"],
        "iban": row["iban"],
        "coach": row["coach"],
        "language": row["language"],
        "bijstand_start": row["bijstand_start"].isoformat(),
        "bijstand_end": _iso(row["bijstand_end"]),
        "ended_on": _iso(row["ended_on"]),
        "end_reason": row["end_reason"],
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "members": [
            {
                "role": m["role"],
                "name": m["name"],
                "birth_date": m["birth_date"].isoformat(),
                "bsn": m["bsn"] if reveal_bsn else mask_bsn(m["bsn"]),
            }
            for m in members
        ],
        "obligations": [
            {
                "obligation_id": o["obligation_id"],
                "kind": o["kind"],
                "creditor_id": o["creditor_id"],
                "amount_cents": o["amount_cents"],
                "frequency": o["frequency"],
                "valid_from": o["valid_from"].isoformat(),
                "valid_to": _iso(o["valid_to"]),
                "legal_basis": o["legal_basis"],
            }
            for o in costs
        ],
        "payments_awaiting_decision": [
            {k: v for k, v in p.items() if k != "household_id"}
            for p in awaiting_decision(conn, household_id=household_id)
        ],
        "signals": [
            {
                "id": s["id"],
                "kind": s["kind"],
                "subject": s["subject"],
                "raised_on": s["raised_on"].isoformat(),
                "detail": s["detail"],
            }
            for s in open_signals
        ],
    }


def end_household(
    conn: Connection, household_id: str, on: date, reason: str, actor: str, now: datetime
) -> dict[str, Any]:
    """End the ontzorging on ``on`` (last day included); audited, never silent."""
    row = (
        conn.execute(select(households).where(households.c.household_id == household_id))
        .mappings()
        .first()
    )
    if row is None:
        raise UnknownHousehold(f"household {household_id!r} is not in the register")
    if not reason.strip():
        raise BadInput("a reason is required to end a household's ontzorging")
    if on < row["bijstand_start"]:
        raise BadInput("the end date lies before the start of the period")
    conn.execute(
        households.update()
        .where(households.c.household_id == household_id)
        .values(ended_on=on, end_reason=reason)
    )
    audit.record(
        conn,
        now,
        actor,
        "end_household",
        household_id,
        {"ended_on": on, "previous_ended_on": row["ended_on"]},
        reason,
    )
    return show_household(conn, household_id)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def resolve_signal(
    conn: Connection, signal_id: int, actor: str, note: str, on: date, now: datetime
) -> dict[str, Any]:
    """The coach closes a signal: it leaves the caseload and the overview.
    Audited; a signal is closed once (a second time is refused)."""
    row = conn.execute(select(signals).where(signals.c.id == signal_id)).mappings().first()
    if row is None:
        raise NotFound(f"signal {signal_id} does not exist")
    if row["resolved_on"] is not None:
        raise Refused(
            f"signal {signal_id} was resolved on {row['resolved_on']} by {row['resolved_by']}"
        )
    if not actor.strip() or not note.strip():
        raise BadInput("resolving a signal needs a name and a note")
    conn.execute(
        signals.update().where(signals.c.id == signal_id).values(resolved_on=on, resolved_by=actor)
    )
    audit.record(
        conn,
        now,
        actor,
        "signal_resolved",
        f"signal {signal_id}",
        {"household_id": row["household_id"], "kind": row["kind"], "subject": row["subject"]},
        note,
    )
    return {
        "id": signal_id,
        "household_id": row["household_id"],
        "kind": row["kind"],
        "subject": row["subject"],
        "resolved_on": on.isoformat(),
        "resolved_by": actor,
    }
