"""Tenants and outlets as the use cases see them, and how to look them up.

Every lookup is scoped by tenant: an outlet of another tenant is simply not found, so
the admin API answers 404 rather than telling one tenant what another holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.services.errors import NotFound
from cloud_hub.store.models import outlets, tenants


@dataclass(frozen=True, slots=True)
class Tenant:
    """A tenant and the id of the writer device the hub signs its own ops with."""

    id: str
    slug: str
    name: str
    currency: str
    writer_device_id: str
    created_ms: int


@dataclass(frozen=True, slots=True)
class Outlet:
    """An outlet: its code, zone, currency and device settings."""

    id: str
    code: str
    name: str
    timezone: str
    currency: str
    settings: dict[str, Any]
    created_ms: int


def tenant_of(row: Any) -> Tenant:
    """A tenant from a ``tenants`` row."""
    return Tenant(
        row.id, row.slug, row.name, row.currency, row.writer_device_id, int(row.created_ms)
    )


def outlet_of(row: Any) -> Outlet:
    """An outlet from an ``outlets`` row."""
    return Outlet(
        row.id,
        row.code,
        row.name,
        row.timezone,
        row.currency,
        dict(row.settings),
        int(row.created_ms),
    )


async def tenant_by_slug(conn: AsyncConnection, slug: str) -> Tenant:
    """The tenant with this slug.

    Raises:
        NotFound: no such tenant.
    """
    row = (await conn.execute(sa.select(tenants).where(tenants.c.slug == slug))).first()
    if row is None:
        raise NotFound("tenant", slug)
    return tenant_of(row)


async def tenant_by_id(conn: AsyncConnection, tenant_id: str) -> Tenant:
    """The tenant with this id.

    Raises:
        NotFound: no such tenant.
    """
    row = (await conn.execute(sa.select(tenants).where(tenants.c.id == tenant_id))).first()
    if row is None:
        raise NotFound("tenant", tenant_id)
    return tenant_of(row)


async def outlet_by_code(conn: AsyncConnection, tenant: Tenant, code: str) -> Outlet:
    """The tenant's outlet with this code.

    Raises:
        NotFound: the tenant has no such outlet.
    """
    query = sa.select(outlets).where(outlets.c.tenant_id == tenant.id, outlets.c.code == code)
    row = (await conn.execute(query)).first()
    if row is None:
        raise NotFound("outlet", code)
    return outlet_of(row)


async def outlet_by_id(conn: AsyncConnection, tenant: Tenant, outlet_id: str) -> Outlet:
    """The tenant's outlet with this id.

    Raises:
        NotFound: the tenant has no such outlet.
    """
    query = sa.select(outlets).where(outlets.c.tenant_id == tenant.id, outlets.c.id == outlet_id)
    row = (await conn.execute(query)).first()
    if row is None:
        raise NotFound("outlet", outlet_id)
    return outlet_of(row)
