"""kept_merges: the hub keeps each entity's merge instead of refolding its history

``entities`` gets ``merged`` (what the hub keeps of the entity's merge, ADR 0027) in place
of ``state_hash``, which nothing read and which cost a full snapshot of the entity at
every push. ``field_writes`` records every write of a field by the version it was made
on. Existing rows are kept: their ``merged`` is NULL, and the first push that touches
one folds its stored ops once, records its writes and keeps its merge from then on.

Revision ID: 0009_kept_merges
Revises: 0008_tenant_keys
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_kept_merges"
down_revision = "0008_tenant_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merged", sa.LargeBinary(), nullable=True))
        batch_op.drop_column("state_hash")
    op.create_table(
        "field_writes",
        sa.Column("tenant_id", sa.String(length=36), nullable=False),
        sa.Column("entity", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=128), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("base", sa.String(length=36), nullable=False),
        sa.Column("op_id", sa.String(length=36), nullable=False),
        sa.Column("hlc", sa.BigInteger(), nullable=False),
        sa.Column("device_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id",
            "entity",
            "entity_id",
            "field",
            "base",
            "op_id",
            name=op.f("pk_field_writes"),
        ),
    )


def downgrade() -> None:
    op.drop_table("field_writes")
    with op.batch_alter_table("entities", schema=None) as batch_op:
        # Nothing read it; the older code writes it again at the next push of the entity.
        batch_op.add_column(
            sa.Column("state_hash", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.drop_column("merged")
