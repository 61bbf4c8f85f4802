"""What admin handlers share: the transaction, the clock and who is calling.

``admin_guard`` runs before the body is read: it takes the tenant from the bearer
admin credential (never from the request) and leaves it on ``connection.state``, where
the ``tenant`` dependency finds it; the demo's public token counts only while the hub
runs with ``--demo``. ``operator_guard`` protects hub-operator endpoints (creating
tenants) with the token from ``POS_HUB_ADMIN_TOKEN`` or a stored operator-scope token.
"""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.handlers import BaseRouteHandler
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from cloud_hub.services import admin_tokens, demo, registry
from cloud_hub.services.errors import Unauthorized
from cloud_hub.services.live import Wakeups
from cloud_hub.services.tenancy import Tenant
from cloud_hub.store.oplog import WRITTEN_SCOPES


def bearer(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, if any."""
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def now_ms(state: State) -> int:
    """The hub clock's current Unix milliseconds."""
    clock: Callable[[], int] = state.clock
    return clock()


@asynccontextmanager
async def transaction(state: State) -> AsyncIterator[AsyncConnection]:
    """One unit of work: committed when the block ends, rolled back if it raises.

    Once it committed hub-written ops (reference data), the pulls waiting on their scopes
    are woken (``cloud_hub.services.live``).
    """
    engine: AsyncEngine = state.engine
    scopes: set[str] = set()
    async with engine.begin() as conn:
        conn.info[WRITTEN_SCOPES] = scopes
        try:
            yield conn
        finally:
            conn.info.pop(WRITTEN_SCOPES, None)  # the pooled connection outlives this
    wakeups: Wakeups | None = state.get("wakeups")
    if scopes and wakeups is not None:
        wakeups.notify(sorted(scopes))


async def admin_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Authenticate the admin credential and remember its tenant.

    Raises:
        Unauthorized: no admin token, or an unknown, revoked or expired one, or the
            demo token on a hub not running with ``--demo``.
    """
    state, token = connection.app.state, bearer(connection)
    async with transaction(state) as conn:
        tenant = await demo.admin_tenant(conn, token, running=state.demo is not None)
        tenant = tenant or await registry.authenticate_admin(conn, token, now_ms=now_ms(state))
        connection.state.tenant = tenant


async def operator_guard(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """Let only the hub operator through: the ``POS_HUB_ADMIN_TOKEN`` token, or a stored
    token of scope ``operator``.

    Raises:
        Unauthorized: the request carries neither (or a revoked or expired one).
    """
    expected: str | None = connection.app.state.operator_token
    given = bearer(connection)
    if expected and given and hmac.compare_digest(given.encode(), expected.encode()):
        return
    if not given:
        raise Unauthorized("creating tenants needs a hub operator token")
    state = connection.app.state
    async with transaction(state) as conn:
        await admin_tokens.authenticate(conn, given, admin_tokens.OPERATOR, now_ms=now_ms(state))


def _tenant(request: ASGIConnection[Any, Any, Any, Any]) -> Tenant:
    tenant: Tenant = request.state.tenant
    return tenant


#: The request, for handlers that need its headers or raw body (``Idempotency-Key``).
AnyRequest = Request[Any, Any, Any]

#: A handler parameter ``tenant: CallerTenant`` receives the caller's tenant.
CallerTenant = NamedDependency[Tenant]

#: Dependencies of guarded admin handlers: ``tenant`` is the caller's tenant.
ADMIN_DEPENDENCIES = {"tenant": Provide(_tenant, sync_to_thread=False)}
