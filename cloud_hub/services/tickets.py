"""The tickets' money as managers see it: totals, balance and money conflicts.

Read from the ``tickets`` and ``payments`` projections, which every store of ops keeps
up to date with ``sync_protocol.ticket_money`` (the fold every till runs too), so the
hub shows the same figures and the same money conflicts as the tills.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.services import tenancy
from cloud_hub.services.errors import NotFound
from cloud_hub.services.tenancy import Tenant
from cloud_hub.store.models import outlets, payments, tickets
from sync_protocol.ticket_money import RESOLUTIONS, money_conflict_id

PAGE = 500


_Minor = msgspec.Meta(description="Money in minor units of the ticket's currency (cents).")


class MoneyConflictView(msgspec.Struct, frozen=True):
    """A ticket's broken money invariant and how a till settles it."""

    conflict_id: Annotated[str, msgspec.Meta(description="The money conflict's id.")]
    kind: Annotated[
        str,
        msgspec.Meta(
            description="Which invariant: `overpaid`, `balance_due` or `voided_with_payments`."
        ),
    ]
    amount: Annotated[int, _Minor]
    resolutions: Annotated[
        list[str], msgspec.Meta(description="How a till may settle it (e.g. `refund`).")
    ]


class TenderView(msgspec.Struct, frozen=True):
    """A payment or refund on a ticket."""

    id: Annotated[str, msgspec.Meta(description="The payment's or refund's id.")]
    kind: Annotated[str, msgspec.Meta(description="`payment` or `refund`.")]
    method: Annotated[str, msgspec.Meta(description="Tender method: `cash`, `card`, `mpesa`...")]
    amount: Annotated[int, _Minor]
    tip: Annotated[int, _Minor]
    status: Annotated[str, msgspec.Meta(description="`confirmed`, `pending` or `declined`.")]
    reference: Annotated[
        str | None, msgspec.Meta(description="Authorization or SMS reference, if any.")
    ]
    device_id: Annotated[str, msgspec.Meta(description="The device that took it.")]


class TicketView(msgspec.Struct, frozen=True):
    """A ticket's header, status and money."""

    id: Annotated[str, msgspec.Meta(description="The ticket's id (a UUIDv7 made by the till).")]
    outlet: Annotated[str, msgspec.Meta(description="The outlet's code.")]
    receipt_no: Annotated[
        str | None, msgspec.Meta(description="Receipt number `OUTLET-DEVICE-SEQ`, once given.")
    ]
    kind: Annotated[str | None, msgspec.Meta(description="Ticket kind (e.g. `dine_in`).")]
    status: Annotated[
        str,
        msgspec.Meta(description="Lifecycle: open, sent, billed, paid, closed or voided."),
    ]
    reinstated: Annotated[bool, msgspec.Meta(description="A voided ticket taken back into use.")]
    currency: Annotated[str | None, msgspec.Meta(description="ISO 4217 currency code.")]
    total: Annotated[int, _Minor]
    paid: Annotated[int, _Minor]
    pending: Annotated[int, _Minor]
    refunded: Annotated[int, _Minor]
    balance: Annotated[int, _Minor]
    money_conflict: MoneyConflictView | None
    opened_ms: Annotated[
        int | None, msgspec.Meta(description="When it was opened: Unix milliseconds (UTC).")
    ]
    updated_ms: Annotated[
        int, msgspec.Meta(description="Last change on the hub: Unix milliseconds (UTC).")
    ]
    tenders: list[TenderView] = msgspec.field(default_factory=list)


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
    query = select_views().where(tickets.c.tenant_id == tenant.id)
    if outlet_code is not None:
        outlet = await tenancy.outlet_by_code(conn, tenant, outlet_code)
        query = query.where(tickets.c.outlet_id == outlet.id)
    if status is not None:
        query = query.where(tickets.c.status == status)
    if money_conflict_only:
        query = query.where(tickets.c.money_conflict.is_not(None))
    query = query.order_by(tickets.c.opened_ms.desc(), tickets.c.id).limit(PAGE)
    return [view_of(row) for row in (await conn.execute(query)).all()]


async def get_ticket(conn: AsyncConnection, tenant: Tenant, ticket_id: str) -> TicketView:
    """One of the tenant's tickets with its payments and refunds.

    Raises:
        NotFound: the tenant has no such ticket.
    """
    query = select_views().where(tickets.c.tenant_id == tenant.id, tickets.c.id == ticket_id)
    row = (await conn.execute(query)).first()
    if row is None:
        raise NotFound("ticket", ticket_id)
    tenders = await conn.execute(
        sa.select(payments)
        .where(payments.c.tenant_id == tenant.id, payments.c.ticket_id == ticket_id)
        .order_by(payments.c.hlc, payments.c.id)
    )
    view = view_of(row)
    view.tenders.extend(
        TenderView(t.id, t.kind, t.method, t.amount, t.tip, t.status, t.reference, t.device_id)
        for t in tenders
    )
    return view


def select_views() -> sa.Select[tuple[object, ...]]:
    return sa.select(tickets, outlets.c.code.label("outlet")).join(
        outlets, outlets.c.id == tickets.c.outlet_id
    )


def view_of(row: sa.Row[tuple[object, ...]]) -> TicketView:
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
