"""quarantine release and discard; the lead of a device's stamps

Revision ID: 0003_quarantine_release
Revises: 0002_device_successors
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_quarantine_release"
down_revision = "0002_device_successors"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.add_column(sa.Column("discarded_ms", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("settled_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("note", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("hlc", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hlc_skew_ms", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("hlc_skew_ms")
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_column("hlc")
        batch_op.drop_column("note")
        batch_op.drop_column("settled_by")
        batch_op.drop_column("discarded_ms")
