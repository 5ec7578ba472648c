"""bank feedback: imported bank documents, their items, statements, decisions

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 01:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BIGID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "bank_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("message_id", sa.String(length=35), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_documents")),
        sa.UniqueConstraint("kind", "message_id", name=op.f("uq_bank_documents_kind")),
        sa.UniqueConstraint("sha256", name=op.f("uq_bank_documents_sha256")),
    )
    op.create_table(
        "bank_feedback_items",
        sa.Column("id", BIGID, nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=120), nullable=False),
        sa.Column("instruction_id", sa.BigInteger(), nullable=True),
        sa.Column("payment_file_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=15), nullable=False),
        sa.Column("reason_code", sa.String(length=35), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=True),
        sa.Column("end_to_end_id", sa.String(length=35), nullable=True),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["bank_documents.id"],
            name=op.f("fk_bank_feedback_items_document_id_bank_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["instruction_id"],
            ["payment_instructions.id"],
            name=op.f("fk_bank_feedback_items_instruction_id_payment_instructions"),
        ),
        sa.ForeignKeyConstraint(
            ["payment_file_id"],
            ["payment_files.id"],
            name=op.f("fk_bank_feedback_items_payment_file_id_payment_files"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_feedback_items")),
        sa.UniqueConstraint("item_key", name=op.f("uq_bank_feedback_items_item_key")),
    )
    op.create_index(
        op.f("ix_bank_feedback_items_document_id"), "bank_feedback_items", ["document_id"]
    )
    op.create_index(
        op.f("ix_bank_feedback_items_instruction_id"), "bank_feedback_items", ["instruction_id"]
    )
    op.create_table(
        "bank_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("account_iban", sa.String(length=34), nullable=False),
        sa.Column("statement_id", sa.String(length=35), nullable=False),
        sa.Column("electronic_sequence_number", sa.BigInteger(), nullable=True),
        sa.Column("opening_balance_cents", sa.BigInteger(), nullable=True),
        sa.Column("opening_date", sa.Date(), nullable=True),
        sa.Column("closing_balance_cents", sa.BigInteger(), nullable=True),
        sa.Column("closing_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["bank_documents.id"],
            name=op.f("fk_bank_statements_document_id_bank_documents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statements")),
        sa.UniqueConstraint(
            "account_iban", "statement_id", name=op.f("uq_bank_statements_account_iban")
        ),
    )
    op.create_table(
        "payment_decisions",
        sa.Column("instruction_id", sa.BigInteger(), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.String(length=100), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("new_instruction_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["instruction_id"],
            ["payment_instructions.id"],
            name=op.f("fk_payment_decisions_instruction_id_payment_instructions"),
        ),
        sa.ForeignKeyConstraint(
            ["new_instruction_id"],
            ["payment_instructions.id"],
            name=op.f("fk_payment_decisions_new_instruction_id_payment_instructions"),
        ),
        sa.PrimaryKeyConstraint("instruction_id", name=op.f("pk_payment_decisions")),
    )


def downgrade() -> None:
    op.drop_table("payment_decisions")
    op.drop_table("bank_statements")
    op.drop_index(op.f("ix_bank_feedback_items_instruction_id"), table_name="bank_feedback_items")
    op.drop_index(op.f("ix_bank_feedback_items_document_id"), table_name="bank_feedback_items")
    op.drop_table("bank_feedback_items")
    op.drop_table("bank_documents")
