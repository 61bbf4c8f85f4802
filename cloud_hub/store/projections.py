"""Writes the read models (entities, conflicts, tickets, payments) of merged entities.

Called by :func:`cloud_hub.store.oplog.store_ops` inside the writing transaction. Every
upsert sends its rows sorted by primary key, so two transactions touching overlapping
rows lock them in the same order and cannot deadlock. Rows keyed by ids devices make
(entities, conflicts, tickets, payments) are keyed with their tenant (ADR 0024): two
tenants' devices may make the same id, and each tenant gets its own row.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.domain import projections as rows
from cloud_hub.store.dialect import upsert_many
from cloud_hub.store.models import conflicts, entities, payments, tickets
from sync_protocol import EntityState

ENTITY_KEY = ("tenant_id", "entity", "entity_id")
# A new row's hash until the merge fills it in, in the same transaction.
_PLACEHOLDER = ""


async def lock_entities(
    conn: AsyncConnection,
    tenant_id: str,
    outlet_id: str | None,
    keys: Iterable[tuple[str, str]],
    now_ms: int,
) -> set[tuple[str, str]]:
    """Create (empty) or touch the ``entities`` rows of ``keys``, locking them.

    On PostgreSQL the row locks are held until commit, so a concurrent writer of the
    same entity (ops of one staff member from two outlets, say) waits, then reads the
    ops this transaction committed before it merges: no projection update is lost.

    Returns:
        The keys whose row existed already (the others have no stored ops to load).
    """
    values: list[dict[str, Any]] = [
        {
            "tenant_id": tenant_id,
            "entity": entity,
            "entity_id": entity_id,
            "outlet_id": outlet_id,
            "status": None,
            "deleted": False,
            "fields": {},
            "state_hash": _PLACEHOLDER,
            "updated_ms": now_ms,
        }
        for entity, entity_id in sorted(keys)
    ]
    found = await upsert_many(
        conn,
        entities,
        values,
        key=list(ENTITY_KEY),
        updated=["updated_ms"],
        returning=(entities.c.entity, entities.c.entity_id, entities.c.state_hash),
    )
    return {(entity, entity_id) for entity, entity_id, digest in found if digest != _PLACEHOLDER}


async def write_projections(
    conn: AsyncConnection,
    states: Iterable[EntityState],
    *,
    tenant_id: str,
    outlet_id: str | None,
    now_ms: int,
) -> None:
    """Upsert every read-model row derived from ``states``."""
    ordered = sorted(states, key=lambda s: (s.entity, s.entity_id))
    entity_values = []
    conflict_values: list[dict[str, Any]] = []
    ticket_values = []
    payment_values: list[dict[str, Any]] = []
    for state in ordered:
        entity_values.append(
            rows.entity_row(state, tenant_id=tenant_id, outlet_id=outlet_id, now_ms=now_ms)
        )
        conflict_values += rows.conflict_rows(
            state, tenant_id=tenant_id, outlet_id=outlet_id, now_ms=now_ms
        )
        if state.entity == rows.TICKET and outlet_id is not None:
            payment_values += rows.payment_rows(state, tenant_id=tenant_id, outlet_id=outlet_id)
            ticket_values.append(
                rows.ticket_row(state, tenant_id=tenant_id, outlet_id=outlet_id, now_ms=now_ms)
            )
    await _upsert_entities(conn, entity_values)
    await _upsert_keyed(
        conn, conflicts, "conflict_id", conflict_values, ("op_ids", "winner", "resolved")
    )
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


async def _upsert_entities(conn: AsyncConnection, values: list[dict[str, Any]]) -> None:
    await upsert_many(
        conn,
        entities,
        values,
        key=list(ENTITY_KEY),
        updated=["status", "deleted", "fields", "state_hash", "updated_ms"],
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
