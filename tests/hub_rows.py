"""Hub rows and device ops for sync tests: a tenant, its outlets and enrolled devices.

Rows go straight into the hub tables (the registry's use cases are tested elsewhere);
each device gets a bearer credential whose SHA-256 is its ``credential_hash``, as
enrollment stores it. :class:`OpMaker` writes a device's ops the way an agent does:
``device_seq`` gapless from 1, HLC stamps increasing from the device's clock.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from cloud_hub.store.models import devices, outlets, tenants
from sync_protocol import (
    MSGPACK,
    CounterDelta,
    Event,
    FieldEdit,
    Op,
    StatusChange,
    Tombstone,
    pack,
    uuid7,
)

#: 2025-06-15 15:06:40 UTC: the hub clock of the sync tests.
NOW_MS = 1_750_000_000_000


@dataclass(frozen=True)
class HubDevice:
    """An enrolled device and where it belongs."""

    device_id: str
    token: str
    code: str
    tenant_id: str
    tenant: str
    outlet_id: str
    outlet: str

    @property
    def uuid(self) -> uuid.UUID:
        return uuid.UUID(self.device_id)


@dataclass(frozen=True)
class HubOutlet:
    """A tenant, one of its outlets, and the tenant's hub writer device."""

    tenant_id: str
    tenant: str
    outlet_id: str
    outlet: str
    writer_device_id: str


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def add_outlet(
    conn: AsyncConnection, tenant: str = "demo", outlet: str = "DEMO1", *, tenant_id: str = ""
) -> HubOutlet:
    """Insert an outlet, and its tenant unless ``tenant_id`` names an existing one."""
    writer = str(uuid.uuid4())
    if not tenant_id:
        tenant_id = str(uuid.uuid4())
        await conn.execute(
            sa.insert(tenants).values(
                id=tenant_id,
                slug=tenant,
                name=tenant.title(),
                currency="KES",
                writer_device_id=writer,
                created_ms=NOW_MS,
            )
        )
    else:
        writer = (
            await conn.execute(
                sa.select(tenants.c.writer_device_id).where(tenants.c.id == tenant_id)
            )
        ).scalar_one()
    outlet_id = str(uuid.uuid4())
    await conn.execute(
        sa.insert(outlets).values(
            id=outlet_id,
            tenant_id=tenant_id,
            code=outlet,
            name=outlet,
            timezone="Africa/Nairobi",
            currency="KES",
            settings={},
            created_ms=NOW_MS,
        )
    )
    return HubOutlet(tenant_id, tenant, outlet_id, outlet, writer)


async def add_device(
    conn: AsyncConnection, where: HubOutlet, code: str, *, status: str = "active"
) -> HubDevice:
    """Enroll a device in ``where`` with a fresh credential."""
    device_id, token = str(uuid7(NOW_MS - 86_400_000)), secrets.token_urlsafe(32)
    await conn.execute(
        sa.insert(devices).values(
            id=device_id,
            tenant_id=where.tenant_id,
            outlet_id=where.outlet_id,
            code=code,
            name=code,
            credential_hash=digest(token),
            status=status,
            created_ms=NOW_MS,
        )
    )
    return HubDevice(
        device_id, token, code, where.tenant_id, where.tenant, where.outlet_id, where.outlet
    )


async def seed(engine: AsyncEngine, count: int = 2, **names: str) -> list[HubDevice]:
    """One tenant, one outlet and ``count`` devices (``D01``, ``D02``...)."""
    async with engine.begin() as conn:
        where = await add_outlet(conn, **names)
        return [await add_device(conn, where, f"D{n:02d}") for n in range(1, count + 1)]


async def device_row(engine: AsyncEngine, device: HubDevice) -> Any:
    async with engine.connect() as conn:
        query = sa.select(devices).where(devices.c.id == device.device_id)
        return (await conn.execute(query)).one()


@dataclass
class OpMaker:
    """Writes one device's ops in order, as its agent would."""

    device: HubDevice
    clock_ms: int = NOW_MS - 60_000
    seq: int = 0

    def _envelope(self, entity: str, entity_id: str, **overrides: Any) -> dict[str, Any]:
        self.seq += 1
        self.clock_ms += 1
        env: dict[str, Any] = {
            "op_id": uuid7(self.clock_ms),
            "tenant": self.device.tenant,
            "outlet": self.device.outlet,
            "device_id": self.device.uuid,
            "device_seq": self.seq,
            "hlc": pack(self.clock_ms, 0),
            "entity": entity,
            "entity_id": entity_id,
        }
        env.update(overrides)
        return env

    def field(
        self,
        entity: str,
        entity_id: str,
        changes: dict[str, Any],
        base: Op | None = None,
        **overrides: Any,
    ) -> FieldEdit:
        bases = dict.fromkeys(changes, base.op_id) if base is not None else {}
        return FieldEdit(
            **self._envelope(entity, entity_id, **overrides), changes=changes, base=bases
        )

    def event(
        self,
        entity: str,
        entity_id: str,
        name: str,
        data: dict[str, Any] | None = None,
        **overrides: Any,
    ) -> Event:
        return Event(**self._envelope(entity, entity_id, **overrides), name=name, data=data or {})

    def status(self, entity: str, entity_id: str, status: str, **overrides: Any) -> StatusChange:
        return StatusChange(**self._envelope(entity, entity_id, **overrides), status=status)

    def counter(self, entity: str, entity_id: str, name: str, delta: int) -> CounterDelta:
        return CounterDelta(**self._envelope(entity, entity_id), counter=name, delta=delta)

    def tombstone(self, entity: str, entity_id: str, reason: str = "") -> Tombstone:
        return Tombstone(**self._envelope(entity, entity_id), reason=reason)

    def many(self, count: int, entity: str = "stock_item") -> list[Op]:
        """``count`` counter deltas spread over a few entities."""
        return [self.counter(entity, f"item-{n % 7}", "on_hand", -1) for n in range(count)]


def bodies(ops: list[Op]) -> list[tuple[Op, bytes]]:
    """Ops with their MessagePack bodies, as ``store_ops`` takes them."""
    return [(op, MSGPACK.encode(op)) for op in ops]
