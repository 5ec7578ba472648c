"""benefits payments: fingerprint, EndToEndId and the decision on a repeat

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 00:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("benefit_payments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("end_to_end_id", sa.String(length=35), nullable=True))
        batch_op.add_column(sa.Column("duplicate_of", sa.String(length=80), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_benefit_payments_fingerprint"), ["fingerprint"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_benefit_payments_end_to_end_id"), ["end_to_end_id"], unique=False
        )
    op.create_table(
        "benefit_decisions",
        sa.Column("payment_id", sa.String(length=80), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["benefit_payments.payment_id"],
            name=op.f("fk_benefit_decisions_payment_id_benefit_payments"),
        ),
        sa.PrimaryKeyConstraint("payment_id", name=op.f("pk_benefit_decisions")),
    )


def downgrade() -> None:
    op.drop_table("benefit_decisions")
    with op.batch_alter_table("benefit_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_benefit_payments_end_to_end_id"))
        batch_op.drop_index(batch_op.f("ix_benefit_payments_fingerprint"))
        batch_op.drop_column("duplicate_of")
        batch_op.drop_column("end_to_end_id")
        batch_op.drop_column("fingerprint")
