"""Admin API: the tenant's admin tokens, issued with an expiry, listed, revoked.

A listing never shows a token or its digest; a new token is shown once, in the answer
to its creation.
"""

from __future__ import annotations

from litestar import get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from cloud_hub.http import admin_schemas as schemas
from cloud_hub.http.admin_answers import Me
from cloud_hub.http.admin_context import AnyRequest, CallerTenant, bearer, now_ms, transaction
from cloud_hub.http.idempotency import once
from cloud_hub.http.openapi import admin_op
from cloud_hub.services import admin_tokens
from cloud_hub.services.admin_tokens import AdminToken, IssuedToken
from cloud_hub.services.errors import InvalidInput, NotFound


@get(
    "/admin-tokens",
    **admin_op(
        "List admin tokens",
        "The tenant's admin tokens, revoked and expired ones included, never with a secret.",
    ),
)
async def list_admin_tokens(tenant: CallerTenant, state: State) -> list[AdminToken]:
    """The tenant's admin tokens, revoked and expired ones included, without secrets."""
    async with transaction(state) as conn:
        return await admin_tokens.list_tokens(conn, tenant)


@post(
    "/admin-tokens",
    status_code=201,
    **admin_op(
        "Issue an admin token",
        "Issue another admin token for the tenant, expiring after `expires_days` (at most "
        "366); its secret is shown only in this answer.",
        errors=(InvalidInput,),
        body=True,
        idempotent=True,
    ),
)
async def create_admin_token(
    data: JSONBody[schemas.NewAdminToken], tenant: CallerTenant, state: State, request: AnyRequest
) -> IssuedToken:
    """Issue another admin token for the tenant; its secret is shown only here."""
    async with once(request, tenant.id) as unit:
        issued = await admin_tokens.issue(
            unit.conn, tenant, data.name, now_ms=now_ms(state), expires_days=data.expires_days
        )
        return await unit.answer(issued)


@post(
    "/admin-tokens/{token_id:str}/revoke",
    status_code=200,
    **admin_op(
        "Revoke an admin token",
        "Revoke one of the tenant's admin tokens: it is refused from the next request on.",
        errors=(NotFound,),
        params=True,
        idempotent=True,
    ),
)
async def revoke_admin_token(
    token_id: FromPath[str], tenant: CallerTenant, state: State, request: AnyRequest
) -> AdminToken:
    """Revoke one of the tenant's admin tokens: it is refused from the next request on."""
    async with once(request, tenant.id) as unit:
        revoked = await admin_tokens.revoke(unit.conn, token_id, tenant, now_ms=now_ms(state))
        return await unit.answer(revoked)


@get(
    "/me",
    **admin_op(
        "Who am I",
        "Who the admin credential of the request is: the token's id and name, its scope "
        "and tenant, its expiry, and what it may do.",
    ),
)
async def me(tenant: CallerTenant, state: State, request: AnyRequest) -> Me:
    """The calling admin credential."""
    async with transaction(state) as conn:
        found = await admin_tokens.whoami(conn, bearer(request), tenant)
    return Me(
        found.id,
        found.name,
        found.scope,
        tenant.slug,
        tenant.name,
        tenant.currency,
        found.expires_ms,
        found.fingerprint,
        list(admin_tokens.TENANT_PERMISSIONS),
    )


TOKEN_HANDLERS = [list_admin_tokens, create_admin_token, revoke_admin_token, me]
