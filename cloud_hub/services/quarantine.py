"""A manager settles the ops the hub holds in quarantine: release or discard.

**Release** merges the held op as it is (its id, its stamp) into its outlet's op log
with a fresh commit sequence, so every device of the outlet pulls it and every replica
converges. It re-runs every check of :func:`cloud_hub.domain.quarantine.refusal` but the
clock: the cause must be gone (a hub now new enough for its schema, a lifecycle that now
has its status...), while an op held for ``clock_drift`` is released by the manager's
decision to accept its stamp, however far ahead it still is. An op that did not decode,
that names another device, tenant or outlet, or that reaches an entity of another
outlet (an entity's outlet never changes), can only be discarded.

**Discard** keeps the op's row (and body) for the record, marks it discarded, and never
merges it.

Either way the row records when and by whom, and the hub writes an audit event of the
tenant's writer device, entity ``device.quarantine`` (id: the device's id), named
``op_released`` or ``op_discarded``, in the device's outlet scope: the device that made
the op learns its fate when it pulls, and every replica holds the same audit trail.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.domain.outlet_scope import named_entities
from cloud_hub.domain.quarantine import Refusal, Writer, refusal
from cloud_hub.services import hub_writer, tenancy
from cloud_hub.services.errors import NotFound, QuarantineSettled, StillRefused
from cloud_hub.services.tenancy import Tenant
from cloud_hub.store.models import quarantine
from cloud_hub.store.oplog import known_op_ids, outlet_scope, store_ops
from cloud_hub.store.owners import owners
from sync_protocol import MSGPACK, DecodeError, Op
from sync_protocol.hlc import MAX_WALL_MS

#: Entity of the hub's audit events about a device's held ops.
AUDIT_ENTITY = "device.quarantine"
RELEASED = "op_released"
DISCARDED = "op_discarded"
#: Codes whose op can never be merged: only a discard settles them.
NEVER_RELEASED = ("malformed", "wrong_device", "foreign_outlet_entity")


@dataclass(frozen=True, slots=True)
class Settled:
    """What a manager did with a held op."""

    id: int
    op_id: str | None
    device_id: str
    device_seq: int
    code: str
    state: str  # released | discarded
    settled_ms: int
    settled_by: str
    note: str
    audit_op_id: str


class Settle(Protocol):
    """:func:`release` or :func:`discard`."""

    async def __call__(
        self,
        conn: AsyncConnection,
        tenant: Tenant,
        entry_id: str,
        *,
        by: str,
        note: str,
        now_ms: int,
    ) -> Settled: ...


async def release(
    conn: AsyncConnection, tenant: Tenant, entry_id: str, *, by: str, note: str, now_ms: int
) -> Settled:
    """Merge a held op into its outlet's op log, as a manager decided.

    Raises:
        NotFound: the tenant holds no quarantined op with this id.
        QuarantineSettled: it was released or discarded already.
        StillRefused: what set it aside is still there (or it can only be discarded).
    """
    row = await _held(conn, tenant, entry_id)
    op = _releasable(row)
    owner = await _owner(conn, tenant, row)
    owned = await owners(conn, tenant.id, (key for key, _ in named_entities(op)))
    # The clock is the one check a manager's release overrides (module docstring).
    still = refusal(op, owner, now_ms, max_drift_ms=MAX_WALL_MS, owners=owned)
    if still is not None:
        raise StillRefused(f"op is still refused: {still.code}: {still.reason}")
    if not await known_op_ids(conn, tenant.id, [str(op.op_id)]):
        await store_ops(
            conn,
            tenant_id=tenant.id,
            outlet_id=row.outlet_id,
            scope=outlet_scope(row.outlet_id),
            ops=[(op, bytes(row.body))],
            now_ms=now_ms,
        )
    return await _settle(conn, tenant, row, RELEASED, by=by, note=note, now_ms=now_ms)


async def discard(
    conn: AsyncConnection, tenant: Tenant, entry_id: str, *, by: str, note: str, now_ms: int
) -> Settled:
    """Mark a held op discarded: it is kept for the record and never merged.

    Raises:
        NotFound: the tenant holds no quarantined op with this id.
        QuarantineSettled: it was released or discarded already.
    """
    row = await _held(conn, tenant, entry_id)
    return await _settle(conn, tenant, row, DISCARDED, by=by, note=note, now_ms=now_ms)


async def verdicts(
    conn: AsyncConnection, tenant_id: str, device_id: str, first_seq: int, last_seq: int
) -> dict[int, Refusal]:
    """The verdicts on a device's ops in ``[first_seq, last_seq]`` that the hub did not
    merge: held ones keep their code, discarded ones answer ``discarded``."""
    if first_seq > last_seq:
        return {}
    rows = await conn.execute(
        sa.select(
            quarantine.c.device_seq,
            quarantine.c.code,
            quarantine.c.reason,
            quarantine.c.discarded_ms,
        ).where(
            quarantine.c.tenant_id == tenant_id,
            quarantine.c.device_id == device_id,
            quarantine.c.device_seq.between(first_seq, last_seq),
            quarantine.c.released_ms.is_(None),
        )
    )
    return {
        int(row.device_seq): Refusal("discarded", "discarded by a manager on the hub")
        if row.discarded_ms is not None
        else Refusal(row.code, row.reason)
        for row in rows
    }


async def _held(conn: AsyncConnection, tenant: Tenant, entry_id: str) -> sa.Row[tuple[object]]:
    # Serialise the tenant's hub writes first: two managers settling one op queue here.
    await hub_writer.lock_writer(conn, tenant)
    number = int(entry_id) if entry_id.isascii() and entry_id.isdigit() else 0
    if not 0 < number < 1 << 31:  # the id column is a 32-bit integer
        raise NotFound("quarantined op", entry_id)
    row = (
        await conn.execute(
            sa.select(quarantine).where(
                quarantine.c.id == number, quarantine.c.tenant_id == tenant.id
            )
        )
    ).first()
    if row is None:
        raise NotFound("quarantined op", str(entry_id))
    if row.released_ms is not None or row.discarded_ms is not None:
        state = "released" if row.released_ms is not None else "discarded"
        raise QuarantineSettled(f"quarantined op {number} was {state} already")
    return row


def _releasable(row: sa.Row[tuple[object]]) -> Op:
    if row.code in NEVER_RELEASED:
        raise StillRefused(f"an op held as {row.code} can only be discarded")
    try:
        op: Op = MSGPACK.decode(bytes(row.body), Op)  # type: ignore[arg-type]
        return op
    except DecodeError as exc:
        raise StillRefused(f"the held op does not decode: {exc}") from None


async def _owner(conn: AsyncConnection, tenant: Tenant, row: sa.Row[tuple[object]]) -> Writer:
    outlet = await tenancy.outlet_by_id(conn, tenant, row.outlet_id)
    return Writer(uuid.UUID(row.device_id), tenant.slug, outlet.code, outlet.id)


async def _settle(
    conn: AsyncConnection,
    tenant: Tenant,
    row: sa.Row[tuple[object]],
    outcome: str,
    *,
    by: str,
    note: str,
    now_ms: int,
) -> Settled:
    column = "released_ms" if outcome == RELEASED else "discarded_ms"
    await conn.execute(
        sa.update(quarantine)
        .where(quarantine.c.tenant_id == tenant.id, quarantine.c.id == row.id)
        .values({column: now_ms, "settled_by": by[:200], "note": note[:500]})
    )
    outlet = await tenancy.outlet_by_id(conn, tenant, row.outlet_id)
    data = {
        "quarantine_id": int(row.id),
        "op_id": row.op_id,
        "device_seq": int(row.device_seq),
        "code": row.code,
        "by": by,
        "note": note,
        "at_ms": now_ms,
    }
    audit = await hub_writer.write_event(
        conn, tenant, outlet, (AUDIT_ENTITY, row.device_id), outcome, data, now_ms=now_ms
    )
    state = "released" if outcome == RELEASED else "discarded"
    return Settled(
        int(row.id),
        row.op_id,
        row.device_id,
        int(row.device_seq),
        row.code,
        state,
        now_ms,
        by,
        note,
        str(audit.op_id),
    )
