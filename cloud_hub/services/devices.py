"""Enrolled devices: listing, revocation, and forcing their operators to sign out.

Revoking stops a device's credential at once (its next sync answers ``device_revoked``).
A device restored from a backup shows when the hub proved its log differs
(``diverged_ms``) and, once it took a successor identity, is ``retired`` with a link to
it (``successor_id``).
A forced sign-out is session control, synced like everything else: a hub-written
``FieldEdit`` of entity ``device.session`` (id: the device id) in the outlet scope,
``changes={"signout_before_ms": <now>}``; a device that pulls it closes every operator
session opened before that instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.services import hub_writer, tenancy
from cloud_hub.services.errors import NotFound
from cloud_hub.services.tenancy import Tenant
from cloud_hub.store.models import devices, outlets

SESSION = "device.session"


@dataclass(frozen=True, slots=True)
class Device:
    """An enrolled device, as an admin sees it."""

    id: str
    outlet: str
    code: str
    name: str
    status: str
    agent_version: str
    created_ms: int
    revoked_ms: int | None
    last_seen_ms: int | None
    last_push_ms: int | None
    last_pull_ms: int | None
    clock_skew_ms: int | None
    signout_before_ms: int | None
    diverged_ms: int | None
    successor_id: str | None
    retired_ms: int | None


@dataclass(frozen=True, slots=True)
class SignOut:
    """A forced sign-out: the instant before which sessions end, and the op carrying it."""

    device_id: str
    signout_before_ms: int
    op_id: str


_COLUMNS = [
    devices.c.id,
    outlets.c.code.label("outlet"),
    devices.c.code,
    devices.c.name,
    devices.c.status,
    devices.c.agent_version,
    devices.c.created_ms,
    devices.c.revoked_ms,
    devices.c.last_seen_ms,
    devices.c.last_push_ms,
    devices.c.last_pull_ms,
    devices.c.clock_skew_ms,
    devices.c.signout_before_ms,
    devices.c.diverged_ms,
    devices.c.successor_id,
    devices.c.retired_ms,
]


def _select(tenant: Tenant) -> Any:
    return (
        sa.select(*_COLUMNS)
        .join(outlets, outlets.c.id == devices.c.outlet_id)
        .where(devices.c.tenant_id == tenant.id)
    )


async def list_devices(
    conn: AsyncConnection, tenant: Tenant, outlet_code: str | None = None
) -> list[Device]:
    """The tenant's devices, by outlet then device code, optionally of one outlet.

    Raises:
        NotFound: ``outlet_code`` names no outlet of the tenant.
    """
    query = _select(tenant).order_by(outlets.c.code, devices.c.code)
    if outlet_code is not None:
        outlet = await tenancy.outlet_by_code(conn, tenant, outlet_code)
        query = query.where(devices.c.outlet_id == outlet.id)
    return [Device(**row._mapping) for row in await conn.execute(query)]


async def get_device(conn: AsyncConnection, tenant: Tenant, device_id: str) -> Device:
    """One of the tenant's devices.

    Raises:
        NotFound: the tenant has no device with this id.
    """
    row = (await conn.execute(_select(tenant).where(devices.c.id == device_id.lower()))).first()
    if row is None:
        raise NotFound("device", device_id)
    return Device(**row._mapping)


async def revoke(conn: AsyncConnection, tenant: Tenant, device_id: str, *, now_ms: int) -> Device:
    """Revoke a device's credential; revoking a revoked device changes nothing.

    Raises:
        NotFound: the tenant has no device with this id.
    """
    device = await get_device(conn, tenant, device_id)
    if device.status != "revoked":
        await conn.execute(
            sa.update(devices)
            .where(devices.c.tenant_id == tenant.id, devices.c.id == device.id)
            .values(status="revoked", revoked_ms=now_ms)
        )
    return await get_device(conn, tenant, device.id)


async def sign_out(
    conn: AsyncConnection, tenant: Tenant, device_id: str, *, now_ms: int
) -> SignOut:
    """Force every operator session open on a device now to end.

    Raises:
        NotFound: the tenant has no device with this id.
    """
    device = await get_device(conn, tenant, device_id)
    outlet = await tenancy.outlet_by_code(conn, tenant, device.outlet)
    await hub_writer.lock_writer(conn, tenant)
    previous = await hub_writer.latest(conn, tenant, (SESSION, device.id))
    # The device row before the scope counter (in write_fields), as a push takes them
    # (ADR 0007): the other order deadlocks with a push of this device.
    await conn.execute(
        sa.update(devices)
        .where(devices.c.tenant_id == tenant.id, devices.c.id == device.id)
        .values(signout_before_ms=now_ms)
    )
    edit = await hub_writer.write_fields(
        conn,
        tenant,
        outlet,
        (SESSION, device.id),
        {"signout_before_ms": now_ms},
        base={"signout_before_ms": previous[0]} if previous else None,
        now_ms=now_ms,
    )
    return SignOut(device.id, now_ms, str(edit.op_id))
