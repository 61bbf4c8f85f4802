"""ticket totals and money conflicts in the tickets projection

Revision ID: 0004_ticket_money
Revises: 0003_quarantine_release

Existing rows get zeros and no conflict; every ticket is projected again from its ops
the next time an op of it is stored.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_ticket_money"
down_revision = "0003_quarantine_release"
branch_labels = None
depends_on = None

_MONEY = ("total", "balance", "pending", "money_conflict_amount")


def upgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        for name in _MONEY:
            batch_op.add_column(
                sa.Column(name, sa.BigInteger(), server_default="0", nullable=False)
            )
        batch_op.add_column(
            sa.Column("reinstated", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("money_conflict", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tickets", schema=None) as batch_op:
        batch_op.drop_column("money_conflict")
        batch_op.drop_column("reinstated")
        for name in reversed(_MONEY):
            batch_op.drop_column(name)
