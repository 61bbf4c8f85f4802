"""Admin API: tenants, outlets, enrollment codes and devices.

Thin handlers: decode, call one use case inside one transaction, return its result.
Every route under the admin router needs an admin token; its tenant scopes everything.
Creating requests (POST, PUT) run once per ``Idempotency-Key`` (``http/idempotency.py``).
"""

from __future__ import annotations

from typing import Any

from litestar import Router, get, post, put
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from cloud_hub.http import admin_schemas as schemas
from cloud_hub.http.admin_context import (
    ADMIN_DEPENDENCIES,
    AnyRequest,
    CallerTenant,
    admin_guard,
    now_ms,
    operator_guard,
    transaction,
)
from cloud_hub.http.idempotency import once
from cloud_hub.http.openapi import OPERATOR, admin_op
from cloud_hub.services import devices, enrollment, registry, tenancy
from cloud_hub.services.errors import (
    AlreadyExists,
    DeviceCodeTaken,
    DocumentInvalid,
    InvalidInput,
    NotFound,
)
from cloud_hub.services.tenancy import Outlet

JSONObject = dict[str, Any]


@post(
    "/api/v1/tenants",
    guards=[operator_guard],
    status_code=201,
    **admin_op(
        "Create a tenant",
        "Create a tenant with its first admin token, which is shown only in this answer. "
        "Hub operator only.",
        errors=(InvalidInput, AlreadyExists),
        body=True,
        idempotent=True,
        credential=OPERATOR,
    ),
)
async def create_tenant(
    data: JSONBody[schemas.NewTenant], state: State, request: AnyRequest
) -> schemas.TenantCreated:
    """Create a tenant (hub operator only); its first admin token is shown only here."""
    async with once(request, "operator") as unit:
        tenant, token = await registry.create_tenant(
            unit.conn, data.slug, data.name, data.currency, now_ms=now_ms(state)
        )
        return await unit.answer(
            schemas.TenantCreated(tenant.slug, tenant.name, tenant.currency, token)
        )


@get("/outlets", **admin_op("List outlets", "The tenant's outlets, by code."))
async def list_outlets(tenant: CallerTenant, state: State) -> list[Outlet]:
    """The tenant's outlets."""
    async with transaction(state) as conn:
        return await registry.list_outlets(conn, tenant)


@post(
    "/outlets",
    status_code=201,
    **admin_op(
        "Create an outlet",
        "Create an outlet; its settings document is published to the tenant's devices. "
        "The currency defaults to the tenant's.",
        errors=(InvalidInput, DocumentInvalid, AlreadyExists),
        body=True,
        idempotent=True,
    ),
)
async def create_outlet(
    data: JSONBody[schemas.NewOutlet], tenant: CallerTenant, state: State, request: AnyRequest
) -> Outlet:
    """Create an outlet and publish its settings document to the tenant's devices."""
    async with once(request, tenant.id) as unit:
        written = await registry.create_outlet(
            unit.conn,
            tenant,
            data.code,
            data.name,
            data.timezone,
            currency=data.currency,
            settings=data.settings,
            now_ms=now_ms(state),
        )
        return await unit.answer(written)


@get(
    "/outlets/{code:str}",
    **admin_op(
        "Get an outlet", "One outlet of the tenant, by code.", errors=(NotFound,), params=True
    ),
)
async def get_outlet(code: FromPath[str], tenant: CallerTenant, state: State) -> Outlet:
    """One of the tenant's outlets."""
    async with transaction(state) as conn:
        return await tenancy.outlet_by_code(conn, tenant, code)


@put(
    "/outlets/{code:str}/settings",
    **admin_op(
        "Replace an outlet's settings",
        "Replace an outlet's settings (offline card limits, pay-out limit, sessions); "
        "devices receive them on their next pull.",
        errors=(NotFound, DocumentInvalid),
        body=True,
        params=True,
        idempotent=True,
    ),
)
async def put_outlet_settings(
    code: FromPath[str],
    data: JSONBody[JSONObject],
    tenant: CallerTenant,
    state: State,
    request: AnyRequest,
) -> Outlet:
    """Replace an outlet's settings (offline card limits); devices receive them on pull."""
    async with once(request, tenant.id) as unit:
        written = await registry.update_outlet_settings(
            unit.conn, tenant, code, data, now_ms=now_ms(state)
        )
        return await unit.answer(written)


@post(
    "/outlets/{code:str}/enrollment-codes",
    status_code=201,
    **admin_op(
        "Issue an enrollment code",
        "Issue a one-time code that enrolls one device at the outlet under the given "
        "device code; the code is shown only in this answer.",
        errors=(NotFound, InvalidInput, DeviceCodeTaken),
        body=True,
        params=True,
        idempotent=True,
    ),
)
async def issue_code(
    code: FromPath[str],
    data: JSONBody[schemas.NewEnrollmentCode],
    tenant: CallerTenant,
    state: State,
    request: AnyRequest,
) -> enrollment.IssuedCode:
    """Issue a one-time code that enrolls a device at the outlet (shown only here)."""
    async with once(request, tenant.id) as unit:
        written = await enrollment.issue(
            unit.conn,
            tenant,
            code,
            data.device_code,
            expires_hours=data.expires_hours,
            now_ms=now_ms(state),
        )
        return await unit.answer(written)


@get(
    "/devices",
    **admin_op(
        "List devices",
        "The tenant's enrolled devices, optionally of one outlet (`outlet`, a code).",
        errors=(NotFound,),
        params=True,
    ),
)
async def list_devices(
    tenant: CallerTenant, state: State, outlet: FromQuery[str | None] = None
) -> list[devices.Device]:
    """The tenant's devices, optionally of one outlet."""
    async with transaction(state) as conn:
        return await devices.list_devices(conn, tenant, outlet)


@post(
    "/devices/{device_id:str}/revoke",
    status_code=200,
    **admin_op(
        "Revoke a device",
        "Revoke a device: its credential is refused from the next request on.",
        errors=(NotFound,),
        params=True,
        idempotent=True,
    ),
)
async def revoke_device(
    device_id: FromPath[str], tenant: CallerTenant, state: State, request: AnyRequest
) -> devices.Device:
    """Revoke a device: its credential stops working at once."""
    async with once(request, tenant.id) as unit:
        written = await devices.revoke(unit.conn, tenant, device_id, now_ms=now_ms(state))
        return await unit.answer(written)


@post(
    "/devices/{device_id:str}/signout",
    status_code=200,
    **admin_op(
        "Sign out a device's sessions",
        "End every operator session open on a device now (synced to it as session control).",
        errors=(NotFound,),
        params=True,
        idempotent=True,
    ),
)
async def sign_out_device(
    device_id: FromPath[str], tenant: CallerTenant, state: State, request: AnyRequest
) -> devices.SignOut:
    """End every operator session open on a device now (synced as session control)."""
    async with once(request, tenant.id) as unit:
        written = await devices.sign_out(unit.conn, tenant, device_id, now_ms=now_ms(state))
        return await unit.answer(written)


def admin_router(*handlers: Any) -> Router:
    """The guarded ``/api/v1`` router with the registry handlers and ``handlers``."""
    return Router(
        "/api/v1",
        route_handlers=[
            list_outlets,
            create_outlet,
            get_outlet,
            put_outlet_settings,
            issue_code,
            list_devices,
            revoke_device,
            sign_out_device,
            *handlers,
        ],
        guards=[admin_guard],
        dependencies=ADMIN_DEPENDENCIES,
    )


#: Routes outside the admin router: they authenticate with the operator token.
OPEN_HANDLERS = [create_tenant]
