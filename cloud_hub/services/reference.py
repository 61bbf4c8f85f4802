"""Reference data (catalog, outlet settings, roles, staff) written by the hub as ops.

A document is stored as a hub-written ``FieldEdit`` of entity ``ref.<name>`` in the
tenant scope, ``changes={"doc": <the whole document>}`` and ``base`` naming the op of
the previous version; a deletion is a ``Tombstone`` and final (the id is not reused).
Writing a document equal to the current one writes nothing, so seeding is idempotent.

Documents must make sense to the devices that read them: a product's category,
station, tax codes and modifier groups exist, variant ids are unique in the catalog,
a staff member's role and outlets exist; a document others still name is not deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.services import documents, hub_writer, identifiers, tenancy
from cloud_hub.services.errors import (
    AlreadyExists,
    DocumentInvalid,
    EntityDeleted,
    NotFound,
    StillReferenced,
)
from cloud_hub.services.tenancy import Tenant
from cloud_hub.store.models import entities, outlets
from sync_protocol import MSGPACK, FieldEdit

PREFIX = "ref."


@dataclass(frozen=True, slots=True)
class Written:
    """The outcome of a write: the version the document now has (None once deleted)."""

    entity: str
    id: str
    version: str | None
    doc: dict[str, Any] | None
    changed: bool


@dataclass(frozen=True, slots=True)
class Current:
    """A document as the hub holds it: its version (op id), body, and deletion."""

    version: str | None
    doc: dict[str, Any] | None
    deleted: bool


async def current(conn: AsyncConnection, tenant: Tenant, entity: str, doc_id: str) -> Current:
    """The newest version of one document (hub writes are ordered by their stamps)."""
    row = await hub_writer.latest(conn, tenant, (PREFIX + entity, doc_id))
    if row is None:
        return Current(None, None, False)
    op_id, kind, body = row
    if kind == "tombstone":
        return Current(None, None, True)
    edit = MSGPACK.decode(body, FieldEdit)
    return Current(op_id, dict(edit.changes["doc"]), False)


async def load(conn: AsyncConnection, tenant: Tenant, entity: str) -> dict[str, dict[str, Any]]:
    """Every live document of one entity, by id."""
    rows = await conn.execute(
        sa.select(entities.c.entity_id, entities.c.fields)
        .where(
            entities.c.tenant_id == tenant.id,
            entities.c.entity == PREFIX + entity,
            entities.c.deleted == sa.false(),
        )
        .order_by(entities.c.entity_id)
    )
    return {row.entity_id: dict(row.fields["doc"]) for row in rows if "doc" in row.fields}


async def put(
    conn: AsyncConnection,
    tenant: Tenant,
    entity: str,
    doc_id: str,
    doc: Any,
    *,
    now_ms: int,
) -> Written:
    """Create or replace one document.

    Raises:
        InvalidInput: a bad id.
        DocumentInvalid: the document is not valid, or names something that is not there.
        EntityDeleted: the id was deleted before.
        AlreadyExists: a variant id another product uses.
    """
    identifiers.document_id(doc_id)
    documents.validate(entity, doc_id, doc)
    await hub_writer.lock_writer(conn, tenant)
    await _check_references(conn, tenant, entity, doc_id, doc)
    now = await current(conn, tenant, entity, doc_id)
    if now.deleted:
        raise EntityDeleted(f"{entity} {doc_id!r} was deleted; ids are not reused")
    if now.doc == doc:
        return Written(entity, doc_id, now.version, now.doc, changed=False)
    edit = await hub_writer.write_fields(
        conn,
        tenant,
        None,
        (PREFIX + entity, doc_id),
        {"doc": doc},
        base={"doc": now.version} if now.version else None,
        now_ms=now_ms,
    )
    return Written(entity, doc_id, str(edit.op_id), dict(doc), changed=True)


async def delete(
    conn: AsyncConnection, tenant: Tenant, entity: str, doc_id: str, *, now_ms: int
) -> Written:
    """Delete one document, for good.

    Raises:
        NotFound: no live document with this id.
        StillReferenced: other documents name it.
    """
    await hub_writer.lock_writer(conn, tenant)
    now = await current(conn, tenant, entity, doc_id)
    if now.doc is None:
        raise NotFound(entity, doc_id)
    users = await _referrers(conn, tenant, entity, doc_id)
    if users:
        raise StillReferenced(f"{entity} {doc_id!r} is still used by {', '.join(users)}")
    await hub_writer.write_tombstone(
        conn, tenant, None, (PREFIX + entity, doc_id), now_ms=now_ms, reason="deleted by admin"
    )
    return Written(entity, doc_id, None, None, changed=True)


def _references(entity: str, doc: dict[str, Any]) -> list[tuple[str, str]]:
    if entity == "staff":
        return [("role", doc["role"])]
    if entity != "product":
        return []
    refs = [("category", doc["category_id"]), ("station", doc.get("station"))]
    refs += [("tax_rate", code) for code in doc.get("tax_codes", [])]
    refs += [("modifier_group", group) for group in doc.get("modifier_group_ids", [])]
    return [(kind, ref) for kind, ref in refs if ref is not None]


async def _check_references(
    conn: AsyncConnection, tenant: Tenant, entity: str, doc_id: str, doc: dict[str, Any]
) -> None:
    if entity == "outlet":
        await tenancy.outlet_by_code(conn, tenant, doc_id)
        identifiers.timezone(doc["timezone"])
    if entity == "staff" and doc.get("outlets", "all") != "all":
        query = sa.select(outlets.c.code).where(outlets.c.tenant_id == tenant.id)
        unknown = sorted(set(doc["outlets"]) - set((await conn.execute(query)).scalars()))
        if unknown:
            raise DocumentInvalid(f"staff {doc_id!r} names unknown outlets {unknown}")
    for kind, ref in _references(entity, doc):
        if (await current(conn, tenant, kind, ref)).doc is None:
            raise DocumentInvalid(f"{entity} {doc_id!r} names unknown {kind} {ref!r}")
    if entity == "product":
        mine = {variant["id"] for variant in doc["variants"]}
        for other_id, other in (await load(conn, tenant, "product")).items():
            taken = mine & {variant["id"] for variant in other["variants"]}
            if other_id != doc_id and taken:
                raise AlreadyExists("variant", min(taken), f"product {other_id!r} has {taken}")


async def _referrers(conn: AsyncConnection, tenant: Tenant, entity: str, doc_id: str) -> list[str]:
    users = []
    for kind in ("product", "staff"):
        for other_id, other in (await load(conn, tenant, kind)).items():
            if (entity, doc_id) in _references(kind, other):
                users.append(f"{kind} {other_id!r}")
    return users
