"""The hub's own writes: reference data, session control and ticket facts (a tender's
confirmation), as ops of a writer device.

Each tenant has a writer device (``tenants.writer_device_id``). A hub write takes the
next ``writer_seq`` with ``UPDATE ... RETURNING`` (the row lock serialises hub writers of
one tenant on PostgreSQL; SQLite has one writer anyway), stamps the op with the writer's
hybrid logical clock, and stores it through the same ``store_ops`` as device pushes, so
it gets a commit sequence, the projections follow, and every device pulls it.

The writer's clock is persisted in its own ops: the next stamp is after the writer's
last op and after ``floor`` (the ops a resolution must beat), so a hub write always
wins last-writer-wins against what it was made to replace.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.services.identifiers import HUB_OUTLET
from cloud_hub.services.tenancy import Outlet, Tenant
from cloud_hub.store.models import ops, tenants
from cloud_hub.store.oplog import store_ops
from sync_protocol import MSGPACK, Event, FieldEdit, HybridLogicalClock, Op, Tombstone, uuid7


async def lock_writer(conn: AsyncConnection, tenant: Tenant) -> None:
    """Serialise the tenant's hub writes from here to commit.

    Call before reading what a hub write will replace, so two admins editing one
    document at once write one after the other instead of both on the same version
    (``SELECT ... FOR NO KEY UPDATE`` on PostgreSQL; SQLite's one writer does it already).
    Not ``FOR UPDATE``: that would also block the foreign-key checks (``FOR KEY SHARE``)
    of a push updating its device row twice, while the hub write waits for the push's
    scope counter: a deadlock.
    """
    query = sa.select(tenants.c.id).where(tenants.c.id == tenant.id)
    await conn.execute(query.with_for_update(key_share=True))


async def latest(
    conn: AsyncConnection, tenant: Tenant, target: tuple[str, str]
) -> tuple[str, str, bytes] | None:
    """The newest stored op of ``target`` (entity, entity id): op id, kind and body.

    Only the hub writes the entities it edits (devices' writes to them are quarantined),
    so the newest stamp is the current version.
    """
    row = (
        await conn.execute(
            sa.select(ops.c.op_id, ops.c.kind, ops.c.body)
            .where(
                ops.c.tenant_id == tenant.id,
                ops.c.entity == target[0],
                ops.c.entity_id == target[1],
            )
            .order_by(ops.c.hlc.desc(), ops.c.op_id.desc())
            .limit(1)
        )
    ).first()
    return None if row is None else (str(row.op_id), str(row.kind), bytes(row.body))


async def write_fields(
    conn: AsyncConnection,
    tenant: Tenant,
    outlet: Outlet | None,
    target: tuple[str, str],
    changes: Mapping[str, Any],
    *,
    now_ms: int,
    base: Mapping[str, str] | None = None,
    resolves: tuple[str, ...] = (),
    floor_hlc: int = 0,
) -> FieldEdit:
    """Store a hub-written field edit of ``target`` (entity, entity id).

    Args:
        outlet: the outlet whose scope the op joins; None for the tenant scope.
        base: field -> op id of the version the hub replaces.
        resolves: conflict ids the edit settles.
        floor_hlc: a stamp the edit must be later than.
    """
    envelope = await _envelope(conn, tenant, outlet, target, now_ms, floor_hlc)
    edit = FieldEdit(
        **envelope,
        changes=dict(changes),
        base={name: uuid.UUID(op_id) for name, op_id in (base or {}).items()},
        resolves=resolves,
    )
    await _store(conn, tenant, outlet, edit, now_ms)
    return edit


async def write_event(
    conn: AsyncConnection,
    tenant: Tenant,
    outlet: Outlet | None,
    target: tuple[str, str],
    name: str,
    data: Mapping[str, Any],
    *,
    now_ms: int,
    floor_hlc: int = 0,
) -> Event:
    """Store a hub-written event on ``target`` (entity, entity id): a fact in an outlet's
    scope (a tender's outcome, an audit of a quarantine decision), or tenant-wide."""
    envelope = await _envelope(conn, tenant, outlet, target, now_ms, floor_hlc)
    fact = Event(**envelope, name=name, data=dict(data))
    await _store(conn, tenant, outlet, fact, now_ms)
    return fact


async def write_tombstone(
    conn: AsyncConnection,
    tenant: Tenant,
    outlet: Outlet | None,
    target: tuple[str, str],
    *,
    now_ms: int,
    reason: str = "",
) -> Tombstone:
    """Store a hub-written deletion of ``target`` (entity, entity id)."""
    envelope = await _envelope(conn, tenant, outlet, target, now_ms, 0)
    tombstone = Tombstone(**envelope, reason=reason)
    await _store(conn, tenant, outlet, tombstone, now_ms)
    return tombstone


async def _envelope(
    conn: AsyncConnection,
    tenant: Tenant,
    outlet: Outlet | None,
    target: tuple[str, str],
    now_ms: int,
    floor_hlc: int,
) -> dict[str, Any]:
    seq = (
        await conn.execute(
            sa.update(tenants)
            .where(tenants.c.id == tenant.id)
            .values(writer_seq=tenants.c.writer_seq + 1)
            .returning(tenants.c.writer_seq)
        )
    ).scalar_one()
    last = (
        await conn.execute(
            sa.select(ops.c.hlc)
            .where(ops.c.tenant_id == tenant.id, ops.c.device_id == tenant.writer_device_id)
            .order_by(ops.c.device_seq.desc())
            .limit(1)
        )
    ).scalar()
    clock = HybridLogicalClock(lambda: now_ms, last=max(int(last or 0), floor_hlc))
    return {
        "op_id": uuid7(now_ms),
        "tenant": tenant.slug,
        "outlet": outlet.code if outlet else HUB_OUTLET,
        "device_id": uuid.UUID(tenant.writer_device_id),
        "device_seq": int(seq),
        "hlc": clock.now(),
        "entity": target[0],
        "entity_id": target[1],
    }


async def _store(
    conn: AsyncConnection, tenant: Tenant, outlet: Outlet | None, op: Op, now_ms: int
) -> None:
    scope = f"o:{outlet.id}" if outlet else f"t:{tenant.id}"
    await store_ops(
        conn,
        tenant_id=tenant.id,
        outlet_id=outlet.id if outlet else None,
        scope=scope,
        ops=[(op, MSGPACK.encode(op))],
        now_ms=now_ms,
    )
