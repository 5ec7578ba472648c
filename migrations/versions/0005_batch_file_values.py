"""batches: the values of the batch's pain.001 file(s) fixed when it is gathered

The creation time (CreDtTm), the pain.001 version and the number of
transactions per file are stored on the batch, so the file(s) shown with
their SHA-256 before approval are byte for byte the file(s) approval writes.
Batches gathered before this revision keep NULL: their created_at and the
settings stand in.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 04:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch_op:
        batch_op.add_column(sa.Column("file_created_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("pain_version", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("max_per_file", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("batches") as batch_op:
        batch_op.drop_column("max_per_file")
        batch_op.drop_column("pain_version")
        batch_op.drop_column("file_created_at")
