"""The hub's op log: commit sequences per scope, stored ops, and their projections.

:func:`store_ops` is the one way ops enter the hub, for device pushes and hub-written
ops alike. Inside the caller's transaction it

1. resumes each entity of the batch from what the hub keeps of its merge
   (:mod:`cloud_hub.domain.kept`; a ticket, or an entity stored before the hub kept
   merges, is folded from its stored ops), and on PostgreSQL locks its ``entities`` row
   (sorted, so writers of overlapping entities queue instead of deadlocking);
2. merges the new ops into those states with ``sync_protocol.apply_op``: the cost of a
   push follows its own ops, not the history of the entities it touches;
3. takes the batch's commit sequences from ``scope_counters`` with
   ``UPDATE ... SET last_seq = last_seq + n ... RETURNING last_seq``: on PostgreSQL the row
   lock is held until commit, so another writer of the scope (in this process or another
   hub process) waits and gets higher numbers, and no lower number can commit after a
   higher one is visible; SQLite has one writer at a time anyway;
4. inserts the ops and upserts the read models (:mod:`cloud_hub.store.projections`);
5. adds the scope to ``conn.info[WRITTEN_SCOPES]`` when the transaction keeps that set,
   so that whoever committed it can wake the pulls waiting on it.

Scopes are ``o:<outlet_id>`` (an outlet's ops) and ``t:<tenant_id>`` (the tenant's
reference data, written by the hub). See ADR 0007.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.domain.kept import FOLDED_WHOLE, Resumed, resume
from cloud_hub.store.dialect import insert, insert_many, one_of
from cloud_hub.store.models import ops as ops_table
from cloud_hub.store.models import scope_counters
from cloud_hub.store.projections import kept_merges, write_projections
from sync_protocol import EntityState, Op, apply_op, state_hash

EntityKey = tuple[str, str]
#: Ids per lookup (well under SQLite's limit of bound parameters).
_CHUNK = 5000
_op_decoder = msgspec.msgpack.Decoder(Op)


#: ``conn.info`` key of a transaction that wants to know which scopes it wrote (a set).
WRITTEN_SCOPES = "pos_written_scopes"


def outlet_scope(outlet_id: str) -> str:
    """The commit-sequence scope of an outlet's ops."""
    return f"o:{outlet_id}"


def tenant_scope(tenant_id: str) -> str:
    """The commit-sequence scope of a tenant's reference data."""
    return f"t:{tenant_id}"


def quarantine_scope(tenant_id: str) -> str:
    """The counter that numbers a tenant's quarantined ops (no op is committed in it)."""
    return f"q:{tenant_id}"


def decode_body(body: bytes) -> Op:
    """An op from its stored MessagePack body."""
    op: Op = _op_decoder.decode(body)
    return op


async def store_ops(
    conn: AsyncConnection,
    *,
    tenant_id: str,
    outlet_id: str | None,
    scope: str,
    ops: list[tuple[Op, bytes]],
    now_ms: int,
) -> int:
    """Commit new ops in ``scope`` and update the read models, in the caller's transaction.

    Args:
        conn: a connection inside the writing transaction.
        tenant_id: the ops' tenant.
        outlet_id: the ops' outlet, or None for tenant-scope (reference data) ops.
        scope: ``o:<outlet_id>`` or ``t:<tenant_id>``.
        ops: each op with its MessagePack body, in commit order. Their op ids must be
            new to the hub and each must be mergeable (the caller checks both).
        now_ms: the hub's clock, Unix milliseconds.

    Returns:
        The commit sequence of the last op (the scope's current one if ``ops`` is empty).

    Raises:
        MergeError: if an op cannot be merged; the caller's transaction must roll back.
    """
    if not ops:
        return await scope_head(conn, tenant_id, scope)
    touched: dict[EntityKey, list[Op]] = {}
    for op, _ in ops:
        touched.setdefault((op.entity, op.entity_id), []).append(op)
    merged = await resume_entities(conn, tenant_id, outlet_id, touched, now_ms)
    for key, new in touched.items():
        state = merged[key].state
        for op in new:
            apply_op(state, op)
    last = await take_sequences(conn, tenant_id, scope, len(ops))
    first = last - len(ops) + 1
    await insert_many(
        conn,
        ops_table,
        [
            {
                "op_id": str(op.op_id),
                "tenant_id": tenant_id,
                "outlet_id": outlet_id,
                "scope": scope,
                "commit_seq": first + index,
                "device_id": str(op.device_id),
                "device_seq": op.device_seq,
                "hlc": op.hlc,
                "entity": op.entity,
                "entity_id": op.entity_id,
                "kind": op.kind,
                "body": body,
                "received_ms": now_ms,
            }
            for index, (op, body) in enumerate(ops)
        ],
    )
    await write_projections(conn, merged, tenant_id=tenant_id, outlet_id=outlet_id, now_ms=now_ms)
    written: set[str] | None = conn.info.get(WRITTEN_SCOPES)
    if written is not None:
        written.add(scope)
    return last


async def resume_entities(
    conn: AsyncConnection,
    tenant_id: str,
    outlet_id: str | None,
    keys: Iterable[EntityKey],
    now_ms: int,
) -> dict[EntityKey, Resumed]:
    """Each entity's state to merge new ops into: resumed from what the hub keeps of its
    merge, or folded whole from its stored ops (a ticket, or an entity stored before the
    hub kept merges), or new. On PostgreSQL the entities' rows are locked until commit."""
    keys = list(keys)
    kept = await kept_merges(conn, tenant_id, outlet_id, keys, now_ms)
    folded = [key for key in keys if key in kept and (key[0] in FOLDED_WHOLE or not kept[key])]
    states = await load_states(conn, tenant_id, folded)
    resumed: dict[EntityKey, Resumed] = {}
    for key in keys:
        merged = kept.get(key)
        if merged and key[0] not in FOLDED_WHOLE:
            resumed[key] = resume(*key, merged)
        else:
            resumed[key] = Resumed(states.get(key) or EntityState(*key), complete=True)
    return resumed


async def load_states(
    conn: AsyncConnection, tenant_id: str, keys: Iterable[EntityKey]
) -> dict[EntityKey, EntityState]:
    """Fold every stored op of each entity in ``keys`` (entities with none are left out)."""
    ids_by_entity: dict[str, list[str]] = {}
    for entity, entity_id in sorted(keys):
        ids_by_entity.setdefault(entity, []).append(entity_id)
    states: dict[EntityKey, EntityState] = {}
    for entity, ids in ids_by_entity.items():
        for start in range(0, len(ids), _CHUNK):
            query = sa.select(ops_table.c.body).where(
                ops_table.c.tenant_id == tenant_id,
                ops_table.c.entity == entity,
                one_of(conn, ops_table.c.entity_id, ids[start : start + _CHUNK]),
            )
            for (body,) in await conn.execute(query):
                fold(states, decode_body(body))
    return states


def fold(states: dict[EntityKey, EntityState], op: Op) -> None:
    """Merge ``op`` into its entity's state in ``states``, creating the state if new."""
    key = (op.entity, op.entity_id)
    state = states.get(key)
    if state is None:
        state = states[key] = EntityState(*key)
    apply_op(state, op)


async def scopes_state_hash(
    conn: AsyncConnection,
    tenant_id: str,
    scopes: Sequence[str],
    shown: Callable[[Op], Op] = lambda op: op,
) -> str:
    """``sync_protocol.state_hash`` over every op committed in ``scopes``.

    ``shown`` turns each op into the op a device is sent (a redacted staff document).

    For an outlet's scope plus its tenant scope this is exactly what a device of the
    outlet holds once it has pulled everything (and had all its ops applied), so the
    two hashes compare. It folds the ops themselves rather than reading ``entities``,
    whose rows merge an entity's ops from every outlet of the tenant.
    """
    states: dict[EntityKey, EntityState] = {}
    query = sa.select(ops_table.c.body).where(
        ops_table.c.tenant_id == tenant_id, ops_table.c.scope.in_(list(scopes))
    )
    result = await conn.stream(query)
    async for (body,) in result:
        fold(states, shown(decode_body(body)))
    return state_hash(states.values())


async def scope_head(conn: AsyncConnection, tenant_id: str, scope: str) -> int:
    """The last commit sequence handed out in the tenant's ``scope`` (0 when none)."""
    query = sa.select(scope_counters.c.last_seq).where(
        scope_counters.c.tenant_id == tenant_id, scope_counters.c.scope == scope
    )
    return int((await conn.execute(query)).scalar_one_or_none() or 0)


async def known_op_ids(conn: AsyncConnection, tenant_id: str, op_ids: Sequence[str]) -> set[str]:
    """Which of ``op_ids`` the hub already holds for the tenant (another tenant's op of
    the same id is another op)."""
    found: set[str] = set()
    for start in range(0, len(op_ids), _CHUNK):
        chunk = list(op_ids[start : start + _CHUNK])
        query = sa.select(ops_table.c.op_id).where(
            ops_table.c.tenant_id == tenant_id, one_of(conn, ops_table.c.op_id, chunk)
        )
        found.update(row[0] for row in await conn.execute(query))
    return found


async def take_sequences(conn: AsyncConnection, tenant_id: str, scope: str, count: int) -> int:
    """Reserve ``count`` numbers in the tenant's ``scope``; return the last one."""
    bump = (
        sa.update(scope_counters)
        .where(scope_counters.c.tenant_id == tenant_id, scope_counters.c.scope == scope)
        .values(last_seq=scope_counters.c.last_seq + count)
        .returning(scope_counters.c.last_seq)
    )
    last = (await conn.execute(bump)).scalar_one_or_none()
    if last is not None:
        return int(last)
    created = (
        insert(conn, scope_counters)
        .values(tenant_id=tenant_id, scope=scope, last_seq=count)
        .on_conflict_do_nothing(index_elements=[scope_counters.c.tenant_id, scope_counters.c.scope])
        .returning(scope_counters.c.last_seq)
    )
    last = (await conn.execute(created)).scalar_one_or_none()
    if last is not None:
        return int(last)
    # Another writer created the row first (we waited for its commit): bump it.
    return int((await conn.execute(bump)).scalar_one())
