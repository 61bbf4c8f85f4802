"""The tickets' money as managers see it: totals, balance and money conflicts.

Read from the ``tickets`` and ``payments`` projections, which every store of ops keeps
up to date with ``sync_protocol.ticket_money`` (the fold every till runs too), so the
hub shows the same figures and the same money conflicts as the tills.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.services import tenancy
from cloud_hub.services.errors import NotFound
from cloud_hub.services.tenancy import Tenant
from cloud_hub.store.models import outlets, payments, tickets
from sync_protocol.ticket_money import RESOLUTIONS, money_conflict_id

PAGE = 500


@dataclass(frozen=True, slots=True)
class MoneyConflictView:
    """A ticket's broken money invariant and how a till settles it."""

    conflict_id: str
    kind: str
    amount: int
    resolutions: list[str]


@dataclass(frozen=True, slots=True)
class TenderView:
    """A payment or refund on a ticket."""

    id: str
    kind: str
    method: str
    amount: int
    tip: int
    status: str
    reference: str | None
    device_id: str


@dataclass(frozen=True, slots=True)
class TicketView:
    """A ticket's header, status and money."""

    id: str
    outlet: str
    receipt_no: str | None
    kind: str | None
    status: str
    reinstated: bool
    currency: str | None
    total: int
    paid: int
    pending: int
    refunded: int
    balance: int
    money_conflict: MoneyConflictView | None
    opened_ms: int | None
    updated_ms: int
    tenders: list[TenderView] = field(default_factory=list)


def money_conflict(ticket_id: str, kind: str | None, amount: int) -> MoneyConflictView | None:
    """The view of a ticket's stored money conflict (None when it has none)."""
    if kind is None:
        return None
    conflict_id = money_conflict_id(ticket_id, kind)
    return MoneyConflictView(conflict_id, kind, amount, list(RESOLUTIONS.get(kind, ())))


async def list_tickets(
    conn: AsyncConnection,
    tenant: Tenant,
    *,
    outlet_code: str | None = None,
    status: str | None = None,
    money_conflict_only: bool = False,
) -> list[TicketView]:
    """The tenant's tickets, newest first (at most 500), optionally filtered.

    Raises:
        NotFound: ``outlet_code`` names no outlet of the tenant.
    """
    query = _select().where(tickets.c.tenant_id == tenant.id)
    if outlet_code is not None:
        outlet = await tenancy.outlet_by_code(conn, tenant, outlet_code)
        query = query.where(tickets.c.outlet_id == outlet.id)
    if status is not None:
        query = query.where(tickets.c.status == status)
    if money_conflict_only:
        query = query.where(tickets.c.money_conflict.is_not(None))
    query = query.order_by(tickets.c.opened_ms.desc(), tickets.c.id).limit(PAGE)
    return [_view(row) for row in (await conn.execute(query)).all()]


async def get_ticket(conn: AsyncConnection, tenant: Tenant, ticket_id: str) -> TicketView:
    """One of the tenant's tickets with its payments and refunds.

    Raises:
        NotFound: the tenant has no such ticket.
    """
    query = _select().where(tickets.c.tenant_id == tenant.id, tickets.c.id == ticket_id)
    row = (await conn.execute(query)).first()
    if row is None:
        raise NotFound("ticket", ticket_id)
    tenders = await conn.execute(
        sa.select(payments)
        .where(payments.c.tenant_id == tenant.id, payments.c.ticket_id == ticket_id)
        .order_by(payments.c.hlc, payments.c.id)
    )
    view = _view(row)
    view.tenders.extend(
        TenderView(t.id, t.kind, t.method, t.amount, t.tip, t.status, t.reference, t.device_id)
        for t in tenders
    )
    return view


def _select() -> sa.Select[tuple[object, ...]]:
    return sa.select(tickets, outlets.c.code.label("outlet")).join(
        outlets, outlets.c.id == tickets.c.outlet_id
    )


def _view(row: sa.Row[tuple[object, ...]]) -> TicketView:
    data = row._mapping
    return TicketView(
        id=data["id"],
        outlet=data["outlet"],
        receipt_no=data["receipt_no"],
        kind=data["kind"],
        status=data["status"],
        reinstated=bool(data["reinstated"]),
        currency=data["currency"],
        total=int(data["total"]),
        paid=int(data["paid"]),
        pending=int(data["pending"]),
        refunded=int(data["refunded"]),
        balance=int(data["balance"]),
        money_conflict=money_conflict(
            data["id"], data["money_conflict"], int(data["money_conflict_amount"])
        ),
        opened_ms=data["opened_ms"],
        updated_ms=int(data["updated_ms"]),
    )
