"""Pull pages: the ops a device has not seen yet, in commit order, scope by scope.

A page is read against the scopes' heads taken *first*: every op at or below a head is
committed (the head's writer held the scope's counter lock until its commit, and so did
every writer before it), so a page that reaches the head can move the cursor to it even
when the device's own ops, which are left out, fill the rest of the range.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.store.models import ops as ops_table
from cloud_hub.store.models import scope_counters
from cloud_hub.store.oplog import decode_body, outlet_scope, tenant_scope
from sync_protocol import Op

#: Ops a page counts at most to say how many remain; beyond, it says the distance to
#: the head, which also counts the device's own ops (``remaining`` is for a progress bar).
COUNTED = 10_000


@dataclass(frozen=True, slots=True)
class Page:
    """One pull page and the positions it reaches.

    Attributes:
        bodies: the ops as stored (entity, MessagePack body): tenant-scope ops first,
            then outlet-scope ops, each in commit order.
        outlet_seq: the outlet position after this page.
        tenant_seq: the tenant position after this page.
        remaining: ops still to pull after this page: exact up to :data:`COUNTED`, an
            upper bound beyond.
    """

    bodies: list[tuple[str, bytes]]
    outlet_seq: int
    tenant_seq: int
    remaining: int

    @property
    def ops(self) -> list[Op]:
        """The page's ops, decoded."""
        return [decode_body(body) for _, body in self.bodies]


@dataclass(frozen=True, slots=True)
class Reader:
    """Who pulls: the device's tenant, outlet and id (its own ops are left out)."""

    tenant_id: str
    outlet_id: str
    device_id: str


async def read_page(
    conn: AsyncConnection, reader: Reader, *, outlet_after: int, tenant_after: int, limit: int
) -> Page:
    """The next page after the given positions, at most ``limit`` ops."""
    o_scope, t_scope = outlet_scope(reader.outlet_id), tenant_scope(reader.tenant_id)
    tenant = reader.tenant_id
    heads = await _heads(conn, tenant, (o_scope, t_scope))
    o_head, t_head = heads.get(o_scope, 0), heads.get(t_scope, 0)

    tenant_rows = await _rows(conn, tenant, t_scope, tenant_after, t_head, limit, None)
    tenant_seq = _reached(tenant_rows, limit, t_head, tenant_after)
    room = limit - len(tenant_rows)
    outlet_rows = []
    outlet_seq = outlet_after
    if room > 0:
        outlet_rows = await _rows(
            conn, tenant, o_scope, outlet_after, o_head, room, reader.device_id
        )
        outlet_seq = _reached(outlet_rows, room, o_head, outlet_after)

    # Every tenant-scope sequence is an op (store_ops takes exactly one per op) and no
    # device op lives there, so its count is a subtraction; the outlet's needs a count,
    # bounded so that a page costs the same at the start of a long catch-up as at its end.
    outlet_left = await _count(conn, tenant, o_scope, outlet_seq, o_head, reader.device_id)
    if outlet_left >= COUNTED:  # many left: the distance to the head (counting own ops)
        outlet_left = max(outlet_left, o_head - outlet_seq)
    remaining = max(t_head - tenant_seq, 0) + outlet_left
    bodies = [(entity, body) for _, entity, body in tenant_rows + outlet_rows]
    return Page(bodies, outlet_seq, tenant_seq, remaining)


def _reached(rows: list[tuple[int, str, bytes]], asked: int, head: int, after: int) -> int:
    if len(rows) < asked:
        return head if rows or head > after else after
    return rows[-1][0]


async def _heads(conn: AsyncConnection, tenant_id: str, scopes: tuple[str, str]) -> dict[str, int]:
    query = sa.select(scope_counters.c.scope, scope_counters.c.last_seq).where(
        scope_counters.c.tenant_id == tenant_id, scope_counters.c.scope.in_(scopes)
    )
    return {scope: int(seq) for scope, seq in await conn.execute(query)}


async def _rows(
    conn: AsyncConnection,
    tenant_id: str,
    scope: str,
    after: int,
    head: int,
    limit: int,
    excluded_device: str | None,
) -> list[tuple[int, str, bytes]]:
    if head <= after:
        return []
    query = (
        sa.select(ops_table.c.commit_seq, ops_table.c.entity, ops_table.c.body)
        .where(
            ops_table.c.tenant_id == tenant_id,
            ops_table.c.scope == scope,
            ops_table.c.commit_seq > after,
            ops_table.c.commit_seq <= head,
        )
        .order_by(ops_table.c.commit_seq)
        .limit(limit)
    )
    if excluded_device is not None:
        query = query.where(ops_table.c.device_id != excluded_device)
    return [(int(seq), entity, bytes(body)) for seq, entity, body in await conn.execute(query)]


async def _count(
    conn: AsyncConnection, tenant_id: str, scope: str, after: int, head: int, excluded_device: str
) -> int:
    if head <= after:
        return 0
    left = (
        sa.select(sa.literal(1))
        .where(
            ops_table.c.tenant_id == tenant_id,
            ops_table.c.scope == scope,
            ops_table.c.commit_seq > after,
            ops_table.c.commit_seq <= head,
            ops_table.c.device_id != excluded_device,
        )
        .limit(COUNTED)
        .subquery()
    )
    return int((await conn.execute(sa.select(sa.func.count()).select_from(left))).scalar_one())
