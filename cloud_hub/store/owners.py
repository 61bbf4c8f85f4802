"""Which outlet each entity a push names belongs to: one indexed query per entity kind.

An entity belongs to the outlet whose op first created it on the hub: ``entities``
keeps that outlet (its upserts never change ``outlet_id``), keyed by its primary key
``(tenant_id, entity, entity_id)``; tenders and refunds (kind ``payment``) are rows of
``payments``, keyed by id. So a push costs one lookup per kind of entity it names (a
few, whatever its size), never one per op, and never a scan of the op log.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.domain.outlet_scope import PAYMENT, EntityKey
from cloud_hub.store.dialect import one_of
from cloud_hub.store.models import entities, payments

#: Ids per lookup (well under SQLite's limit of bound parameters).
_CHUNK = 5000


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
