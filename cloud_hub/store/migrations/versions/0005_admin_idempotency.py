"""admin_idempotency: the first answer to each Idempotency-Key of an admin creating request

Revision ID: 0005_admin_idempotency
Revises: 0004_ticket_money
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_admin_idempotency"
down_revision = "0004_ticket_money"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_idempotency",
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("answer", sa.LargeBinary(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key_hash", name=op.f("pk_admin_idempotency")),
    )


def downgrade() -> None:
    op.drop_table("admin_idempotency")
