"""The device side of the sync server's bookkeeping: who is syncing, and what was seen.

The hub takes tenant, outlet and device from the bearer credential (its SHA-256 digest
is ``devices.credential_hash``), never from the request body.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.domain.projections import text
from cloud_hub.services import credentials
from cloud_hub.services.errors import DeviceRevoked, Unauthorized, WrongDevice
from cloud_hub.store.models import devices, outlets, quarantine, tenants
from cloud_hub.store.models import ops as ops_table

ACTIVE = "active"
RETIRED = "retired"


@dataclass(frozen=True, slots=True)
class SyncingDevice:
    """A device, as its credential names it.

    Attributes:
        device_id: its id (canonical text).
        tenant_id, tenant: its tenant's id and slug.
        outlet_id, outlet: its outlet's id and code.
    """

    device_id: str
    tenant_id: str
    tenant: str
    outlet_id: str
    outlet: str

    def check_body(self, device_id: uuid.UUID) -> None:
        """Check that a body's ``device_id`` is this device.

        Raises:
            WrongDevice: it names another device.
        """
        if str(device_id) != self.device_id:
            raise WrongDevice(
                f"the body names device {device_id}; the credential is device {self.device_id}"
            )


async def known_credential(conn: AsyncConnection, token: str) -> str:
    """The digest of a credential the hub knows, whatever its device's status: the
    check made before a sync request's body is read.

    Raises:
        Unauthorized: a credential the hub does not know.
    """
    digest = credentials.digest(token)
    query = sa.select(devices.c.id).where(devices.c.credential_hash == digest)
    if (await conn.execute(query)).first() is None:
        raise Unauthorized("unknown device credential")
    return digest


async def authenticate(conn: AsyncConnection, token: str | None) -> SyncingDevice:
    """The device a bearer credential belongs to.

    Raises:
        Unauthorized: no credential, or one the hub does not know.
        DeviceRevoked: the device has been revoked.
    """
    if not token:
        raise Unauthorized("send the device credential as 'Authorization: Bearer <credential>'")
    query = (
        sa.select(
            devices.c.id,
            devices.c.status,
            devices.c.tenant_id,
            tenants.c.slug,
            devices.c.outlet_id,
            outlets.c.code,
        )
        .join(tenants, tenants.c.id == devices.c.tenant_id)
        .join(outlets, outlets.c.id == devices.c.outlet_id)
        .where(devices.c.credential_hash == credentials.digest(token))
    )
    row = (await conn.execute(query.add_columns(devices.c.successor_id))).first()
    if row is None:
        raise Unauthorized("unknown device credential")
    if row.status == RETIRED:
        raise DeviceRevoked(
            f"device {row.id} was retired after a restore and replaced by device "
            f"{row.successor_id}; enroll this data directory again (pos-agent enroll --force)"
        )
    if row.status != ACTIVE:
        raise DeviceRevoked(f"device {row.id} has been revoked; it must be enrolled again")
    return SyncingDevice(row.id, row.tenant_id, row.slug, row.outlet_id, row.code)


async def record_handshake(
    conn: AsyncConnection,
    device: SyncingDevice,
    *,
    now_ms: int,
    clock_skew_ms: int,
    last_seq: int,
    agent_version: str,
    hlc_skew_ms: int | None = None,
) -> int:
    """Store what a handshake measured; return the device's ``last_applied_seq``.

    ``clock_skew_ms`` is the device's wall clock minus the hub's; ``hlc_skew_ms`` the wall
    part of the device's last stamp minus the hub's clock (None: it has stamped nothing).
    """
    values: dict[str, object] = {
        "last_seen_ms": now_ms,
        "clock_skew_ms": clock_skew_ms,
        "hlc_skew_ms": hlc_skew_ms,
        "device_last_seq": last_seq,
    }
    version = text(agent_version, 64)
    if version is not None:
        values["agent_version"] = version
    query = (
        sa.update(devices)
        .where(_row_of(device))
        .values(**values)
        .returning(devices.c.last_applied_seq)
    )
    return int((await conn.execute(query)).scalar_one())


async def lock_for_push(
    conn: AsyncConnection, device: SyncingDevice, *, now_ms: int
) -> tuple[int, int]:
    """Lock the device's row for a push; return its ``last_applied_seq`` and checkpoint.

    The row lock (PostgreSQL) or the write lock (SQLite) makes two pushes of one device
    run one after the other, the second seeing what the first applied.
    """
    query = (
        sa.update(devices)
        .where(_row_of(device))
        .values(last_push_ms=now_ms, last_seen_ms=now_ms)
        .returning(devices.c.last_applied_seq, devices.c.checkpoint)
    )
    last_applied, checkpoint = (await conn.execute(query)).one()
    return int(last_applied), int(checkpoint)


async def record_push(
    conn: AsyncConnection,
    device: SyncingDevice,
    *,
    last_applied_seq: int,
    checkpoint: int,
    hlc_skew_ms: int | None = None,
) -> None:
    """Advance ``last_applied_seq`` (in the transaction that applied the ops), and store
    the lead of the push's furthest-ahead stamp when it had ops."""
    values: dict[str, object] = {"last_applied_seq": last_applied_seq, "checkpoint": checkpoint}
    if hlc_skew_ms is not None:
        values["hlc_skew_ms"] = hlc_skew_ms
    await conn.execute(sa.update(devices).where(_row_of(device)).values(**values))


async def record_pull(
    conn: AsyncConnection, device: SyncingDevice, *, now_ms: int, pulled_seq: int
) -> None:
    """Store when the device last pulled and the outlet position it reached."""
    await conn.execute(
        sa.update(devices)
        .where(_row_of(device))
        .values(last_pull_ms=now_ms, last_seen_ms=now_ms, pulled_seq=pulled_seq)
    )


def _row_of(device: SyncingDevice) -> sa.ColumnElement[bool]:
    return sa.and_(devices.c.tenant_id == device.tenant_id, devices.c.id == device.device_id)


async def held_op_ids(
    conn: AsyncConnection, tenant_id: str, device_id: str, first_seq: int, last_seq: int
) -> dict[int, str | None]:
    """The op id the hub holds for the device at each sequence in a range.

    Applied ops come from ``ops``, quarantined ones from ``quarantine`` (None when the
    quarantined op did not decode far enough to name its id). A sequence the hub holds
    nothing for (an op answered ``duplicate`` because its id was held under another
    sequence) is left out.
    """
    if last_seq < first_seq:
        return {}
    held: dict[int, str | None] = {}
    for table in (quarantine, ops_table):  # an applied op wins over a quarantined one
        query = sa.select(table.c.device_seq, table.c.op_id).where(
            table.c.tenant_id == tenant_id,
            table.c.device_id == device_id,
            table.c.device_seq.between(first_seq, last_seq),
        )
        for seq, op_id in await conn.execute(query):
            held[int(seq)] = op_id
    return held


async def held_op_id(conn: AsyncConnection, tenant_id: str, device_id: str, seq: int) -> str | None:
    """The op id the hub holds for the device at ``seq`` (None: nothing, or unreadable)."""
    if seq < 1:
        return None
    return (await held_op_ids(conn, tenant_id, device_id, seq, seq)).get(seq)


async def mark_diverged(conn: AsyncConnection, device: SyncingDevice, *, now_ms: int) -> None:
    """Record that the device's log was proven to differ from the hub's (restored).

    A successor identity may be granted to the device from then on.
    """
    await conn.execute(
        sa.update(devices)
        .where(_row_of(device), devices.c.diverged_ms.is_(None))
        .values(diverged_ms=now_ms)
    )
