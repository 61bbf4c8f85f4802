"""admin_tokens: admin credentials get an id, a scope and an expiry; the demo token goes

The public demo token was stored like any other and kept working after the hub
restarted without ``--demo``; it is now never stored, and a stored one is revoked.

Revision ID: 0007_admin_tokens
Revises: 0005_admin_idempotency
"""

from __future__ import annotations

import hashlib
import uuid

import sqlalchemy as sa
from alembic import op

revision = "0007_admin_tokens"
down_revision = "0005_admin_idempotency"
branch_labels = None
depends_on = None

_DEMO_TOKEN_HASH = hashlib.sha256(b"demo-admin-token-not-for-production").hexdigest()
_table = sa.table(
    "admin_credentials",
    sa.column("token_hash", sa.String),
    sa.column("id", sa.String),
    sa.column("created_ms", sa.BigInteger),
    sa.column("revoked_ms", sa.BigInteger),
)


def upgrade() -> None:
    with op.batch_alter_table("admin_credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("id", sa.String(length=36), nullable=True))
        batch_op.add_column(
            sa.Column("scope", sa.String(length=16), server_default="tenant", nullable=False)
        )
        batch_op.add_column(sa.Column("expires_ms", sa.BigInteger(), nullable=True))
    conn = op.get_bind()
    for (token_hash,) in conn.execute(sa.select(_table.c.token_hash)).all():
        conn.execute(
            sa.update(_table).where(_table.c.token_hash == token_hash).values(id=str(uuid.uuid4()))
        )
    conn.execute(
        sa.update(_table)
        .where(_table.c.token_hash == _DEMO_TOKEN_HASH, _table.c.revoked_ms.is_(None))
        .values(revoked_ms=_table.c.created_ms)
    )
    with op.batch_alter_table("admin_credentials", schema=None) as batch_op:
        batch_op.alter_column("id", existing_type=sa.String(length=36), nullable=False)
        batch_op.alter_column("tenant_id", existing_type=sa.String(length=36), nullable=True)
        batch_op.create_unique_constraint(batch_op.f("uq_admin_credentials_id"), ["id"])


def downgrade() -> None:
    op.execute("DELETE FROM admin_credentials WHERE tenant_id IS NULL")  # operator tokens
    with op.batch_alter_table("admin_credentials", schema=None) as batch_op:
        batch_op.alter_column("tenant_id", existing_type=sa.String(length=36), nullable=False)
        batch_op.drop_constraint(batch_op.f("uq_admin_credentials_id"), type_="unique")
        batch_op.drop_column("expires_ms")
        batch_op.drop_column("scope")
        batch_op.drop_column("id")
