"""Writes the read models (entities, conflicts, tickets, payments) of merged entities,
and what the hub keeps of their merges (``entities.merged``, ``field_writes``).

Called by :func:`cloud_hub.store.oplog.store_ops` inside the writing transaction. Every
upsert sends its rows sorted by primary key, so two transactions touching overlapping
rows lock them in the same order and cannot deadlock. Rows keyed by ids devices make
(entities, conflicts, tickets, payments) are keyed with their tenant (ADR 0024): two
tenants' devices may make the same id, and each tenant gets its own row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.domain import projections as rows
from cloud_hub.domain.kept import FOLDED_WHOLE, Resumed, conflicts_among
from cloud_hub.store.dialect import insert_many, is_postgres, one_of, upsert_many
from cloud_hub.store.models import conflicts, entities, field_writes, payments, tickets
from sync_protocol import ticket_money
from sync_protocol.merge import Write

ENTITY_KEY = ("tenant_id", "entity", "entity_id")
# The merge of a row created by this transaction, until it is written, in the same one.
_CREATED = b""
#: Keys per lookup (well under SQLite's limit of bound parameters).
_CHUNK = 500


async def kept_merges(
    conn: AsyncConnection,
    tenant_id: str,
    outlet_id: str | None,
    keys: Iterable[tuple[str, str]],
    now_ms: int,
) -> dict[tuple[str, str], bytes | None]:
    """What the hub keeps of the merge of each entity of ``keys`` that it holds already
    (None: its row predates kept merges); entities new to the hub are left out.

    On PostgreSQL the ``entities`` rows are created (empty) or touched, and so locked
    until commit: a concurrent writer of the same entity (ops of one staff member from
    two outlets, say) waits, then resumes from the merge this transaction kept, and no
    update is lost. SQLite has one writer at a time.
    """
    ordered = sorted(keys)
    if not is_postgres(conn):
        return await _kept_rows(conn, tenant_id, ordered)
    values: list[dict[str, Any]] = [
        {
            "tenant_id": tenant_id,
            "entity": entity,
            "entity_id": entity_id,
            "outlet_id": outlet_id,
            "status": None,
            "deleted": False,
            "fields": {},
            "merged": _CREATED,
            "updated_ms": now_ms,
        }
        for entity, entity_id in ordered
    ]
    found = await upsert_many(
        conn,
        entities,
        values,
        key=list(ENTITY_KEY),
        updated=["updated_ms"],
        returning=(entities.c.entity, entities.c.entity_id, entities.c.merged),
    )
    return {
        (entity, entity_id): merged for entity, entity_id, merged in found if merged != _CREATED
    }


async def _kept_rows(
    conn: AsyncConnection, tenant_id: str, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], bytes | None]:
    kept: dict[tuple[str, str], bytes | None] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        query = sa.select(entities.c.entity, entities.c.entity_id, entities.c.merged).where(
            entities.c.tenant_id == tenant_id,
            sa.tuple_(entities.c.entity, entities.c.entity_id).in_(chunk),
        )
        kept.update(
            ((entity, entity_id), merged) for entity, entity_id, merged in await conn.execute(query)
        )
    return kept


async def write_projections(
    conn: AsyncConnection,
    merged: Mapping[tuple[str, str], Resumed],
    *,
    tenant_id: str,
    outlet_id: str | None,
    now_ms: int,
) -> None:
    """Upsert every read-model row of the merged entities and keep their merges.

    A complete state gives every conflict of its entity; a resumed one, the conflicts
    its new writes take part in, found by their base among the recorded writes. Every
    new field write of an entity not folded whole is recorded for the pushes to come.
    """
    ordered = [merged[key] for key in sorted(merged)]
    recorded = await _recorded_writes(conn, tenant_id, [m for m in ordered if not m.complete])
    entity_values = []
    conflict_values: list[dict[str, Any]] = []
    ticket_values = []
    payment_values: list[dict[str, Any]] = []
    write_values: list[dict[str, Any]] = []
    resolved: set[str] = set()
    for resumed in ordered:
        state = resumed.state
        entity_values.append(
            rows.entity_row(state, tenant_id=tenant_id, outlet_id=outlet_id, now_ms=now_ms)
            | {"merged": resumed.keep()}
        )
        found = (
            state.conflicts()
            if resumed.complete
            else conflicts_among(resumed, recorded.get((state.entity, state.entity_id), {}))
        )
        conflict_values += rows.conflict_rows(
            found, tenant_id=tenant_id, outlet_id=outlet_id, now_ms=now_ms
        )
        if not resumed.complete:
            resolved |= resumed.new_resolutions
        if state.entity not in FOLDED_WHOLE:
            write_values += rows.field_write_rows(state, tenant_id=tenant_id)
        if state.entity == rows.TICKET and outlet_id is not None:
            money = ticket_money(state)
            payment_values += rows.payment_rows(
                state, money, tenant_id=tenant_id, outlet_id=outlet_id
            )
            ticket_values.append(
                rows.ticket_row(
                    state, money, tenant_id=tenant_id, outlet_id=outlet_id, now_ms=now_ms
                )
            )
    await _upsert_entities(conn, entity_values)
    await insert_many(conn, field_writes, write_values)
    await _upsert_keyed(
        conn, conflicts, "conflict_id", conflict_values, ("op_ids", "winner", "resolved")
    )
    await _mark_resolved(conn, tenant_id, resolved)
    await _upsert_keyed(
        conn,
        tickets,
        "id",
        ticket_values,
        (
            "receipt_no",
            "kind",
            "status",
            "currency",
            "paid",
            "refunded",
            "total",
            "balance",
            "pending",
            "reinstated",
            "money_conflict",
            "money_conflict_amount",
            "opened_ms",
            "updated_ms",
        ),
    )
    await _upsert_keyed(conn, payments, "id", payment_values, ("status",))


async def _recorded_writes(
    conn: AsyncConnection, tenant_id: str, resumed: list[Resumed]
) -> dict[tuple[str, str], dict[str, list[Write]]]:
    """The recorded writes sharing an entity, a field and a base with a new write."""
    wanted = sorted(
        {
            (state.entity, state.entity_id, name, write.base or "")
            for state in (m.state for m in resumed)
            for name, writes in state.writes.items()
            for write in writes.values()
        }
    )
    found: dict[tuple[str, str], dict[str, list[Write]]] = {}
    for start in range(0, len(wanted), _CHUNK):
        query = _writes_sharing_a_base(conn, tenant_id, wanted[start : start + _CHUNK])
        for entity, entity_id, name, base, op_id, hlc, device_id in await conn.execute(query):
            write = Write(op_id, int(hlc), device_id, None, base or None)
            found.setdefault((entity, entity_id), {}).setdefault(name, []).append(write)
    return found


def _writes_sharing_a_base(
    conn: AsyncConnection, tenant_id: str, wanted: list[tuple[str, str, str, str]]
) -> sa.Select[Any]:
    """The recorded writes at each (entity, entity_id, field, base) of ``wanted``.

    On PostgreSQL the keys travel as four arrays joined to ``field_writes`` (an index
    lookup per key); a row-value ``IN`` list there is planned as a scan of the table,
    which grows with every entity's history.
    """
    fw = field_writes.c
    key = (fw.entity, fw.entity_id, fw.field, fw.base)
    query = sa.select(*key, fw.op_id, fw.hlc, fw.device_id)
    if not is_postgres(conn):
        return query.where(fw.tenant_id == tenant_id, sa.tuple_(*key).in_(wanted))
    arrays = [
        sa.bindparam(None, [row[n] for row in wanted], type_=postgresql.ARRAY(sa.String()))
        for n in range(4)
    ]
    keys = (
        sa.func.unnest(*arrays)
        .table_valued("entity", "entity_id", "field", "base")
        .render_derived()
    )
    on = sa.and_(fw.tenant_id == tenant_id, *(c == keys.c[c.name] for c in key))
    return query.select_from(field_writes.join(keys, on))


async def _mark_resolved(conn: AsyncConnection, tenant_id: str, resolved: set[str]) -> None:
    """Mark resolved the recorded conflicts that a push's edits resolve."""
    if not resolved:
        return
    await conn.execute(
        sa.update(conflicts)
        .where(
            conflicts.c.tenant_id == tenant_id,
            one_of(conn, conflicts.c.conflict_id, sorted(resolved)),
        )
        .values(resolved=True)
    )


async def _upsert_entities(conn: AsyncConnection, values: list[dict[str, Any]]) -> None:
    await upsert_many(
        conn,
        entities,
        values,
        key=list(ENTITY_KEY),
        updated=["status", "deleted", "fields", "merged", "updated_ms"],
    )


async def _upsert_keyed(
    conn: AsyncConnection,
    table: sa.Table,
    key: str,
    values: list[dict[str, Any]],
    updated: tuple[str, ...],
) -> None:
    """Upsert one tenant's rows, keyed by ``(tenant_id, key)``."""
    # One statement may not touch a row twice (PostgreSQL refuses it): first wins.
    unique = {row[key]: row for row in reversed(values)}
    ordered = [unique[k] for k in sorted(unique)]
    await upsert_many(conn, table, ordered, key=["tenant_id", key], updated=list(updated))
