"""closed vocabularies: CHECK constraints on kinds, statuses and decisions

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 04:20:00

The words are written out here, not imported from ontzorging.domain.vocabulary:
a migration is history and must not change when the vocabulary grows (a new
word gets a migration of its own that widens the constraint).
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COST_KINDS = ["huur", "energie", "water", "zorgverzekering", "overig"]
INSTRUCTION_STATUSES = ["pending", "released", "settled", "rejected", "returned", "cancelled"]

CHECKS = [
    ("households", "language", ["nl", "en"]),
    ("household_members", "role", ["applicant", "partner"]),
    ("creditors", "kind", COST_KINDS),
    ("obligations", "kind", COST_KINDS),
    ("obligations", "frequency", ["monthly", "quarterly", "once"]),
    ("obligations", "legal_basis", ["56a", "57", "vrijwillig"]),
    (
        "benefit_payments",
        "kind",
        ["levensonderhoud", "voorschot", "nabetaling", "vakantietoeslag", "bijzondere_bijstand"],
    ),
    ("benefit_decisions", "decision", ["release", "cancel"]),
    ("runs", "kind", ["nightly", "monthly"]),
    (
        "runs",
        "status",
        [
            "running",
            "succeeded",
            "succeeded_with_rejections",
            "succeeded_with_problems",
            "failed",
            "interrupted",
        ],
    ),
    ("allocation_lines", "kind", COST_KINDS),
    ("allocation_lines", "purpose", ["pay", "reserve", "pay_reserve"]),
    ("batches", "status", ["awaiting_approval", "released", "rejected"]),
    ("payment_instructions", "status", INSTRUCTION_STATUSES),
    ("instruction_events", "status", INSTRUCTION_STATUSES),
    ("bank_documents", "kind", ["pain.002", "camt.053", "camt.054"]),
    (
        "bank_feedback_items",
        "outcome",
        ["rejected", "returned", "settled", "unmatched", "informational"],
    ),
    ("payment_decisions", "decision", ["repay", "to_client"]),
]


def _condition(column: str, words: list[str]) -> str:
    return f"{column} IN ({', '.join(repr(word) for word in words)})"


def upgrade() -> None:
    by_table: dict[str, list[tuple[str, list[str]]]] = {}
    for table, column, words in CHECKS:
        by_table.setdefault(table, []).append((column, words))
    for table, columns in by_table.items():
        with op.batch_alter_table(table) as batch:
            for column, words in columns:
                batch.create_check_constraint(column, _condition(column, words))


def downgrade() -> None:
    by_table: dict[str, list[str]] = {}
    for table, column, _words in CHECKS:
        by_table.setdefault(table, []).append(column)
    for table, columns in by_table.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
