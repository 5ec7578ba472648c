"""Use case: the coach's decision on a rejected or returned payment whose
money is held (DOMAIN.md R7, ADR 0007), and the list of what awaits one.

``repay`` pays the payee again from the held money: a new pending payment
that the next nightly run puts in a batch, to the IBAN the register holds
now. It is refused while that IBAN is the one the bank refused for an
account problem (AC01, AC03, AC04, AC06, MD07). ``to_client`` pays the held
money to the client instead. Once per payment, audited, the signal resolved."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, exists, select, true

from ledger import accounts
from ledger.entries import transfer
from ledger.schema import ledger_entries
from ledger.store import insert_entries
from ontzorging.adapters import audit
from ontzorging.adapters.dbutil import next_id
from ontzorging.adapters.schema import (
    bank_feedback_items,
    creditors,
    households,
    instruction_events,
    payment_decisions,
    payment_instructions,
    signals,
)
from ontzorging.domain.errors import Refused
from ontzorging.domain.periods import format_month
from ontzorging.domain.remittance import client_remittance
from ontzorging.domain.texts import shorten
from ontzorging.domain.vocabulary import HELD_STATUSES
from payments.reason_codes import is_account_problem, reason_for

REPAY = "repay"
TO_CLIENT = "to_client"
DECISIONS = (REPAY, TO_CLIENT)


class PaymentDecisionRefused(Refused):
    """A decision that cannot be taken (unknown payment, not held, decided
    before, or a repay to the IBAN that failed)."""


def reason_codes(conn: Connection, instruction_ids: list[int]) -> dict[int, str]:
    """The bank's reason code of each rejected or returned payment (the latest)."""
    items = bank_feedback_items
    rows = conn.execute(
        select(items.c.instruction_id, items.c.reason_code)
        .where(items.c.instruction_id.in_(instruction_ids), items.c.outcome.in_(HELD_STATUSES))
        .order_by(items.c.id)
    )
    return {int(i): code or "" for i, code in rows}


def awaiting_decision(
    conn: Connection, status: str | None = None, household_id: str | None = None
) -> list[dict[str, Any]]:
    """Rejected or returned payments without a decision, oldest first; no BSN."""
    pi = payment_instructions
    decided = exists().where(payment_decisions.c.instruction_id == pi.c.id)
    wanted = (status,) if status else HELD_STATUSES
    mine = pi.c.household_id == household_id if household_id is not None else true()
    since = (
        select(instruction_events.c.at)
        .where(
            instruction_events.c.instruction_id == pi.c.id,
            instruction_events.c.status == pi.c.status,
        )
        .order_by(instruction_events.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = (
        conn.execute(
            select(pi, since.label("since"))
            .where(and_(pi.c.status.in_(wanted), ~decided, mine))
            .order_by(since, pi.c.id)
        )
        .mappings()
        .all()
    )
    codes = reason_codes(conn, [r["id"] for r in rows])
    return [
        {
            "payment_id": str(r["id"]),
            "household_id": r["household_id"],
            "kind": r["kind"],
            "creditor_id": r["creditor_id"],
            "amount_cents": int(r["amount_cents"]),
            "status": r["status"],
            "reason_code": codes.get(r["id"], ""),
            "reason": reason_for(codes.get(r["id"], "")).nl,
            "end_to_end_id": r["end_to_end_id"],
            "period": format_month(r["period"]),
            "since": r["since"],
        }
        for r in rows
    ]


def resolve_payment(
    conn: Connection,
    payment_id: str,
    decision: str,
    actor: str,
    note: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Record the one decision on a held payment and create the payment it makes."""
    if decision not in DECISIONS:
        raise PaymentDecisionRefused(f"decision must be one of {', '.join(DECISIONS)}")
    if not actor.strip():
        raise PaymentDecisionRefused("a decision needs the name of who decides")
    old = _held_payment(conn, payment_id)
    code = reason_codes(conn, [old["id"]]).get(old["id"], "")
    payee = _payee(conn, old, decision)
    if is_account_problem(code) and _same_iban(payee["payee_iban"], old["payee_iban"]):
        raise PaymentDecisionRefused(
            f"payment {old['id']} came back with {code} ({reason_for(code).en}) from "
            f"{old['payee_iban']}, and the register still holds that IBAN: correct the "
            "IBAN in the register first (or pay the money to the client with --to-client)"
        )
    new_id = _new_instruction(conn, old, decision, payee, actor, now)
    conn.execute(
        payment_decisions.insert().values(
            instruction_id=old["id"],
            decision=decision,
            decided_by=actor,
            decided_at=now,
            note=shorten(note or "", 300) or None,
            new_instruction_id=new_id,
        )
    )
    conn.execute(
        signals.update()
        .where(
            signals.c.kind.in_(["payment_rejected", "payment_returned"]),
            signals.c.subject == f"instruction {old['id']}",
            signals.c.resolved_on.is_(None),
        )
        .values(resolved_on=now.date(), resolved_by=actor)
    )
    result = {
        "payment_id": str(old["id"]),
        "decision": decision,
        "new_payment_id": str(new_id),
        "household_id": old["household_id"],
        "amount_cents": int(old["amount_cents"]),
        "payee_iban": payee["payee_iban"],
    }
    audit.record(conn, now, actor, f"payment_{decision}", f"instruction {old['id']}", result, note)
    return result


def _held_payment(conn: Connection, payment_id: str) -> Any:
    pi = payment_instructions
    row = None
    if payment_id.strip().isdigit():
        row = conn.execute(select(pi).where(pi.c.id == int(payment_id))).mappings().first()
    if row is None:
        raise PaymentDecisionRefused(f"no payment {payment_id!r}")
    decided = conn.execute(
        select(payment_decisions.c.decision, payment_decisions.c.decided_by).where(
            payment_decisions.c.instruction_id == row["id"]
        )
    ).first()
    if decided is not None:
        raise PaymentDecisionRefused(
            f"payment {row['id']} was decided before: {decided[0]} by {decided[1]}"
        )
    if row["status"] not in HELD_STATUSES:
        raise PaymentDecisionRefused(
            f"payment {row['id']} is {row['status']}; only a rejected or returned payment "
            "awaits a decision"
        )
    return row


def _payee(conn: Connection, old: Any, decision: str) -> dict[str, Any]:
    """Who is paid now: the creditor as the register holds it today, or the client."""
    if decision == REPAY and old["creditor_id"]:
        c = (
            conn.execute(select(creditors).where(creditors.c.creditor_id == old["creditor_id"]))
            .mappings()
            .one()
        )
        return {"payee_name": c["name"], "payee_iban": c["iban"], "payee_bic": c["bic"]}
    if old["household_id"] is None:  # pass-through: the person the benefit was for
        return {"payee_name": old["payee_name"], "payee_iban": old["payee_iban"], "payee_bic": None}
    h = (
        conn.execute(select(households).where(households.c.household_id == old["household_id"]))
        .mappings()
        .one()
    )
    return {"payee_name": h["name"], "payee_iban": h["iban"], "payee_bic": None}


def _same_iban(a: str, b: str) -> bool:
    return a.replace(" ", "").upper() == b.replace(" ", "").upper()


def _new_instruction(
    conn: Connection, old: Any, decision: str, payee: dict[str, Any], actor: str, now: datetime
) -> int:
    """Book the held money out of ``Returned`` and create the pending payment."""
    hid = old["household_id"]
    to_creditor = decision == REPAY and old["creditor_id"] is not None
    payable_to = old["creditor_id"] if to_creditor else accounts.CLIENT
    moves = [(accounts.returned(hid), accounts.payable(hid, payable_to), old["amount_cents"])]
    if not to_creditor and old["creditor_id"]:
        # The cost was not paid after all: the money becomes the client's leefgeld.
        moves = [
            (accounts.returned(hid), accounts.expense(hid, old["kind"]), old["amount_cents"]),
            (accounts.expense(hid, accounts.LEEFGELD), accounts.payable(hid, payable_to),
             old["amount_cents"]),
        ]  # fmt: skip
    entry_id = next_id(conn, ledger_entries)
    entry = transfer(
        f"decision:{old['id']}",
        hid,
        now.date(),
        "payment_decision",
        f"Betaling {old['id']} ({old['kind']}): besluit {decision} door {actor}",
        moves,
    )
    insert_entries(conn, [(entry_id, entry)], now)
    row = _instruction_row(conn, old, decision, payee, to_creditor)
    # Ids are handed out by the writers (allocation inserts them explicitly, so
    # a database sequence would lag); callers hold the run lock.
    new_id = next_id(conn, payment_instructions)
    conn.execute(
        payment_instructions.insert().values(id=new_id, **row, entry_id=entry_id, created_at=now)
    )
    conn.execute(
        instruction_events.insert().values(
            instruction_id=new_id,
            at=now,
            status="pending",
            actor=actor,
            reason=f"{decision} of payment {old['id']} (came back from the bank)",
        )
    )
    return int(new_id)


def _instruction_row(
    conn: Connection, old: Any, decision: str, payee: dict[str, Any], to_creditor: bool
) -> dict[str, Any]:
    hid = old["household_id"]
    language = "nl"
    if hid is not None:
        language = conn.execute(
            select(households.c.language).where(households.c.household_id == hid)
        ).scalar_one()
    keep = to_creditor or not old["creditor_id"]
    return {
        "key": f"decision:{old['id']}",
        "household_id": hid,
        "allocation_id": None,
        "period": old["period"],
        "kind": old["kind"] if keep else accounts.LEEFGELD,
        "creditor_id": old["creditor_id"] if to_creditor else None,
        "obligation_id": old["obligation_id"] if to_creditor else None,
        **payee,
        "amount_cents": old["amount_cents"],
        "reference": old["reference"] if to_creditor else "",
        "reference_kind": old["reference_kind"] if to_creditor else "free",
        "remittance": old["remittance"] if keep else client_remittance(old["period"], language),
        # Due when it was due: the next run pays it as soon as possible
        # (payments.calendar.execution_date never asks for a date in the past).
        "payout_date": old["payout_date"],
        "source_account": accounts.held(hid),
        "status": "pending",
    }
