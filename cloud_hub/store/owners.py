"""Which outlet each entity a push names belongs to: one indexed query per entity kind.

An entity belongs to the outlet whose op first created it on the hub: ``entities``
keeps that outlet (its upserts never change ``outlet_id``), keyed by its primary key
``(tenant_id, entity, entity_id)``; tenders and refunds (kind ``payment``) are rows of
``payments``, keyed by id. So a push costs one lookup per kind of entity it names (a
few, whatever its size), never one per op, and never a scan of the op log.

Two pushes that name the same *new* id at once would both find no owner; on PostgreSQL
:func:`lock_named` makes the later one wait for the earlier one's commit first, so it
then finds the owner (SQLite has one writer at a time anyway).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.domain.outlet_scope import PAYMENT, EntityKey
from cloud_hub.store.dialect import is_postgres, one_of
from cloud_hub.store.models import entities, payments

#: Ids per lookup (well under SQLite's limit of bound parameters).
_CHUNK = 5000
_LOCK = sa.text(
    "SELECT count(pg_advisory_xact_lock(key)) FROM unnest(CAST(:keys AS bigint[])) AS key"
)


async def lock_named(conn: AsyncConnection, tenant_id: str, keys: Iterable[EntityKey]) -> None:
    """On PostgreSQL, hold a transaction lock on each of ``keys`` until commit.

    One statement per push. The locks are taken in ascending order, so two pushes naming
    overlapping entities queue instead of deadlocking; a push that waited reads the
    owners the other one committed. Distinct entities may share a lock (a 64-bit hash):
    they then queue needlessly, never wrongly.
    """
    if not is_postgres(conn):
        return
    hashed = sorted({_lock_key(tenant_id, kind, entity_id) for kind, entity_id in keys})
    if hashed:
        await conn.execute(_LOCK, {"keys": hashed})


def _lock_key(tenant_id: str, kind: str, entity_id: str) -> int:
    digest = hashlib.sha256("\x1f".join(("owner", tenant_id, kind, entity_id)).encode())
    return int.from_bytes(digest.digest()[:8], "big", signed=True)


async def owners(
    conn: AsyncConnection, tenant_id: str, keys: Iterable[EntityKey]
) -> dict[EntityKey, str | None]:
    """The owning outlet id of each of ``keys`` the tenant holds (None: the tenant's own,
    hub-written); keys the hub does not hold are left out."""
    ids_by_kind: dict[str, set[str]] = {}
    for kind, entity_id in keys:
        ids_by_kind.setdefault(kind, set()).add(entity_id)
    found: dict[EntityKey, str | None] = {}
    for kind, id_set in sorted(ids_by_kind.items()):
        ids = sorted(id_set)
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            if kind == PAYMENT:
                query = sa.select(payments.c.id, payments.c.outlet_id).where(
                    payments.c.tenant_id == tenant_id, one_of(conn, payments.c.id, chunk)
                )
            else:
                query = sa.select(entities.c.entity_id, entities.c.outlet_id).where(
                    entities.c.tenant_id == tenant_id,
                    entities.c.entity == kind,
                    one_of(conn, entities.c.entity_id, chunk),
                )
            rows = await conn.execute(query)
            found.update(((kind, entity_id), outlet) for entity_id, outlet in rows)
    return found
