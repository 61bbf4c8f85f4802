"""Tenants, their admin credentials and outlets.

A tenant is created with its writer device (the identity of hub-written ops) and a
first admin credential, shown once. An outlet is created with its settings and its
``ref.outlet`` document, which devices read for name, zone, currency and offline limits.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.services import (
    admin_tokens,
    credentials,
    documents,
    identifiers,
    reference,
    tenancy,
)
from cloud_hub.services.errors import AlreadyExists
from cloud_hub.services.tenancy import Outlet, Tenant
from cloud_hub.store.models import admin_credentials, outlets, tenants
from sync_protocol import uuid7


async def create_tenant(
    conn: AsyncConnection,
    slug: str,
    name: str,
    currency: str,
    *,
    now_ms: int,
    first_token: bool = True,
) -> tuple[Tenant, str]:
    """Create a tenant with its writer device and a first admin credential.

    Args:
        first_token: issue the first admin token (the demo tenant has none stored).

    Returns:
        The tenant, and its admin token (shown once; the hub keeps only its digest),
        or "" without a first token.

    Raises:
        InvalidInput: a bad slug, name or currency.
        AlreadyExists: the slug is taken.
    """
    tenant = Tenant(
        str(uuid7(now_ms)),
        identifiers.slug(slug),
        identifiers.name(name, "tenant name"),
        identifiers.currency(currency),
        str(uuid7(now_ms)),
        now_ms,
    )
    taken = await conn.scalar(sa.select(tenants.c.id).where(tenants.c.slug == tenant.slug))
    if taken is not None:
        raise AlreadyExists("tenant", tenant.slug)
    await conn.execute(sa.insert(tenants).values(**_fields(tenant), writer_seq=0))
    if not first_token:
        return tenant, ""
    return tenant, await issue_admin_credential(conn, tenant, "first admin", now_ms=now_ms)


async def issue_admin_credential(
    conn: AsyncConnection,
    tenant: Tenant,
    name: str,
    *,
    now_ms: int,
    token: str | None = None,
    expires_days: int | None = None,
) -> str:
    """Give the tenant a new admin credential and return it (shown once).

    Args:
        token: a fixed token; a fresh random one otherwise.
        expires_days: None never expires (a tenant's first token).
    """
    issued = await admin_tokens.issue(
        conn, tenant, name, now_ms=now_ms, expires_days=expires_days, token=token
    )
    return issued.token


async def authenticate_admin(conn: AsyncConnection, token: str | None, *, now_ms: int) -> Tenant:
    """The tenant an admin bearer token belongs to.

    Raises:
        Unauthorized: no token, an unknown, revoked or expired one, or an operator token.
    """
    tenant = await admin_tokens.authenticate(conn, token, admin_tokens.TENANT, now_ms=now_ms)
    assert tenant is not None  # a token of scope tenant has its tenant
    return tenant


async def admin_name(conn: AsyncConnection, token: str | None) -> str:
    """Who an admin token speaks for, for audit trails: its name and digest prefix."""
    digest = credentials.digest(token or "")
    name = await conn.scalar(
        sa.select(admin_credentials.c.name).where(admin_credentials.c.token_hash == digest)
    )
    return f"{name or 'unknown admin'} ({digest[:8]})"


async def create_outlet(
    conn: AsyncConnection,
    tenant: Tenant,
    code: str,
    name: str,
    timezone: str,
    *,
    currency: str | None = None,
    settings: Any = None,
    now_ms: int,
) -> Outlet:
    """Create an outlet and publish its ``ref.outlet`` document to the tenant's devices.

    Raises:
        InvalidInput: a bad or reserved code, name, zone or currency.
        DocumentInvalid: settings the devices could not use.
        AlreadyExists: the tenant has an outlet with this code (in any letter case).
    """
    outlet = Outlet(
        str(uuid7(now_ms)),
        identifiers.outlet_code(code),
        identifiers.name(name, "outlet name"),
        identifiers.timezone(timezone),
        identifiers.currency(currency or tenant.currency),
        _settings(code, settings),
        now_ms,
    )
    same = sa.func.lower(outlets.c.code) == outlet.code.lower()
    taken = await conn.scalar(
        sa.select(outlets.c.code).where(outlets.c.tenant_id == tenant.id, same)
    )
    if taken is not None:
        raise AlreadyExists("outlet", taken)
    await conn.execute(sa.insert(outlets).values(**_fields(outlet), tenant_id=tenant.id))
    await _publish(conn, tenant, outlet, now_ms)
    return outlet


async def update_outlet_settings(
    conn: AsyncConnection, tenant: Tenant, code: str, settings: Any, *, now_ms: int
) -> Outlet:
    """Replace an outlet's settings (offline card limits) and republish its document.

    Raises:
        NotFound: the tenant has no such outlet.
        DocumentInvalid: settings the devices could not use.
    """
    outlet = await tenancy.outlet_by_code(conn, tenant, code)
    new = _settings(code, settings)
    await conn.execute(sa.update(outlets).where(outlets.c.id == outlet.id).values(settings=new))
    updated = tenancy.Outlet(**{**_fields(outlet), "settings": new})
    await _publish(conn, tenant, updated, now_ms)
    return updated


async def list_outlets(conn: AsyncConnection, tenant: Tenant) -> list[Outlet]:
    """The tenant's outlets, by code."""
    query = sa.select(outlets).where(outlets.c.tenant_id == tenant.id).order_by(outlets.c.code)
    return [tenancy.outlet_of(row) for row in await conn.execute(query)]


def outlet_document(outlet: Outlet) -> dict[str, Any]:
    """The ``ref.outlet`` document devices read for this outlet."""
    doc = {"name": outlet.name, "currency": outlet.currency, "timezone": outlet.timezone}
    return {**doc, **outlet.settings}


def _settings(code: str, settings: Any) -> dict[str, Any]:
    return documents.validate_settings(code, {} if settings is None else settings)


async def _publish(conn: AsyncConnection, tenant: Tenant, outlet: Outlet, now_ms: int) -> None:
    doc = outlet_document(outlet)
    await reference.put(conn, tenant, "outlet", outlet.code, doc, now_ms=now_ms)


def _fields(record: Tenant | Outlet) -> dict[str, Any]:
    return dataclasses.asdict(record)
