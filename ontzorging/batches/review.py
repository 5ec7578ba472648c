"""``batches show ID``: a batch as a controller reviews it before approval.

Totals per kind and per creditor, the largest transfers, the creditors and
IBANs that are new or changed since the previous batch, and the SHA-256 of
the file(s) with the batch digest: recorded for a released batch, rendered
(written nowhere) for one awaiting approval, byte for byte the file(s)
approval writes (see ``service.approval_digest``). Payments to clients are
shown by household id only: the review is printed and passed around, a
client's name and IBAN stay out."""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Final

from sqlalchemy import Connection, func, select

from ontzorging.adapters.schema import batches, creditors, payment_instructions
from ontzorging.batches.service import approval_digest, combined_sha256, show_batch
from ontzorging.domain.money import euro_nl
from ontzorging.domain.vocabulary import BatchStatus
from ontzorging.settings import Settings

LARGEST_SHOWN: Final = 10


def batch_review(conn: Connection, batch_id: int, settings: Settings) -> dict[str, Any]:
    review = show_batch(conn, batch_id)
    pi = payment_instructions
    rows = conn.execute(
        select(
            pi.c.creditor_id,
            creditors.c.name,
            pi.c.payee_iban,
            func.count(),
            func.sum(pi.c.amount_cents),
        )
        .outerjoin(creditors, creditors.c.creditor_id == pi.c.creditor_id)
        .where(pi.c.batch_id == batch_id)
        .group_by(pi.c.creditor_id, creditors.c.name, pi.c.payee_iban)
    ).all()
    per_creditor: dict[str, dict[str, Any]] = {}
    for creditor_id, name, _iban, count, total in rows:
        key = creditor_id or "(clients)"
        item = per_creditor.setdefault(
            key,
            {
                "creditor_id": key,
                "name": name or "clients (leefgeld)",
                "count": 0,
                "total_cents": 0,
            },
        )
        item["count"] += int(count)
        item["total_cents"] += int(total)
    review["per_creditor"] = sorted(per_creditor.values(), key=lambda c: -c["total_cents"])
    largest = (
        conn.execute(
            select(
                pi.c.end_to_end_id,
                pi.c.kind,
                pi.c.creditor_id,
                pi.c.household_id,
                pi.c.amount_cents,
            )
            .where(pi.c.batch_id == batch_id)
            .order_by(pi.c.amount_cents.desc(), pi.c.id)
            .limit(LARGEST_SHOWN)
        )
        .mappings()
        .all()
    )
    review["largest"] = [
        {**row, "payee": row["creditor_id"] or f"client of household {row['household_id']}"}
        for row in largest
    ]
    review["new_or_changed"] = _new_or_changed(conn, batch_id)
    review["file_digests"], review["batch_sha256"] = _digests(conn, review, settings)
    return review


def _creditor_ibans(conn: Connection, batch_id: int) -> dict[str, set[str]]:
    pi = payment_instructions
    found: dict[str, set[str]] = defaultdict(set)
    for creditor_id, iban in conn.execute(
        select(pi.c.creditor_id, pi.c.payee_iban)
        .where(pi.c.batch_id == batch_id, pi.c.creditor_id.is_not(None))
        .distinct()
    ):
        found[creditor_id].add(iban)
    return found


def _new_or_changed(conn: Connection, batch_id: int) -> list[dict[str, Any]]:
    """Creditors this batch pays that the previous batch did not, or pays at
    an IBAN the previous batch did not use for them."""
    previous = conn.execute(select(func.max(batches.c.id)).where(batches.c.id < batch_id)).scalar()
    now_paid = _creditor_ibans(conn, batch_id)
    before = _creditor_ibans(conn, previous) if previous is not None else {}
    changes = []
    for creditor_id in sorted(now_paid):
        if creditor_id not in before:
            what = "new"
        elif now_paid[creditor_id] != before[creditor_id]:
            what = "iban_changed"
        else:
            continue
        changes.append(
            {
                "creditor_id": creditor_id,
                "change": what,
                "ibans": sorted(now_paid[creditor_id]),
                "ibans_before": sorted(before.get(creditor_id, ())),
            }
        )
    return changes


def _digests(
    conn: Connection, review: dict[str, Any], settings: Settings
) -> tuple[list[dict[str, Any]], str | None]:
    """The file(s) and the batch digest: recorded once released, rendered as
    approval would write them while the batch awaits approval."""
    if review["status"] == BatchStatus.RELEASED:
        recorded = list(review["sha256"].items())
        files = [{"file_name": n, "sha256": d, "recorded": True} for n, d in recorded]
        complete = recorded and not review["files_pending"]
        return files, combined_sha256([d for _n, d in recorded]) if complete else None
    if review["status"] != BatchStatus.AWAITING_APPROVAL:
        return [], None
    digest = approval_digest(conn, review["id"], settings)
    files = [
        {
            "file_name": f.file_name,
            "count": f.count,
            "total_cents": f.total_cents,
            "sha256": f.sha256,
            "recorded": False,
            "problem": f.problem,
        }
        for f in digest.files
    ]
    return files, digest.sha256


def review_lines(review: dict[str, Any]) -> list[str]:
    """The review as text for a terminal or a printer."""
    out = [
        f"Batch {review['id']}  status {review['status']}  execution date "
        f"{review['execution_date']}",
        f"  {review['count']} transfer(s), total EUR {euro_nl(review['total_cents'])}",
        "",
        f"  {'Per kind':<24} {'count':>6} {'total EUR':>16}",
    ]
    out += [
        f"  {k['kind']:<24} {k['count']:>6} {euro_nl(k['total_cents']):>16}"
        for k in review["per_kind"]
    ]
    out += ["", f"  {'Per creditor':<12} {'name':<30} {'count':>6} {'total EUR':>16}"]
    out += [
        f"  {c['creditor_id']:<12} {c['name'][:30]:<30} {c['count']:>6} "
        f"{euro_nl(c['total_cents']):>16}"
        for c in review["per_creditor"]
    ]
    out += ["", f"  {'Largest transfers':<24} {'kind':<16} {'payee':<28} {'EUR':>14}"]
    out += [
        f"  {r['end_to_end_id'] or '-':<24} {r['kind']:<16} {r['payee'][:28]:<28} "
        f"{euro_nl(r['amount_cents']):>14}"
        for r in review["largest"]
    ]
    out += ["", "  New or changed since the previous batch:"]
    out += [
        f"  {c['creditor_id']:<12} {c['change']:<13} {', '.join(c['ibans'])}"
        + (f" (was {', '.join(c['ibans_before'])})" if c["ibans_before"] else "")
        for c in review["new_or_changed"]
    ] or ["  none"]
    out += ["", "  Payment file(s) and SHA-256:"]
    for f in review["file_digests"]:
        digest = f["sha256"] or f"cannot be written: {f.get('problem')}"
        out.append(f"  {f['file_name']}  {digest}")
    if review["batch_sha256"]:
        out.append(f"  Batch SHA-256: {review['batch_sha256']}")
    if review["status"] == BatchStatus.AWAITING_APPROVAL:
        out.append(
            "  (rendered now, written nowhere: approval writes exactly these bytes unless the "
            "batch or the municipality's settings change; approve with "
            f"`batches approve {review['id']} --sha256 <batch SHA-256>` to be sure)"
        )
    if review.get("approved_by"):
        out.append(
            f"  approved by {', '.join(review['approved_by'])} "
            f"({len(review['approved_by'])} of {review['approvals_required']})"
        )
    return out
