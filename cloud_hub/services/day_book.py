"""An outlet's day on the hub: its tickets and its payments, page by page, with totals.

"Is this ticket (this payment) on the hub?" is answered here. A ticket belongs to the
local day it was opened on, a payment or refund to the local day of its HLC wall time
(as in the settlement report); days are the outlet's calendar days. Pages run in a
stable order, oldest first, and continue after an opaque cursor (the last row's sort
key), so a page is never shifted by ticket rows that arrive meanwhile elsewhere in the
day. Totals are over the whole day, not the page; every figure is minor units.
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.services import settlement, tenancy, tickets
from cloud_hub.services.errors import Malformed, NotFound
from cloud_hub.services.tenancy import Outlet, Tenant
from cloud_hub.store.models import outlets, payments
from cloud_hub.store.models import tickets as ticket_rows
from sync_protocol.hlc import LOGICAL_BITS

MAX_LIMIT = 500
DEFAULT_LIMIT = 100

_Minor = msgspec.Meta(description="Money in minor units of the currency (cents).")
_Cursor = msgspec.Meta(
    description="Cursor of the next page (pass it back as `cursor`); null on the last page."
)


class _Day(msgspec.Struct, frozen=True, kw_only=True):
    outlet: Annotated[str, msgspec.Meta(description="The outlet's code.")]
    day: Annotated[str, msgspec.Meta(description="The local day, YYYY-MM-DD.")]
    timezone: Annotated[str, msgspec.Meta(description="The outlet's IANA time zone.")]
    currency: Annotated[str, msgspec.Meta(description="The outlet's currency (ISO 4217).")]
    from_ms: Annotated[
        int, msgspec.Meta(description="Start of the day: Unix milliseconds (UTC), inclusive.")
    ]
    to_ms: Annotated[
        int, msgspec.Meta(description="End of the day: Unix milliseconds (UTC), exclusive.")
    ]
    next_cursor: Annotated[str | None, _Cursor]


class TicketTotals(msgspec.Struct, frozen=True):
    """Sums over every ticket opened on the day (not only the page)."""

    count: Annotated[int, msgspec.Meta(ge=0, description="Tickets opened on the day.")]
    total: Annotated[int, _Minor]
    paid: Annotated[int, _Minor]
    pending: Annotated[int, _Minor]
    refunded: Annotated[int, _Minor]
    balance: Annotated[int, _Minor]
    money_conflicts: Annotated[
        int, msgspec.Meta(ge=0, description="Tickets of the day with a money conflict.")
    ]


class TicketPage(_Day, frozen=True, kw_only=True):
    """``GET /api/v1/outlets/{outlet}/tickets``: one page of the day's tickets."""

    tickets: list[tickets.TicketView]
    totals: TicketTotals


class PaymentView(tickets.TenderView, frozen=True, kw_only=True):
    """A payment or refund as the hub holds it: a ticket's tender, and where and when."""

    ticket_id: Annotated[str, msgspec.Meta(description="The ticket it belongs to.")]
    outlet: Annotated[str, msgspec.Meta(description="The outlet's code.")]
    recorded_ms: Annotated[
        int,
        msgspec.Meta(
            description="When the till recorded it (HLC wall time): Unix milliseconds (UTC)."
        ),
    ]


class PaymentPage(_Day, frozen=True, kw_only=True):
    """``GET /api/v1/outlets/{outlet}/payments``: one page of the day's payments and refunds."""

    payments: list[PaymentView]
    totals: settlement.Totals


async def ticket_page(
    conn: AsyncConnection,
    tenant: Tenant,
    outlet_code: str,
    day: str,
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> TicketPage:
    """One page of the tickets opened at an outlet on a local day, and the day's totals.

    Raises:
        NotFound: the tenant has no such outlet.
        InvalidInput: a bad day.
        Malformed: a cursor this listing did not give, or a limit out of 1..500.
    """
    outlet, start, end = await _day(conn, tenant, outlet_code, day, limit)
    in_day = sa.and_(
        ticket_rows.c.tenant_id == tenant.id,
        ticket_rows.c.outlet_id == outlet.id,
        ticket_rows.c.opened_ms >= start,
        ticket_rows.c.opened_ms < end,
    )
    query = tickets.select_views().where(in_day)
    if cursor is not None:
        after_ms, after_id = _read_cursor(cursor)
        key = sa.tuple_(ticket_rows.c.opened_ms, ticket_rows.c.id)
        query = query.where(key > sa.tuple_(sa.literal(after_ms), sa.literal(after_id)))
    query = query.order_by(ticket_rows.c.opened_ms, ticket_rows.c.id).limit(limit + 1)
    rows = (await conn.execute(query)).all()
    views = [tickets.view_of(row) for row in rows[:limit]]
    more = len(rows) > limit
    last = views[-1] if views and more else None
    return TicketPage(
        **_header(outlet, day, start, end),
        next_cursor=None if last is None else _cursor(last.opened_ms or 0, last.id),
        tickets=views,
        totals=await _ticket_totals(conn, in_day),
    )


async def payment_page(
    conn: AsyncConnection,
    tenant: Tenant,
    outlet_code: str,
    day: str,
    *,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> PaymentPage:
    """One page of an outlet's payments and refunds of a local day, and the day's totals
    (those of the settlement report).

    Raises:
        NotFound: the tenant has no such outlet.
        InvalidInput: a bad day.
        Malformed: a cursor this listing did not give, or a limit out of 1..500.
    """
    outlet, start, end = await _day(conn, tenant, outlet_code, day, limit)
    query = _payments().where(
        payments.c.tenant_id == tenant.id,
        payments.c.outlet_id == outlet.id,
        payments.c.hlc >= start << LOGICAL_BITS,
        payments.c.hlc < end << LOGICAL_BITS,
    )
    if cursor is not None:
        after_hlc, after_id = _read_cursor(cursor)
        key = sa.tuple_(payments.c.hlc, payments.c.id)
        query = query.where(key > sa.tuple_(sa.literal(after_hlc), sa.literal(after_id)))
    query = query.order_by(payments.c.hlc, payments.c.id).limit(limit + 1)
    rows = (await conn.execute(query)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    report = await settlement.settlement(conn, tenant, outlet.code, day)
    return PaymentPage(
        **_header(outlet, day, start, end),
        next_cursor=_cursor(rows[-1].hlc, rows[-1].id) if rows and more else None,
        payments=[_payment(row) for row in rows],
        totals=report.totals,
    )


async def get_payment(conn: AsyncConnection, tenant: Tenant, payment_id: str) -> PaymentView:
    """One of the tenant's payments or refunds.

    Raises:
        NotFound: the tenant has no payment or refund with this id.
    """
    query = _payments().where(payments.c.tenant_id == tenant.id, payments.c.id == payment_id)
    row = (await conn.execute(query)).first()
    if row is None:
        raise NotFound("payment", payment_id)
    return _payment(row)


async def _day(
    conn: AsyncConnection, tenant: Tenant, outlet_code: str, day: str, limit: int
) -> tuple[Outlet, int, int]:
    if not 1 <= limit <= MAX_LIMIT:
        raise Malformed(f"limit must be between 1 and {MAX_LIMIT}")
    outlet = await tenancy.outlet_by_code(conn, tenant, outlet_code)
    start, end = settlement.day_bounds(day, outlet.timezone)
    return outlet, start, end


def _header(outlet: Outlet, day: str, start: int, end: int) -> dict[str, Any]:
    return {
        "outlet": outlet.code,
        "day": day,
        "timezone": outlet.timezone,
        "currency": outlet.currency,
        "from_ms": start,
        "to_ms": end,
    }


async def _ticket_totals(conn: AsyncConnection, in_day: sa.ColumnElement[bool]) -> TicketTotals:
    def total(column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        return sa.func.coalesce(sa.func.sum(column), 0)

    row = (
        await conn.execute(
            sa.select(
                sa.func.count(),
                total(ticket_rows.c.total),
                total(ticket_rows.c.paid),
                total(ticket_rows.c.pending),
                total(ticket_rows.c.refunded),
                total(ticket_rows.c.balance),
                sa.func.count(ticket_rows.c.money_conflict),
            ).where(in_day)
        )
    ).one()
    return TicketTotals(*(int(value) for value in row))


def _payments() -> sa.Select[Any]:
    return sa.select(payments, outlets.c.code.label("outlet")).join(
        outlets, outlets.c.id == payments.c.outlet_id
    )


def _payment(row: Any) -> PaymentView:
    return PaymentView(
        row.id,
        row.kind,
        row.method,
        int(row.amount),
        int(row.tip),
        row.status,
        row.reference,
        row.device_id,
        ticket_id=row.ticket_id,
        outlet=row.outlet,
        recorded_ms=int(row.hlc) >> LOGICAL_BITS,
    )


def _cursor(position: int, row_id: str) -> str:
    raw = msgspec.json.encode([position, row_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _read_cursor(cursor: str) -> tuple[int, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        position, row_id = msgspec.json.decode(raw, type=tuple[int, str])
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise Malformed(f"cursor {cursor[:40]!r} was not given by this listing") from None
    return position, row_id
