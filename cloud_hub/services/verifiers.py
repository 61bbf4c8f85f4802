"""Which devices receive a staff member's PIN hash: those of the outlets they work at.

Staff documents live in the tenant scope, so every device of the tenant pulls them (a
till shows names on old tickets and moved ones). The PIN hash in them is a verifier an
attacker holding a copied device database can brute-force offline, so a device is sent
it only in the *current* version of the document of a staff member assigned to the
device's outlet (``outlets`` lists its code, or is ``"all"`` or absent); every other
version reaches it without ``pin_hash``. A staff member moved off an outlet, or given a
new PIN, gets a new version: that outlet's devices drop the old hash at their next pull
(``edge_agent/services/sync_projection.py`` scrubs it from the ops they hold too).

The hub folds the same redacted ops for an outlet's state hash, so a device and the hub
still agree on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.store.models import ops as ops_table
from cloud_hub.store.oplog import decode_body
from sync_protocol import MSGPACK, FieldEdit, Op

STAFF = "ref.staff"
HASH_FIELD = "pin_hash"


def works_at(doc: dict[str, Any], outlet_code: str) -> bool:
    """Whether a staff document assigns the staff member to this outlet."""
    outlets = doc.get("outlets", "all")
    return outlets == "all" or (isinstance(outlets, list) and outlet_code in outlets)


async def kept(
    conn: AsyncConnection, tenant_id: str, outlet_code: str, staff_ids: Iterable[str] | None
) -> frozenset[str]:
    """The op ids of the staff documents whose PIN hash the outlet's devices receive.

    Args:
        staff_ids: only these staff members (None: all of the tenant's).
    """
    query = sa.select(ops_table.c.entity_id, ops_table.c.op_id, ops_table.c.body).where(
        ops_table.c.tenant_id == tenant_id, ops_table.c.entity == STAFF
    )
    if staff_ids is not None:
        query = query.where(ops_table.c.entity_id.in_(sorted(set(staff_ids))))
    newest: dict[str, tuple[int, str, Op]] = {}
    for entity_id, op_id, body in await conn.execute(query):
        op = decode_body(bytes(body))
        if entity_id not in newest or (op.hlc, str(op_id)) > newest[entity_id][:2]:
            newest[entity_id] = (op.hlc, str(op_id), op)
    return frozenset(
        op_id
        for _, op_id, op in newest.values()
        if isinstance(op, FieldEdit)
        and isinstance(doc := op.changes.get("doc"), dict)
        and works_at(doc, outlet_code)
    )


def redact(op: Op, keep: frozenset[str]) -> Op:
    """The op as a device is sent it: a staff document not in ``keep`` loses its hash."""
    if op.entity != STAFF or not isinstance(op, FieldEdit) or str(op.op_id) in keep:
        return op
    doc = op.changes.get("doc")
    if not isinstance(doc, dict) or HASH_FIELD not in doc:
        return op
    bare = {key: value for key, value in doc.items() if key != HASH_FIELD}
    return msgspec.structs.replace(op, changes={**op.changes, "doc": bare})


async def for_device(
    conn: AsyncConnection, tenant_id: str, outlet_code: str, ops: Sequence[Op]
) -> list[Op]:
    """A pull page as the outlet's device is sent it."""
    staff_ids = {op.entity_id for op in ops if op.entity == STAFF}
    if not staff_ids:
        return list(ops)
    keep = await kept(conn, tenant_id, outlet_code, staff_ids)
    return [redact(op, keep) for op in ops]


async def stored_for_device(
    conn: AsyncConnection, tenant_id: str, outlet_code: str, bodies: Sequence[tuple[str, bytes]]
) -> list[msgspec.Raw]:
    """A pull page as stored (entity, MessagePack body), as the outlet's device is sent
    it: only staff documents are decoded, redacted and encoded again."""
    staff = [decode_body(body) for entity, body in bodies if entity == STAFF]
    if not staff:
        return [msgspec.Raw(body) for _, body in bodies]
    keep = await kept(conn, tenant_id, outlet_code, {op.entity_id for op in staff})
    sent = iter([MSGPACK.encode(redact(op, keep)) for op in staff])
    return [msgspec.Raw(next(sent) if entity == STAFF else body) for entity, body in bodies]
