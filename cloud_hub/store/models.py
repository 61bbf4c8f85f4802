"""The hub's tables, one SQLAlchemy metadata for SQLite and PostgreSQL alike.

Registry (tenants, outlets, devices, credentials), the op log with its commit
sequences per scope, quarantined ops, and the authoritative projections the merge
produces (entities, conflicts, tickets, payments). Ids the devices make are kept as
their canonical text so both databases compare them the same way. Times are Unix
milliseconds; money is integer minor units.

Every primary and unique key of a tenant's data leads with ``tenant_id`` (ADR 0024): a
device names its tickets, tenders, entities, conflicts and ops itself, and nothing a
device names has to be unique beyond its tenant. Tables that are not one tenant's data
are listed, with why, in ``tests/unit/cloud_hub/test_tenant_keys.py``.

Scopes: ``o:<outlet_id>`` for an outlet's ops, ``t:<tenant_id>`` for the tenant's
reference data; ``q:<tenant_id>`` numbers the tenant's quarantined ops.
``scope_counters`` hands out commit sequences: a writer increments the scope's row inside
its transaction, which holds the row lock until commit, so no lower number can commit
after a higher one is visible.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

Id = sa.String(36)
Millis = sa.BigInteger

hub_meta = sa.Table(
    "hub_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
"""Hub-wide facts; ``epoch`` names the hub's current history (new after a restore)."""

tenants = sa.Table(
    "tenants",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("slug", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    # The hub writes reference data as ops of its own per-tenant writer device.
    sa.Column("writer_device_id", Id, nullable=False, unique=True),
    sa.Column("writer_seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("created_ms", Millis, nullable=False),
)

admin_credentials = sa.Table(
    "admin_credentials",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    # None for an operator-wide token (scope ``operator``).
    sa.Column("tenant_id", Id, sa.ForeignKey("tenants.id"), nullable=True, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_ms", Millis, nullable=False),
    sa.Column("revoked_ms", Millis),
    sa.Column("id", Id, nullable=False, unique=True),
    sa.Column("scope", sa.String(16), nullable=False, server_default="tenant"),
    sa.Column("expires_ms", Millis),
)
"""Admin bearer tokens, kept as their SHA-256 only. ``id`` names one in listings and
revocations (the digest is never shown); ``scope`` is ``tenant`` (administers
``tenant_id``) or ``operator`` (creates tenants); ``expires_ms`` None never expires."""

admin_idempotency = sa.Table(
    "admin_idempotency",
    metadata,
    sa.Column("scope", sa.String(64), primary_key=True),
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("status", sa.Integer, nullable=False),
    sa.Column("answer", sa.LargeBinary, nullable=False),
    sa.Column("created_ms", Millis, nullable=False),
)
"""The first answer to each ``Idempotency-Key`` of an admin creating request, per caller
scope (the tenant's id, ``operator`` or ``enroll``). Only the key's hash is kept, and the
answer is sealed under the key itself: answers that show a secret once (an admin token,
an enrollment code, a device credential) are readable only by whoever sends the key."""

outlets = sa.Table(
    "outlets",
    metadata,
    sa.Column("id", Id, primary_key=True),
    sa.Column("tenant_id", Id, sa.ForeignKey("tenants.id"), nullable=False),
    sa.Column("code", sa.String(32), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("settings", sa.JSON, nullable=False),
    sa.Column("created_ms", Millis, nullable=False),
    sa.UniqueConstraint("tenant_id", "code"),
)

devices = sa.Table(
    "devices",
    metadata,
    sa.Column("tenant_id", Id, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("id", Id, primary_key=True),  # the device's own id
    sa.Column("outlet_id", Id, sa.ForeignKey("outlets.id"), nullable=False),
    sa.Column("code", sa.String(16), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("credential_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("status", sa.String(16), nullable=False),  # active | revoked | retired
    sa.Column("created_ms", Millis, nullable=False),
    sa.Column("revoked_ms", Millis),
    sa.Column("agent_version", sa.String(64), nullable=False, server_default=""),
    # Push bookkeeping, advanced in the same transaction as the ops' effects.
    sa.Column("last_applied_seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("device_last_seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("checkpoint", sa.BigInteger, nullable=False, server_default="0"),
    # What the outlet manager sees.
    sa.Column("last_seen_ms", Millis),
    sa.Column("last_push_ms", Millis),
    sa.Column("last_pull_ms", Millis),
    sa.Column("pulled_seq", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("clock_skew_ms", sa.BigInteger),
    # How far the wall part of the device's last HLC was from the hub's clock.
    sa.Column("hlc_skew_ms", sa.BigInteger),
    # Session control: operators signed in before this instant must sign in again.
    sa.Column("signout_before_ms", Millis),
    # Restores: when the hub proved the device's log differs from what it holds, and the
    # successor that replaced it (the device is then retired).
    sa.Column("diverged_ms", Millis),
    sa.Column("successor_id", Id),
    sa.Column("retired_ms", Millis),
    sa.UniqueConstraint("tenant_id", "outlet_id", "code"),
)

enrollment_codes = sa.Table(
    "enrollment_codes",
    metadata,
    sa.Column("code_hash", sa.String(64), primary_key=True),
    sa.Column("tenant_id", Id, sa.ForeignKey("tenants.id"), nullable=False),
    sa.Column("outlet_id", Id, sa.ForeignKey("outlets.id"), nullable=False),
    sa.Column("device_code", sa.String(16), nullable=False),
    sa.Column("created_ms", Millis, nullable=False),
    sa.Column("expires_ms", Millis, nullable=False),
    sa.Column("used_ms", Millis),
    sa.Column("device_id", Id),
)

scope_counters = sa.Table(
    "scope_counters",
    metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("scope", sa.String(40), primary_key=True),
    sa.Column("last_seq", sa.BigInteger, nullable=False),
)

ops = sa.Table(
    "ops",
    metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("op_id", Id, primary_key=True),
    sa.Column("outlet_id", Id),  # NULL for tenant-scope (reference) ops
    sa.Column("scope", sa.String(40), nullable=False),
    sa.Column("commit_seq", sa.BigInteger, nullable=False),
    sa.Column("device_id", Id, nullable=False),
    sa.Column("device_seq", sa.BigInteger, nullable=False),
    sa.Column("hlc", sa.BigInteger, nullable=False),
    sa.Column("entity", sa.String(64), nullable=False),
    sa.Column("entity_id", sa.String(128), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),  # MessagePack, as received
    sa.Column("received_ms", Millis, nullable=False),
    sa.UniqueConstraint("tenant_id", "scope", "commit_seq"),
    sa.UniqueConstraint("tenant_id", "device_id", "device_seq"),
    sa.Index("ix_ops_entity", "tenant_id", "entity", "entity_id"),
)

quarantine = sa.Table(
    "quarantine",
    metadata,
    # Numbered per tenant from the ``q:<tenant_id>`` counter (1, 2, ...).
    sa.Column("id", sa.Integer, nullable=False, autoincrement=False),
    sa.Column("tenant_id", Id, nullable=False),
    sa.Column("outlet_id", Id, nullable=False),
    sa.Column("device_id", Id, nullable=False),
    sa.Column("device_seq", sa.BigInteger, nullable=False),
    sa.Column("op_id", Id),  # NULL when the op did not decode
    sa.Column("code", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("received_ms", Millis, nullable=False),
    sa.Column("released_ms", Millis),
    # A manager settles a held op: released (merged) or discarded, by whom, and why.
    sa.Column("discarded_ms", Millis),
    sa.Column("settled_by", sa.String(200)),
    sa.Column("note", sa.String(500)),
    sa.Column("hlc", sa.BigInteger),  # the op's stamp, when it decoded
    sa.PrimaryKeyConstraint("tenant_id", "id"),
    sa.Index("ix_quarantine_device", "tenant_id", "device_id", "device_seq"),
)

entities = sa.Table(
    "entities",
    metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("entity", sa.String(64), primary_key=True),
    sa.Column("entity_id", sa.String(128), primary_key=True),
    sa.Column("outlet_id", Id),
    sa.Column("status", sa.String(32)),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("fields", sa.JSON, nullable=False),  # winning header values
    # What the hub keeps of the entity's merge (cloud_hub.domain.kept, ADR 0027): NULL
    # until a push merges it (a row just created, or written before the hub kept it).
    sa.Column("merged", sa.LargeBinary),
    sa.Column("updated_ms", Millis, nullable=False),
)
"""One row per entity: its merged header, status and deletion, and its kept merge."""

field_writes = sa.Table(
    "field_writes",
    metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("entity", sa.String(64), primary_key=True),
    sa.Column("entity_id", sa.String(128), primary_key=True),
    sa.Column("field", sa.String(64), primary_key=True),
    sa.Column("base", sa.String(36), primary_key=True),  # "" for a write on an unset field
    sa.Column("op_id", Id, primary_key=True),
    sa.Column("hlc", sa.BigInteger, nullable=False),
    sa.Column("device_id", Id, nullable=False),
)
"""Every write of a field, by the version it was made on: a new write finds the writes it
is concurrent with (the same base) by its key, without reading the entity's history."""

conflicts = sa.Table(
    "conflicts",
    metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("conflict_id", sa.String(200), primary_key=True),
    sa.Column("outlet_id", Id),
    sa.Column("entity", sa.String(64), nullable=False),
    sa.Column("entity_id", sa.String(128), nullable=False),
    sa.Column("field", sa.String(64), nullable=False),
    sa.Column("op_ids", sa.JSON, nullable=False),
    sa.Column("winner", Id, nullable=False),
    sa.Column("resolved", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("detected_ms", Millis, nullable=False),
)

tickets = sa.Table(
    "tickets",
    metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("outlet_id", Id, nullable=False),
    sa.Column("receipt_no", sa.String(64)),
    sa.Column("kind", sa.String(16)),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("currency", sa.String(3)),
    sa.Column("paid", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("refunded", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("opened_ms", Millis),
    sa.Column("updated_ms", Millis, nullable=False),
    # The ticket's money (sync_protocol.ticket_money): what it costs and still owes, and
    # the money invariant it breaks (overpaid, balance_due, voided_with_payments) if any.
    sa.Column("total", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("balance", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("pending", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("reinstated", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("money_conflict", sa.String(32)),
    sa.Column("money_conflict_amount", sa.BigInteger, nullable=False, server_default="0"),
    sa.Index("ix_tickets_outlet", "tenant_id", "outlet_id"),
)
"""Ticket read model: status, totals, what was paid and refunded, and money conflicts."""

payments = sa.Table(
    "payments",
    metadata,
    sa.Column("tenant_id", Id, primary_key=True),
    sa.Column("id", sa.String(128), primary_key=True),
    sa.Column("outlet_id", Id, nullable=False),
    sa.Column("ticket_id", sa.String(128), nullable=False),
    sa.Column("device_id", Id, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # payment | refund
    sa.Column("method", sa.String(32), nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("tip", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("reference", sa.String(200)),
    sa.Column("hlc", sa.BigInteger, nullable=False),
    sa.Index("ix_payments_outlet", "tenant_id", "outlet_id", "hlc"),
    sa.Index("ix_payments_ticket", "tenant_id", "ticket_id"),
)
"""Every tender and refund, one row per event, for settlement reports."""
