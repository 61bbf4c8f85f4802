"""Conflicts managers see and settle.

A conflict is two or more writes of one field made on the same version of it
(``sync_protocol.merge``). A manager settles it by choosing one write's value or giving
a new one; the hub writes that as a ``FieldEdit`` with ``resolves=[conflict_id]``, based
on the field's current version and stamped after every write of the entity, so it wins
the field and every replica shows the conflict resolved once it pulls the edit.

A ticket's money conflict (``kind`` ``overpaid``, ``balance_due`` or
``voided_with_payments``; ``field`` ``money``) is listed beside them while it is open.
It is derived from the ticket's merged facts, so it has no stored resolution: a till
settles it with a refund, a late payment or a reinstatement, and it is gone from every
replica once that op is merged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.services import hub_writer, tenancy
from cloud_hub.services.errors import ConflictResolved, InvalidInput, NotFound
from cloud_hub.services.tenancy import Tenant
from cloud_hub.services.tickets import money_conflict
from cloud_hub.store import oplog
from cloud_hub.store.models import conflicts, outlets, tickets
from sync_protocol import EntityState
from sync_protocol.values import check_value

PAGE = 500


@dataclass(frozen=True, slots=True)
class ConflictView:
    """A conflict and what each of its writes set."""

    conflict_id: str
    outlet: str | None
    entity: str
    entity_id: str
    field: str
    op_ids: list[str]
    winner: str
    values: dict[str, Any]
    resolved: bool
    detected_ms: int
    kind: str = "field"
    amount: int | None = None
    resolutions: list[str] | None = None


@dataclass(frozen=True, slots=True)
class Resolution:
    """The edit that settled a conflict."""

    conflict_id: str
    op_id: str
    field: str
    value: Any


async def list_conflicts(
    conn: AsyncConnection,
    tenant: Tenant,
    *,
    outlet_code: str | None = None,
    resolved: bool | None = False,
) -> list[ConflictView]:
    """The tenant's conflicts, newest first (at most 500); open ones by default.

    Open money conflicts are listed unless only resolved conflicts are asked for.

    Raises:
        NotFound: ``outlet_code`` names no outlet of the tenant.
    """
    query = (
        sa.select(conflicts, outlets.c.code.label("outlet"))
        .outerjoin(outlets, outlets.c.id == conflicts.c.outlet_id)
        .where(conflicts.c.tenant_id == tenant.id)
        .order_by(conflicts.c.detected_ms.desc(), conflicts.c.conflict_id)
        .limit(PAGE)
    )
    outlet_id = None
    if outlet_code is not None:
        outlet_id = (await tenancy.outlet_by_code(conn, tenant, outlet_code)).id
        query = query.where(conflicts.c.outlet_id == outlet_id)
    if resolved is not None:
        query = query.where(conflicts.c.resolved == resolved)
    views = []
    for row in (await conn.execute(query)).all():
        state = await _entity_state(conn, tenant, row.entity, row.entity_id)
        writes = state.writes.get(row.field, {})
        values = {op_id: writes[op_id].value for op_id in row.op_ids if op_id in writes}
        views.append(
            ConflictView(
                row.conflict_id,
                row.outlet,
                row.entity,
                row.entity_id,
                row.field,
                list(row.op_ids),
                row.winner,
                values,
                bool(row.resolved),
                row.detected_ms,
            )
        )
    if resolved is not True:
        views += await _money_conflicts(conn, tenant, outlet_id)
        views.sort(key=lambda v: (-v.detected_ms, v.conflict_id))
    return views[:PAGE]


async def _money_conflicts(
    conn: AsyncConnection, tenant: Tenant, outlet_id: str | None
) -> list[ConflictView]:
    query = (
        sa.select(tickets, outlets.c.code.label("outlet"))
        .join(outlets, outlets.c.id == tickets.c.outlet_id)
        .where(tickets.c.tenant_id == tenant.id, tickets.c.money_conflict.is_not(None))
        .order_by(tickets.c.updated_ms.desc(), tickets.c.id)
        .limit(PAGE)
    )
    if outlet_id is not None:
        query = query.where(tickets.c.outlet_id == outlet_id)
    views = []
    for row in (await conn.execute(query)).all():
        money = money_conflict(row.id, row.money_conflict, row.money_conflict_amount)
        assert money is not None
        views.append(
            ConflictView(
                money.conflict_id,
                row.outlet,
                "ticket",
                row.id,
                "money",
                [],
                "",
                {},
                False,
                row.updated_ms,
                kind=money.kind,
                amount=money.amount,
                resolutions=money.resolutions,
            )
        )
    return views


async def resolve(
    conn: AsyncConnection,
    tenant: Tenant,
    conflict_id: str,
    *,
    choose: str | None = None,
    value: Any = None,
    now_ms: int,
) -> Resolution:
    """Settle a conflict with the value of one of its writes (``choose``) or a new value.

    Raises:
        NotFound: the tenant has no such conflict.
        ConflictResolved: it is settled already.
        InvalidInput: ``choose`` is not one of its writes, or ``value`` is no payload value.
    """
    await hub_writer.lock_writer(conn, tenant)
    row = (
        await conn.execute(
            sa.select(conflicts).where(
                conflicts.c.conflict_id == conflict_id, conflicts.c.tenant_id == tenant.id
            )
        )
    ).first()
    if row is None:
        raise NotFound("conflict", conflict_id)
    if row.resolved:
        raise ConflictResolved(f"conflict {conflict_id!r} is resolved already")
    state = await _entity_state(conn, tenant, row.entity, row.entity_id)
    chosen = _value(state, row, choose, value)
    outlet = await tenancy.outlet_by_id(conn, tenant, row.outlet_id) if row.outlet_id else None
    version = state.version(row.field)
    edit = await hub_writer.write_fields(
        conn,
        tenant,
        outlet,
        (row.entity, row.entity_id),
        {row.field: chosen},
        base={row.field: version} if version else None,
        resolves=(conflict_id,),
        floor_hlc=max((w.hlc for ws in state.writes.values() for w in ws.values()), default=0),
        now_ms=now_ms,
    )
    await conn.execute(
        sa.update(conflicts)
        .where(conflicts.c.tenant_id == tenant.id, conflicts.c.conflict_id == conflict_id)
        .values(resolved=True)
    )
    return Resolution(conflict_id, str(edit.op_id), row.field, chosen)


def _value(state: EntityState, row: Any, choose: str | None, value: Any) -> Any:
    if choose is not None:
        writes = state.writes.get(row.field, {})
        if choose not in row.op_ids or choose not in writes:
            raise InvalidInput(f"op {choose!r} is not one of the conflict's writes")
        return writes[choose].value
    try:
        # One level down, as the edit's ``changes`` will hold it.
        check_value(value, "value", depth=1)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    return value


async def _entity_state(
    conn: AsyncConnection, tenant: Tenant, entity: str, entity_id: str
) -> EntityState:
    states = await oplog.load_states(conn, tenant.id, [(entity, entity_id)])
    return states.get((entity, entity_id)) or EntityState(entity, entity_id)
