"""Admin API for what managers watch and settle: sync status, conflicts, quarantine
(list, release, discard), settlement."""

from __future__ import annotations

import msgspec
from litestar import get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from cloud_hub.http import admin_schemas as schemas
from cloud_hub.http.admin_context import AnyRequest, CallerTenant, bearer, now_ms, transaction
from cloud_hub.http.idempotency import once
from cloud_hub.http.openapi import admin_op
from cloud_hub.services import conflicts, monitoring, quarantine, registry, settlement
from cloud_hub.services.errors import (
    ConflictResolved,
    InvalidInput,
    Malformed,
    NotFound,
    QuarantineSettled,
    StillRefused,
)
from cloud_hub.services.tenancy import Tenant


@get(
    "/sync/status",
    **admin_op(
        "Sync status of an outlet",
        "Per device of the outlet: last contact, ops pending and not yet pulled, and clock "
        "skew (milliseconds).",
        errors=(NotFound,),
        params=True,
    ),
)
async def sync_status(
    outlet: FromQuery[str], tenant: CallerTenant, state: State
) -> monitoring.OutletSync:
    """Per device of the outlet: last contact, pending and unpulled ops, clock skew."""
    async with transaction(state) as conn:
        return await monitoring.outlet_sync(conn, tenant, outlet, now_ms=now_ms(state))


@get(
    "/conflicts",
    **admin_op(
        "List conflicts",
        "The tenant's conflicts (open ones unless `resolved=true`), with each write's value.",
        errors=(NotFound,),
        params=True,
    ),
)
async def list_conflicts(
    tenant: CallerTenant,
    state: State,
    outlet: FromQuery[str | None] = None,
    resolved: FromQuery[bool] = False,
) -> list[conflicts.ConflictView]:
    """The tenant's conflicts (open ones unless ``resolved=true``), with each write's value."""
    async with transaction(state) as conn:
        return await conflicts.list_conflicts(conn, tenant, outlet_code=outlet, resolved=resolved)


@post(
    "/conflicts/{conflict_id:str}/resolve",
    status_code=200,
    **admin_op(
        "Resolve a conflict",
        "Settle a conflict with one write's value (`op_id`) or a new `value` (exactly one), "
        "written as a synced edit.",
        errors=(NotFound, ConflictResolved, InvalidInput, Malformed),
        body=True,
        params=True,
        idempotent=True,
    ),
)
async def resolve_conflict(
    conflict_id: FromPath[str],
    data: JSONBody[schemas.Resolve],
    tenant: CallerTenant,
    state: State,
    request: AnyRequest,
) -> conflicts.Resolution:
    """Settle a conflict with one write's value or a new one, as a synced edit."""
    if (data.op_id is None) == (data.value is msgspec.UNSET):
        raise Malformed("give exactly one of 'op_id' (a write to keep) and 'value'")
    value = None if data.value is msgspec.UNSET else data.value
    async with once(request, tenant.id) as unit:
        written = await conflicts.resolve(
            unit.conn,
            tenant,
            conflict_id,
            choose=data.op_id,
            value=value,
            now_ms=now_ms(state),
        )
        return await unit.answer(written)


@get(
    "/quarantine",
    **admin_op(
        "List quarantined ops",
        "Ops the hub set aside (malformed, read-only entity, clock drift...), newest first; "
        "`status` picks `held`, `released` or `discarded` ones.",
        errors=(NotFound, InvalidInput),
        params=True,
    ),
)
async def list_quarantine(
    tenant: CallerTenant,
    state: State,
    outlet: FromQuery[str | None] = None,
    status: FromQuery[str | None] = None,
) -> list[monitoring.Quarantined]:
    """Ops the hub set aside (malformed, read-only, clock drift...), newest first;
    ``status`` picks ``held``, ``released`` or ``discarded`` ones."""
    async with transaction(state) as conn:
        return await monitoring.quarantined(conn, tenant, outlet, status)


@post(
    "/quarantine/{entry_id:str}/release",
    status_code=200,
    **admin_op(
        "Release a quarantined op",
        "Merge a held op into its outlet's log, which every device then pulls; audited.",
        errors=(NotFound, QuarantineSettled, StillRefused),
        body=True,
        params=True,
        idempotent=True,
    ),
)
async def release_quarantined(
    entry_id: FromPath[str],
    data: JSONBody[schemas.Settle],
    tenant: CallerTenant,
    state: State,
    request: AnyRequest,
) -> quarantine.Settled:
    """Merge a held op into its outlet's log (every device pulls it); audited."""
    return await _settle(quarantine.release, entry_id, data, tenant, state, request)


@post(
    "/quarantine/{entry_id:str}/discard",
    status_code=200,
    **admin_op(
        "Discard a quarantined op",
        "Keep a held op for the record but never merge it; audited.",
        errors=(NotFound, QuarantineSettled),
        body=True,
        params=True,
        idempotent=True,
    ),
)
async def discard_quarantined(
    entry_id: FromPath[str],
    data: JSONBody[schemas.Settle],
    tenant: CallerTenant,
    state: State,
    request: AnyRequest,
) -> quarantine.Settled:
    """Keep a held op for the record but never merge it; audited."""
    return await _settle(quarantine.discard, entry_id, data, tenant, state, request)


async def _settle(
    action: quarantine.Settle,
    entry_id: str,
    data: schemas.Settle,
    tenant: Tenant,
    state: State,
    request: AnyRequest,
) -> quarantine.Settled:
    async with once(request, tenant.id) as unit:
        who = await registry.admin_name(unit.conn, bearer(request))
        settled = await action(
            unit.conn, tenant, entry_id, by=who, note=data.note, now_ms=now_ms(state)
        )
        return await unit.answer(settled)


@get(
    "/reports/settlement",
    **admin_op(
        "Settlement report of a day",
        "Payments by method, refunds, tips, pending confirmations and money conflicts of "
        "one outlet's local day; every figure in minor units, and they add up.",
        errors=(NotFound, InvalidInput),
        params=True,
    ),
)
async def settlement_report(
    outlet: FromQuery[str], day: FromQuery[str], tenant: CallerTenant, state: State
) -> settlement.Settlement:
    """Payments by method, refunds, tips and pending confirmations of one local day."""
    async with transaction(state) as conn:
        return await settlement.settlement(conn, tenant, outlet, day)


REPORT_HANDLERS = [
    sync_status,
    list_conflicts,
    resolve_conflict,
    list_quarantine,
    release_quarantined,
    discard_quarantined,
    settlement_report,
]
