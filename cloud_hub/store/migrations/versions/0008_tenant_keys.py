"""tenant_keys: every key of what a device names leads with the tenant

Tickets, payments, conflicts, ops and devices were keyed by the ids devices make; they
are now keyed by ``(tenant_id, <id>)``, and the unique keys and indexes of ops, devices,
quarantine, tickets and payments lead with ``tenant_id`` too (ADR 0024). Commit-sequence
counters get their tenant (the tenant a ``t:`` scope names, or the tenant of the outlet
an ``o:`` scope names). Quarantined ops keep their numbers, now per tenant
(``(tenant_id, id)``), and each tenant's ``q:`` counter continues after its highest.
Every row is kept: ids that were unique hub-wide are unique within their tenant.

Revision ID: 0008_tenant_keys
Revises: 0007_admin_tokens
"""

from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

revision = "0008_tenant_keys"
down_revision = "0007_admin_tokens"
branch_labels = None
depends_on = None


class Keys(NamedTuple):
    """One table's primary key, unique constraints and indexes (name -> columns)."""

    primary: list[str]
    unique: dict[str, list[str]] = {}  # noqa: RUF012 (never changed)
    indexes: dict[str, list[str]] = {}  # noqa: RUF012


BEFORE = {
    "ops": Keys(
        ["op_id"],
        unique={
            "uq_ops_scope_commit_seq": ["scope", "commit_seq"],
            "uq_ops_device_id_device_seq": ["device_id", "device_seq"],
        },
    ),
    "devices": Keys(
        ["id"],
        unique={"uq_devices_outlet_id_code": ["outlet_id", "code"]},
        indexes={"ix_devices_outlet_id": ["outlet_id"]},
    ),
    "quarantine": Keys(
        ["id"],
        indexes={
            "ix_quarantine_tenant_id": ["tenant_id"],
            "ix_quarantine_device": ["device_id", "device_seq"],
        },
    ),
    "conflicts": Keys(["conflict_id"], indexes={"ix_conflicts_tenant_id": ["tenant_id"]}),
    "tickets": Keys(["id"], indexes={"ix_tickets_outlet_id": ["outlet_id"]}),
    "payments": Keys(["id"], indexes={"ix_payments_outlet_id": ["outlet_id"]}),
}
AFTER = {
    "ops": Keys(
        ["tenant_id", "op_id"],
        unique={
            "uq_ops_tenant_id_scope_commit_seq": ["tenant_id", "scope", "commit_seq"],
            "uq_ops_tenant_id_device_id_device_seq": ["tenant_id", "device_id", "device_seq"],
        },
    ),
    "devices": Keys(
        ["tenant_id", "id"],
        unique={"uq_devices_tenant_id_outlet_id_code": ["tenant_id", "outlet_id", "code"]},
    ),
    "quarantine": Keys(
        ["tenant_id", "id"],
        indexes={"ix_quarantine_device": ["tenant_id", "device_id", "device_seq"]},
    ),
    "conflicts": Keys(["tenant_id", "conflict_id"]),
    "tickets": Keys(["tenant_id", "id"], indexes={"ix_tickets_outlet": ["tenant_id", "outlet_id"]}),
    "payments": Keys(
        ["tenant_id", "id"],
        indexes={
            "ix_payments_outlet": ["tenant_id", "outlet_id", "hlc"],
            "ix_payments_ticket": ["tenant_id", "ticket_id"],
        },
    ),
}


def upgrade() -> None:
    for table in BEFORE:
        _rekey(table, BEFORE[table], AFTER[table])
    with op.batch_alter_table("scope_counters", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tenant_id", sa.String(length=36), nullable=True))
    op.execute("UPDATE scope_counters SET tenant_id = substr(scope, 3) WHERE scope LIKE 't:%'")
    op.execute(
        "UPDATE scope_counters SET tenant_id = (SELECT outlets.tenant_id FROM outlets "
        "WHERE 'o:' || outlets.id = scope_counters.scope) WHERE scope LIKE 'o:%'"
    )
    with op.batch_alter_table("scope_counters", schema=None) as batch_op:
        batch_op.alter_column("tenant_id", existing_type=sa.String(length=36), nullable=False)
        batch_op.drop_constraint("pk_scope_counters", type_="primary")
        batch_op.create_primary_key("pk_scope_counters", ["tenant_id", "scope"])
    # Quarantined ops are numbered per tenant from now on, after the numbers they had.
    op.execute(
        "INSERT INTO scope_counters (tenant_id, scope, last_seq) "
        "SELECT tenant_id, 'q:' || tenant_id, max(id) FROM quarantine GROUP BY tenant_id"
    )


def downgrade() -> None:
    """Back to hub-wide keys; refused (a duplicate key) once two tenants share an id."""
    op.execute("DELETE FROM scope_counters WHERE scope LIKE 'q:%'")
    with op.batch_alter_table("scope_counters", schema=None) as batch_op:
        batch_op.drop_constraint("pk_scope_counters", type_="primary")
        batch_op.create_primary_key("pk_scope_counters", ["scope"])
        batch_op.drop_column("tenant_id")
    for table in reversed(list(BEFORE)):
        _rekey(table, AFTER[table], BEFORE[table])


def _rekey(table: str, old: Keys, new: Keys) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name in old.indexes:
            batch_op.drop_index(name)
        for name in old.unique:
            batch_op.drop_constraint(name, type_="unique")
        if old.primary != new.primary:
            batch_op.drop_constraint(f"pk_{table}", type_="primary")
            batch_op.create_primary_key(f"pk_{table}", new.primary)
        for name, columns in new.unique.items():
            batch_op.create_unique_constraint(name, columns)
        for name, columns in new.indexes.items():
            batch_op.create_index(name, columns, unique=False)
