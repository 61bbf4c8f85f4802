"""Restored devices: a successor identity under the same enrollment, and what the hub holds.

A device restored from a backup cannot push on under its identity: the hub already
applied other ops at the sequences it would use, and receipt numbers carry its device
code. Once the hub has proven the divergence (it answered ``reset_required``, or the
request proves it), the device's own credential buys a **successor**: a new device of the
same outlet with the id the device made, a device code no device of the outlet ever had
(``D01`` -> ``D01R1`` -> ``D01R2``), and a new credential. The old device is retired with
a link to it. A retry after a lost answer (same successor id) gets the same successor with
a fresh credential, as long as the successor has not synced yet (the hub keeps only
credential digests, so it cannot hand the first one out again).

:func:`known_ops` tells a device which of its op ids the hub already holds (applied or
quarantined), so that it re-issues only the others.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.domain.projections import text
from cloud_hub.services import credentials, sync_devices
from cloud_hub.services.errors import (
    AlreadyExists,
    DeviceRevoked,
    NotDiverged,
    Unauthorized,
    WrongDevice,
)
from cloud_hub.services.sync_devices import ACTIVE, RETIRED, SyncingDevice
from cloud_hub.store.dialect import one_of
from cloud_hub.store.meta import ensure_epoch
from cloud_hub.store.models import devices, enrollment_codes, ops, quarantine
from sync_protocol.recovery import (
    KnownOpsRequest,
    KnownOpsResponse,
    SuccessorGranted,
    SuccessorRequest,
)

MAX_CODE = 16
_RESTORED = re.compile(r"R[0-9]+$")


async def grant_successor(
    conn: AsyncConnection, token: str | None, request: SuccessorRequest, *, now_ms: int
) -> SuccessorGranted:
    """Retire the credential's device and create its successor; call in one transaction.

    Raises:
        Unauthorized: no credential, or an unknown one.
        DeviceRevoked: the device was revoked, or retired for a successor that has
            synced since (or is another one than ``successor_id``).
        WrongDevice: the body names another device than the credential's.
        NotDiverged: the hub holds nothing that differs from the device's log.
        AlreadyExists: ``successor_id`` is the id of another device.
    """
    old = await _lock_by_credential(conn, token, now_ms)
    if str(request.device_id) != old.id:
        raise WrongDevice(f"the body names device {request.device_id}; the credential is {old.id}")
    successor_id = str(request.successor_id)
    if old.status == RETIRED and old.successor_id == successor_id:
        return await _grant_again(conn, old, successor_id)
    if old.status != ACTIVE:
        raise DeviceRevoked(f"device {old.id} is {old.status}; it must be enrolled again")
    if not await _diverged(conn, old, request):
        raise NotDiverged(
            f"the hub holds the same ops as device {old.id} up to {old.last_applied_seq}: "
            "it needs no successor and syncs on as it is"
        )
    taken = sa.select(devices.c.id).where(
        devices.c.tenant_id == old.tenant_id, devices.c.id == successor_id
    )
    if await conn.scalar(taken):
        raise AlreadyExists("device", successor_id)
    code = await _free_code(conn, old.tenant_id, old.outlet_id, old.code)
    credential = credentials.new_token()
    await conn.execute(
        sa.insert(devices).values(
            id=successor_id,
            tenant_id=old.tenant_id,
            outlet_id=old.outlet_id,
            code=code,
            name=text(f"{old.name} (restored)", 200) or code,
            credential_hash=credentials.digest(credential),
            status=ACTIVE,
            created_ms=now_ms,
            agent_version=text(request.agent_version, 64) or "",
        )
    )
    await conn.execute(
        sa.update(devices)
        .where(devices.c.tenant_id == old.tenant_id, devices.c.id == old.id)
        .values(status=RETIRED, retired_ms=now_ms, successor_id=successor_id)
    )
    return await _granted(conn, old, successor_id, code, credential)


async def known_ops(
    conn: AsyncConnection, token: str | None, request: KnownOpsRequest
) -> KnownOpsResponse:
    """The ids of ``request`` the hub holds in the device's tenant, applied or quarantined.

    Raises:
        Unauthorized, DeviceRevoked: the credential.
    """
    device = await sync_devices.authenticate(conn, token)
    wanted = [str(op_id) for op_id in request.op_ids]
    found = await _held_ids(conn, device, wanted)
    return KnownOpsResponse(known=[op_id for op_id in request.op_ids if str(op_id) in found])


class _OldDevice:
    def __init__(self, row: sa.Row[tuple[object, ...]]) -> None:
        mapping = row._mapping
        self.id: str = mapping["id"]
        self.tenant_id: str = mapping["tenant_id"]
        self.outlet_id: str = mapping["outlet_id"]
        self.code: str = mapping["code"]
        self.name: str = mapping["name"]
        self.status: str = mapping["status"]
        self.successor_id: str | None = mapping["successor_id"]
        self.last_applied_seq = int(mapping["last_applied_seq"])
        self.diverged_ms: int | None = mapping["diverged_ms"]


async def _lock_by_credential(conn: AsyncConnection, token: str | None, now_ms: int) -> _OldDevice:
    """The credential's device, its row locked (two successor requests run in turn)."""
    if not token:
        raise Unauthorized("send the device credential as 'Authorization: Bearer <credential>'")
    query = (
        sa.update(devices)
        .where(devices.c.credential_hash == credentials.digest(token))
        .values(last_seen_ms=now_ms)
        .returning(
            devices.c.id,
            devices.c.tenant_id,
            devices.c.outlet_id,
            devices.c.code,
            devices.c.name,
            devices.c.status,
            devices.c.successor_id,
            devices.c.last_applied_seq,
            devices.c.diverged_ms,
        )
    )
    row = (await conn.execute(query)).first()
    if row is None:
        raise Unauthorized("unknown device credential")
    return _OldDevice(row)


async def _diverged(conn: AsyncConnection, old: _OldDevice, request: SuccessorRequest) -> bool:
    """Whether the hub has proven, or the request proves, that the logs differ."""
    if old.diverged_ms is not None or request.last_seq < old.last_applied_seq:
        return True
    seq, claimed = request.proof_seq, request.proof_op_id
    if claimed is None or not 1 <= seq <= old.last_applied_seq:
        return False
    held = await sync_devices.held_op_id(conn, old.tenant_id, old.id, seq)
    return held is not None and held != str(claimed)


async def _grant_again(
    conn: AsyncConnection, old: _OldDevice, successor_id: str
) -> SuccessorGranted:
    """A retried request: a fresh credential for a successor that never synced."""
    credential = credentials.new_token()
    rotated = await conn.execute(
        sa.update(devices)
        .where(
            devices.c.tenant_id == old.tenant_id,
            devices.c.id == successor_id,
            devices.c.status == ACTIVE,
            devices.c.last_seen_ms.is_(None),
        )
        .values(credential_hash=credentials.digest(credential))
        .returning(devices.c.code)
    )
    code = rotated.scalar_one_or_none()
    if code is None:
        raise DeviceRevoked(
            f"device {old.id} was retired and replaced by device {successor_id}, which has "
            "synced since; enroll this data directory again (pos-agent enroll --force)"
        )
    return await _granted(conn, old, successor_id, str(code), credential)


async def _granted(
    conn: AsyncConnection, old: _OldDevice, successor_id: str, code: str, credential: str
) -> SuccessorGranted:
    return SuccessorGranted(
        device_id=uuid.UUID(successor_id),
        device_code=code,
        credential=credential,
        hub_epoch=await ensure_epoch(conn),
        previous_device_id=uuid.UUID(old.id),
        previous_device_code=old.code,
    )


async def _free_code(conn: AsyncConnection, tenant_id: str, outlet_id: str, code: str) -> str:
    """The first ``<root>R<n>`` that no device of the outlet has, nor an open code names."""
    root = _RESTORED.sub("", code) or code
    taken_by_devices = sa.select(devices.c.code).where(
        devices.c.tenant_id == tenant_id, devices.c.outlet_id == outlet_id
    )
    taken_by_codes = sa.select(enrollment_codes.c.device_code).where(
        enrollment_codes.c.outlet_id == outlet_id
    )
    taken = {row[0] for row in await conn.execute(taken_by_devices.union(taken_by_codes))}
    n = 1
    while True:
        suffix = f"R{n}"
        candidate = root[: MAX_CODE - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        n += 1


async def _held_ids(
    conn: AsyncConnection, device: SyncingDevice, wanted: Sequence[str]
) -> set[str]:
    if not wanted:
        return set()
    found: set[str] = set()
    for table in (ops, quarantine):
        query = sa.select(table.c.op_id).where(
            table.c.tenant_id == device.tenant_id, one_of(conn, table.c.op_id, list(wanted))
        )
        found.update(row[0] for row in await conn.execute(query) if row[0] is not None)
    return found
