"""What an outlet manager watches: per-device sync progress, clocks and quarantine.

For each device: when it was last seen, pushed and pulled; ``pending_ops``, the ops
the device says it holds that the hub has not applied (``device_last_seq -
last_applied_seq``); ``lag_ops`` and ``lag_ms``, the outlet ops of other devices it has
not pulled yet and the age of the oldest of them; its measured clock skew (its wall clock,
and the wall part of its last stamp, each minus the hub's clock); the ops the hub holds
in quarantine for it (not yet released or discarded), how far ahead of the hub's clock
the furthest-ahead of them was stamped, and the open conflicts its writes take part in.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.services import tenancy
from cloud_hub.services.errors import InvalidInput
from cloud_hub.services.tenancy import Tenant
from cloud_hub.store.models import (
    conflicts,
    devices,
    ops,
    outlets,
    quarantine,
    scope_counters,
    tenants,
)

QUARANTINE_PAGE = 500
#: A quarantined op neither released nor discarded: the hub still holds it.
HELD = sa.and_(quarantine.c.released_ms.is_(None), quarantine.c.discarded_ms.is_(None))
_STATE = sa.case(
    (quarantine.c.released_ms.is_not(None), "released"),
    (quarantine.c.discarded_ms.is_not(None), "discarded"),
    else_="held",
)
STATES = ("held", "released", "discarded")


@dataclass(frozen=True, slots=True)
class DeviceSync:
    """One device's sync position and health."""

    device_id: str
    code: str
    status: str
    last_seen_ms: int | None
    last_push_ms: int | None
    last_pull_ms: int | None
    device_last_seq: int
    last_applied_seq: int
    pending_ops: int
    pulled_seq: int
    lag_ops: int
    lag_ms: int
    clock_skew_ms: int | None
    quarantined: int
    open_conflicts: int
    hlc_skew_ms: int | None
    held_ahead_ms: int | None


@dataclass(frozen=True, slots=True)
class OutletSync:
    """An outlet's sync picture at ``now_ms``."""

    outlet: str
    now_ms: int
    outlet_seq: int
    open_conflicts: int
    devices: list[DeviceSync]


@dataclass(frozen=True, slots=True)
class Quarantined:
    """An op the hub set aside (its body is kept, not shown here)."""

    id: int
    outlet: str
    device_id: str
    device_seq: int
    op_id: str | None
    code: str
    reason: str
    received_ms: int
    released_ms: int | None
    discarded_ms: int | None
    settled_by: str | None
    note: str | None
    hlc: int | None
    state: str  # held | released | discarded
    ahead_ms: int | None = None  # how far ahead of the hub's clock it was stamped


async def outlet_sync(
    conn: AsyncConnection, tenant: Tenant, outlet_code: str, *, now_ms: int
) -> OutletSync:
    """The sync status of every device of one outlet.

    Raises:
        NotFound: the tenant has no such outlet.
    """
    outlet = await tenancy.outlet_by_code(conn, tenant, outlet_code)
    scope = f"o:{outlet.id}"
    seq = await conn.scalar(
        sa.select(scope_counters.c.last_seq).where(
            scope_counters.c.tenant_id == tenant.id, scope_counters.c.scope == scope
        )
    )
    by_device = await _conflicts_by_device(conn, tenant, outlet.id)
    rows = await conn.execute(
        sa.select(devices)
        .where(devices.c.tenant_id == tenant.id, devices.c.outlet_id == outlet.id)
        .order_by(devices.c.code)
    )
    found = [await _device(conn, scope, row, by_device, now_ms) for row in rows.all()]
    return OutletSync(outlet.code, now_ms, int(seq or 0), by_device["*"], found)


async def _device(
    conn: AsyncConnection, scope: str, row: Any, by_device: Counter[str], now_ms: int
) -> DeviceSync:
    unpulled = sa.and_(
        ops.c.tenant_id == row.tenant_id,
        ops.c.scope == scope,
        ops.c.commit_seq > row.pulled_seq,
        ops.c.device_id != row.id,
    )
    lag = (
        await conn.execute(
            sa.select(sa.func.count(), sa.func.min(ops.c.received_ms)).where(unpulled)
        )
    ).one()
    lead = quarantine.c.hlc // 65536 - quarantine.c.received_ms
    held, furthest = (
        await conn.execute(
            sa.select(sa.func.count(), sa.func.max(lead)).where(
                quarantine.c.tenant_id == row.tenant_id, quarantine.c.device_id == row.id, HELD
            )
        )
    ).one()
    return DeviceSync(
        row.id,
        row.code,
        row.status,
        row.last_seen_ms,
        row.last_push_ms,
        row.last_pull_ms,
        row.device_last_seq,
        row.last_applied_seq,
        max(0, row.device_last_seq - row.last_applied_seq),
        row.pulled_seq,
        int(lag[0]),
        max(0, now_ms - int(lag[1])) if lag[1] is not None else 0,
        row.clock_skew_ms,
        int(held),
        by_device[row.id],
        row.hlc_skew_ms,
        int(furthest) if furthest is not None else None,
    )


def _ahead(hlc: int, received_ms: int) -> int:
    return (int(hlc) >> 16) - int(received_ms)


async def _conflicts_by_device(
    conn: AsyncConnection, tenant: Tenant, outlet_id: str
) -> Counter[str]:
    rows = await conn.execute(
        sa.select(conflicts.c.op_ids).where(
            conflicts.c.tenant_id == tenant.id,
            conflicts.c.outlet_id == outlet_id,
            conflicts.c.resolved == sa.false(),
        )
    )
    groups = [list(row.op_ids) for row in rows]
    counts: Counter[str] = Counter({"*": len(groups)})
    op_ids = {op_id for group in groups for op_id in group}
    if not op_ids:
        return counts
    owner_rows = await conn.execute(
        sa.select(ops.c.op_id, ops.c.device_id).where(
            ops.c.tenant_id == tenant.id, ops.c.op_id.in_(op_ids)
        )
    )
    owners = {row.op_id: row.device_id for row in owner_rows}
    for group in groups:
        counts.update({owners[op_id] for op_id in group if op_id in owners})
    return counts


async def quarantined(
    conn: AsyncConnection,
    tenant: Tenant,
    outlet_code: str | None = None,
    state: str | None = None,
) -> list[Quarantined]:
    """The tenant's quarantined ops, newest first (at most 500), optionally of one outlet
    and in one state (``held``, ``released``, ``discarded``).

    Raises:
        NotFound: ``outlet_code`` names no outlet of the tenant.
        InvalidInput: an unknown state.
    """
    if state is not None and state not in STATES:
        raise InvalidInput(f"state must be one of {', '.join(STATES)}")
    query = (
        sa.select(*[c for c in quarantine.c if c.name not in ("body", "tenant_id", "outlet_id")])
        .add_columns(outlets.c.code.label("outlet"), _STATE.label("state"))
        .join(outlets, outlets.c.id == quarantine.c.outlet_id)
        .where(quarantine.c.tenant_id == tenant.id)
        .order_by(quarantine.c.id.desc())
        .limit(QUARANTINE_PAGE)
    )
    if outlet_code is not None:
        outlet = await tenancy.outlet_by_code(conn, tenant, outlet_code)
        query = query.where(quarantine.c.outlet_id == outlet.id)
    if state is not None:
        query = query.where(_STATE.in_([state]))
    return [
        Quarantined(
            **row._mapping,
            ahead_ms=_ahead(row.hlc, row.received_ms) if row.hlc is not None else None,
        )
        for row in await conn.execute(query)
    ]


async def metrics(conn: AsyncConnection) -> dict[str, int]:
    """Hub-wide counts for ``/metrics``: tenants, devices, ops, quarantine, conflicts."""
    counts = {
        "tenants": sa.select(sa.func.count()).select_from(tenants),
        "devices_active": sa.select(sa.func.count()).where(devices.c.status == "active"),
        "devices_revoked": sa.select(sa.func.count()).where(devices.c.status == "revoked"),
        "ops": sa.select(sa.func.count()).select_from(ops),
        "quarantined": sa.select(sa.func.count()).where(HELD),
        "open_conflicts": sa.select(sa.func.count()).where(conflicts.c.resolved == sa.false()),
    }
    return {name: int(await conn.scalar(query) or 0) for name, query in counts.items()}
