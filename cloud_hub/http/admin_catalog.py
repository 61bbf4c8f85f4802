"""Admin API for reference data: catalog documents, roles and staff.

Every write becomes a hub-written op that devices pull; staff PINs go in as PINs and
are kept only as the scrypt hash devices verify (never returned).
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import delete, get, put
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from cloud_hub.http import admin_answers as answers
from cloud_hub.http import admin_schemas as schemas
from cloud_hub.http.admin_context import AnyRequest, CallerTenant, now_ms, transaction
from cloud_hub.http.idempotency import once
from cloud_hub.http.openapi import admin_op
from cloud_hub.services import documents, reference, staff
from cloud_hub.services.errors import (
    AlreadyExists,
    DocumentInvalid,
    EntityDeleted,
    InvalidInput,
    NotFound,
    PinInUse,
    StillReferenced,
)

JSONObject = dict[str, Any]


def _catalog_entity(entity: str) -> str:
    if entity not in documents.CATALOG:
        raise NotFound("catalog entity", entity, f"no catalog entity {entity!r}")
    return entity


@get(
    "/catalog",
    **admin_op("Get the catalog", "Every live catalog document of the tenant, by entity."),
)
async def get_catalog(tenant: CallerTenant, state: State) -> answers.Catalog:  # type: ignore[valid-type]
    """Every live catalog document, by entity."""
    async with transaction(state) as conn:
        listed = {
            entity: [
                answers.catalog_entry(entity, i, doc)
                for i, doc in (await reference.load(conn, tenant, entity)).items()
            ]
            for entity in documents.CATALOG
        }
    return answers.Catalog(**listed)


@put(
    "/catalog/{entity:str}/{doc_id:str}",
    **admin_op(
        "Create or replace a catalog document",
        "Create or replace a category, station, tax rate, modifier group, product, price "
        "book or promotion (the path's `entity`); devices pull it as a hub-written op. Money "
        "is in minor units; a float anywhere is refused.",
        errors=(NotFound, InvalidInput, DocumentInvalid, EntityDeleted, AlreadyExists),
        body=True,
        params=True,
        idempotent=True,
    ),
)
async def put_catalog(
    entity: FromPath[str],
    doc_id: FromPath[str],
    data: JSONBody[JSONObject],
    tenant: CallerTenant,
    state: State,
    request: AnyRequest,
) -> reference.Written:
    """Create or replace a catalog document (category, product, price_book, promotion...)."""
    async with once(request, tenant.id) as unit:
        written = await reference.put(
            unit.conn, tenant, _catalog_entity(entity), doc_id, data, now_ms=now_ms(state)
        )
        return await unit.answer(written)


@delete(
    "/catalog/{entity:str}/{doc_id:str}",
    status_code=200,
    **admin_op(
        "Delete a catalog document",
        "Delete a catalog document for good; refused while other documents name it. Its "
        "id is never reused.",
        errors=(NotFound, StillReferenced),
        params=True,
    ),
)
async def delete_catalog(
    entity: FromPath[str], doc_id: FromPath[str], tenant: CallerTenant, state: State
) -> reference.Written:
    """Delete a catalog document for good (refused while others name it)."""
    async with transaction(state) as conn:
        return await reference.delete(
            conn, tenant, _catalog_entity(entity), doc_id, now_ms=now_ms(state)
        )


@get("/roles", **admin_op("List roles", "The tenant's roles: permissions and discount limit."))
async def list_roles(tenant: CallerTenant, state: State) -> list[answers.RoleEntry]:  # type: ignore[valid-type]
    """The tenant's roles."""
    async with transaction(state) as conn:
        found = await reference.load(conn, tenant, "role")
    return [answers.catalog_entry("role", i, doc) for i, doc in found.items()]


@put(
    "/roles/{role_id:str}",
    **admin_op(
        "Create or replace a role",
        "Create or replace a role: its permissions and the largest discount it may give "
        "(basis points).",
        errors=(InvalidInput, DocumentInvalid, EntityDeleted),
        body=True,
        params=True,
        idempotent=True,
    ),
)
async def put_role(
    role_id: FromPath[str],
    data: JSONBody[JSONObject],
    tenant: CallerTenant,
    state: State,
    request: AnyRequest,
) -> reference.Written:
    """Create or replace a role: its permissions and discount limit."""
    async with once(request, tenant.id) as unit:
        written = await reference.put(
            unit.conn, tenant, "role", role_id, data, now_ms=now_ms(state)
        )
        return await unit.answer(written)


@delete(
    "/roles/{role_id:str}",
    status_code=200,
    **admin_op(
        "Delete a role",
        "Delete a role for good; refused while staff hold it.",
        errors=(NotFound, StillReferenced),
        params=True,
    ),
)
async def delete_role(
    role_id: FromPath[str], tenant: CallerTenant, state: State
) -> reference.Written:
    """Delete a role for good (refused while staff hold it)."""
    async with transaction(state) as conn:
        return await reference.delete(conn, tenant, "role", role_id, now_ms=now_ms(state))


@get("/staff", **admin_op("List staff", "The tenant's staff, never with their PINs or hashes."))
async def list_staff(tenant: CallerTenant, state: State) -> list[answers.StaffView]:
    """The tenant's staff, without their PIN hashes."""
    async with transaction(state) as conn:
        found = await reference.load(conn, tenant, "staff")
    return [
        msgspec.convert({**staff.public(doc), "id": i}, answers.StaffView)
        for i, doc in found.items()
    ]


@put(
    "/staff/{staff_id:str}",
    **admin_op(
        "Create or update a staff member",
        "Create or update a staff member; leave `pin` out to keep the current PIN. The PIN "
        "is kept only as the scrypt hash devices verify, and never returned.",
        errors=(InvalidInput, PinInUse, DocumentInvalid, EntityDeleted),
        body=True,
        params=True,
        idempotent=True,
    ),
)
async def put_staff(
    staff_id: FromPath[str],
    data: JSONBody[schemas.StaffMember],
    tenant: CallerTenant,
    state: State,
    request: AnyRequest,
) -> answers.StaffWritten:
    """Create or update a staff member; the PIN is hashed and never stored or returned."""
    async with once(request, tenant.id) as unit:
        written = await staff.put_staff(
            unit.conn,
            tenant,
            staff_id,
            name=data.name,
            role=data.role,
            pin=data.pin,
            outlets=data.outlets,
            now_ms=now_ms(state),
        )
        shown = staff.public(written.doc or {})
        return await unit.answer(
            answers.StaffWritten(
                staff_id,
                shown["name"],
                shown["role"],
                shown["outlets"],
                version=written.version,
                changed=written.changed,
            )
        )


@delete(
    "/staff/{staff_id:str}",
    status_code=200,
    **admin_op(
        "Remove a staff member",
        "Remove a staff member: devices drop them, and their PIN stops working, on their "
        "next pull.",
        errors=(NotFound, StillReferenced),
        params=True,
    ),
)
async def delete_staff(
    staff_id: FromPath[str], tenant: CallerTenant, state: State
) -> reference.Written:
    """Remove a staff member: devices drop them, and their PIN stops working, on next pull."""
    async with transaction(state) as conn:
        return await reference.delete(conn, tenant, "staff", staff_id, now_ms=now_ms(state))


CATALOG_HANDLERS = [
    get_catalog,
    put_catalog,
    delete_catalog,
    list_roles,
    put_role,
    delete_role,
    list_staff,
    put_staff,
    delete_staff,
]
