"""Use case: what happened to a household's money in one month
(DESIGN.md 5.4). Read-only."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Connection, exists, func, select

from ontzorging.adapters.repositories import period_of
from ontzorging.adapters.schema import (
    allocation_lines,
    allocations,
    benefit_payments,
    households,
    payment_decisions,
    payment_instructions,
)
from ontzorging.bank.decisions import HELD_STATUSES, reason_codes
from ontzorging.domain.errors import NotFound
from ontzorging.domain.periods import format_month
from ontzorging.intake.never_twice import payable
from payments.reason_codes import reason_for


class UnknownHousehold(NotFound):
    """No household with that id in the register."""


def statement(conn: Connection, household_id: str, month: date) -> dict[str, Any]:
    household = (
        conn.execute(select(households).where(households.c.household_id == household_id))
        .mappings()
        .first()
    )
    if household is None:
        raise UnknownHousehold(f"household {household_id!r} is not in the register")
    period = period_of(household)
    income = conn.execute(
        select(benefit_payments.c.kind, func.sum(benefit_payments.c.amount_cents))
        .where(
            benefit_payments.c.household_id == household_id,
            benefit_payments.c.period == month,
            payable(),
        )
        .group_by(benefit_payments.c.kind)
    ).all()
    income_by_kind = {kind: int(total) for kind, total in income}
    return {
        "household_id": household_id,
        "period": format_month(month),
        "in_ontzorging": period.covers_month(month),
        "period_start": period.start.isoformat(),
        "period_end": period.end.isoformat(),
        "month_number": period.month_number(month),
        "income_cents": sum(income_by_kind.values()),
        "income_by_kind": income_by_kind,
        "paid": _paid(conn, household_id, month, household["language"]),
        "held_cents": _held(conn, household_id, month),
        "reserved_cents": _sum_lines(conn, household_id, month, "reserve"),
        "shortfall": _shortfall(conn, household_id, month),
        "payout_to_client_cents": _payout(conn, household_id, month),
    }


def _paid(conn: Connection, household_id: str, month: date, language: str) -> list[dict[str, Any]]:
    pi = payment_instructions
    rows = conn.execute(
        select(
            pi.c.id,
            pi.c.kind,
            pi.c.creditor_id,
            pi.c.amount_cents,
            pi.c.status,
            pi.c.end_to_end_id,
            pi.c.payout_date,
        )
        .where(
            pi.c.household_id == household_id, pi.c.period == month, pi.c.creditor_id.is_not(None)
        )
        .order_by(pi.c.id)
    ).all()
    held_ids = [r.id for r in rows if r.status in HELD_STATUSES]
    codes = reason_codes(conn, held_ids)
    pd = payment_decisions
    decisions = {
        int(i): (decision, str(new_id))
        for i, decision, new_id in conn.execute(
            select(pd.c.instruction_id, pd.c.decision, pd.c.new_instruction_id).where(
                pd.c.instruction_id.in_(held_ids)
            )
        )
    }
    paid = []
    for r in rows:
        item: dict[str, Any] = {
            "kind": r.kind,
            "creditor_id": r.creditor_id,
            "amount_cents": int(r.amount_cents),
            "status": r.status,
            "payment_id": str(r.id),
            "payout_date": r.payout_date.isoformat(),
        }
        if r.end_to_end_id:
            item["end_to_end_id"] = r.end_to_end_id
        if r.status in HELD_STATUSES:
            code = codes.get(r.id, "")
            item["reason_code"] = code
            item["reason"] = reason_for(code).text("en" if language == "en" else "nl")
            if r.id in decisions:
                item["decision"], item["new_payment_id"] = decisions[r.id]
        paid.append(item)
    return paid


def _held(conn: Connection, household_id: str, month: date) -> int:
    """Money of the month that came back from the bank and awaits the coach's decision."""
    pi = payment_instructions
    decided = exists().where(payment_decisions.c.instruction_id == pi.c.id)
    total = conn.execute(
        select(func.sum(pi.c.amount_cents)).where(
            pi.c.household_id == household_id,
            pi.c.period == month,
            pi.c.status.in_(HELD_STATUSES),
            ~decided,
        )
    ).scalar()
    return int(total or 0)


def _sum_lines(conn: Connection, household_id: str, month: date, purpose: str) -> int:
    total = conn.execute(
        select(func.sum(allocation_lines.c.amount_cents)).where(
            allocation_lines.c.household_id == household_id,
            allocation_lines.c.period == month,
            allocation_lines.c.purpose == purpose,
        )
    ).scalar()
    return int(total or 0)


def _shortfall(conn: Connection, household_id: str, month: date) -> list[dict[str, Any]]:
    """The shortfall left by the latest allocation of each due of the month."""
    lines = conn.execute(
        select(
            allocation_lines.c.obligation_id,
            allocation_lines.c.purpose,
            allocation_lines.c.kind,
            allocation_lines.c.shortfall_cents,
        )
        .where(allocation_lines.c.household_id == household_id, allocation_lines.c.period == month)
        .order_by(allocation_lines.c.allocation_id, allocation_lines.c.id)
    )
    latest: dict[tuple[str, str], tuple[str, int]] = {}
    for obligation_id, purpose, kind, shortfall in lines:
        if purpose != "pay_reserve":
            latest[(obligation_id, purpose)] = (kind, int(shortfall))
    merged: dict[str, int] = defaultdict(int)
    order: list[str] = []
    for (obligation_id, _), (_kind, shortfall) in latest.items():
        if shortfall:
            if obligation_id not in merged:
                order.append(obligation_id)
            merged[obligation_id] += shortfall
    kinds = {oid: kind for (oid, _), (kind, _) in latest.items()}
    return [
        {"kind": kinds[oid], "obligation_id": oid, "amount_cents": merged[oid]} for oid in order
    ]


def _payout(conn: Connection, household_id: str, month: date) -> int:
    total = conn.execute(
        select(func.sum(allocations.c.payout_cents)).where(
            allocations.c.household_id == household_id, allocations.c.period == month
        )
    ).scalar()
    return int(total or 0)
