"""Admin tokens: issued with a scope and an expiry, listed without secrets, revoked.

A token is shown once, when issued; the hub keeps its SHA-256 only (a token is 32 random
bytes, so a fast hash is enough: there is nothing to brute-force). A listing names a
token by its ``id``, holder name, scope, times and the first 8 hex digits of its digest
(the prefix audit trails carry), never by the token or its full digest.

Scopes: ``tenant`` administers one tenant; ``operator`` creates tenants, as the
``POS_HUB_ADMIN_TOKEN`` token does. A revoked or expired token is refused with its own
code, so its holder knows to ask for a new one. The demo's public token is never stored
(``cloud_hub.services.demo``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.services import credentials, identifiers, tenancy
from cloud_hub.services.errors import (
    AdminTokenExpired,
    AdminTokenRevoked,
    InvalidInput,
    NotFound,
    Unauthorized,
)
from cloud_hub.services.tenancy import Tenant
from cloud_hub.store.models import admin_credentials, tenants
from sync_protocol import uuid7

TENANT, OPERATOR = "tenant", "operator"
DAY_MS = 86_400_000
DEFAULT_EXPIRY_DAYS = 90
MAX_EXPIRY_DAYS = 366
#: What a token of scope ``tenant`` may do: every admin operation of its own tenant.
TENANT_PERMISSIONS = (
    "outlets",
    "devices",
    "enrollment_codes",
    "catalog",
    "roles",
    "staff",
    "tickets",
    "payments",
    "conflicts",
    "quarantine",
    "reports",
    "sync_status",
    "admin_tokens",
)


@dataclass(frozen=True, slots=True)
class AdminToken:
    """An admin token as listed: everything but the secret."""

    id: str
    name: str
    scope: str
    tenant: str | None
    fingerprint: str
    created_ms: int
    expires_ms: int | None
    revoked_ms: int | None


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new admin token and its secret, shown this once."""

    id: str
    name: str
    scope: str
    tenant: str | None
    expires_ms: int | None
    token: str


async def issue(
    conn: AsyncConnection,
    tenant: Tenant | None,
    name: str,
    *,
    now_ms: int,
    expires_days: int | None = DEFAULT_EXPIRY_DAYS,
    token: str | None = None,
) -> IssuedToken:
    """Issue an admin token for ``tenant`` (scope ``tenant``), or operator-wide when None.

    Args:
        expires_days: 1 to ``MAX_EXPIRY_DAYS``; None (a tenant's first token) never expires.
        token: a fixed secret; a fresh random one otherwise.

    Raises:
        InvalidInput: a bad name or expiry.
    """
    name = identifiers.name(name, "token name")
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        raise InvalidInput(f"an admin token expires after 1 to {MAX_EXPIRY_DAYS} days")
    secret = token or credentials.new_token()
    expires_ms = None if expires_days is None else now_ms + expires_days * DAY_MS
    token_id, scope = str(uuid7(now_ms)), TENANT if tenant else OPERATOR
    await conn.execute(
        sa.insert(admin_credentials).values(
            id=token_id,
            token_hash=credentials.digest(secret),
            tenant_id=tenant.id if tenant else None,
            scope=scope,
            name=name,
            created_ms=now_ms,
            expires_ms=expires_ms,
        )
    )
    slug = tenant.slug if tenant else None
    return IssuedToken(token_id, name, scope, slug, expires_ms, secret)


async def list_tokens(conn: AsyncConnection, tenant: Tenant | None) -> list[AdminToken]:
    """The tenant's admin tokens (every token of the hub when None), oldest first."""
    query = _listing()
    if tenant is not None:
        query = query.where(admin_credentials.c.tenant_id == tenant.id)
    query = query.order_by(admin_credentials.c.created_ms, admin_credentials.c.id)
    return [_token(row) for row in await conn.execute(query)]


async def revoke(
    conn: AsyncConnection, token_id: str, tenant: Tenant | None, *, now_ms: int
) -> AdminToken:
    """Revoke a token: it is refused from now on. Revoking it again changes nothing.

    Args:
        tenant: the caller's tenant (only its tokens are found); None for the operator.

    Raises:
        NotFound: no such token (in the caller's tenant).
    """
    mine = admin_credentials.c.id == token_id
    if tenant is not None:
        mine = sa.and_(mine, admin_credentials.c.tenant_id == tenant.id)
    await conn.execute(
        sa.update(admin_credentials)
        .where(mine, admin_credentials.c.revoked_ms.is_(None))
        .values(revoked_ms=now_ms)
    )
    row = (await conn.execute(_listing().where(mine))).first()
    if row is None:
        raise NotFound("admin token", token_id)
    return _token(row)


async def whoami(conn: AsyncConnection, token: str | None, tenant: Tenant) -> AdminToken:
    """The stored record of an admin token already authenticated for ``tenant``; the
    demo's public token, which is never stored, is described as ``demo``."""
    digest = credentials.digest(token or "")
    query = _listing().where(
        admin_credentials.c.token_hash == digest, admin_credentials.c.tenant_id == tenant.id
    )
    row = (await conn.execute(query)).first()
    if row is None:
        return AdminToken(
            "demo", "demo admin token", TENANT, tenant.slug, digest[:8], 0, None, None
        )
    return _token(row)


async def authenticate(
    conn: AsyncConnection, token: str | None, scope: str, *, now_ms: int
) -> Tenant | None:
    """Check a bearer token of ``scope``; return its tenant (None for an operator token).

    Raises:
        Unauthorized: no token, an unknown one, or one of another scope.
        AdminTokenRevoked: the token was revoked.
        AdminTokenExpired: the token is past its expiry.
    """
    if not token:
        raise Unauthorized("send an admin token as 'Authorization: Bearer <token>'")
    row = (
        await conn.execute(
            sa.select(admin_credentials).where(
                admin_credentials.c.token_hash == credentials.digest(token)
            )
        )
    ).first()
    if row is None or row.scope != scope:
        raise Unauthorized(f"unknown admin token, or not one of scope {scope!r}")
    if row.revoked_ms is not None:
        raise AdminTokenRevoked("this admin token was revoked")
    if row.expires_ms is not None and row.expires_ms <= now_ms:
        raise AdminTokenExpired("this admin token has expired; ask for a new one")
    return None if row.tenant_id is None else await tenancy.tenant_by_id(conn, row.tenant_id)


def _listing() -> sa.Select[Any]:
    return sa.select(admin_credentials, tenants.c.slug).outerjoin(
        tenants, tenants.c.id == admin_credentials.c.tenant_id
    )


def _token(row: Any) -> AdminToken:
    return AdminToken(
        row.id,
        row.name,
        row.scope,
        row.slug,
        row.token_hash[:8],
        row.created_ms,
        row.expires_ms,
        row.revoked_ms,
    )
