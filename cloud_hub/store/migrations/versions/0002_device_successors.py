"""restored devices: divergence proven, successor and retirement; quarantine by device

Revision ID: 0002_device_successors
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_device_successors"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("diverged_ms", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("successor_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("retired_ms", sa.BigInteger(), nullable=True))
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.create_index("ix_quarantine_device", ["device_id", "device_seq"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_index("ix_quarantine_device")
    with op.batch_alter_table("devices", schema=None) as batch_op:
        batch_op.drop_column("retired_ms")
        batch_op.drop_column("successor_id")
        batch_op.drop_column("diverged_ms")
