"""Admin API for the tickets' money: tickets and payments per outlet and day (paged,
with the day's totals), lookups by id, money conflicts, and confirming or declining a
pending tender (the path a treasury callback will take too).

Lookups are tenant-tight: the tenant is the credential's, and another tenant's ticket
or payment is 404 ``not_found`` as if it did not exist.
"""

from __future__ import annotations

from typing import Annotated

from litestar import get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from cloud_hub.http import admin_schemas as schemas
from cloud_hub.http.admin_context import AnyRequest, CallerTenant, now_ms, transaction
from cloud_hub.http.idempotency import once
from cloud_hub.http.openapi import admin_op
from cloud_hub.services import day_book, payments, tickets
from cloud_hub.services.errors import InvalidInput, NotFound, PaymentAlreadySettled

Day = Annotated[
    str, Parameter(description="The outlet's local calendar day, YYYY-MM-DD.", max_length=10)
]
Cursor = Annotated[
    str | None,
    Parameter(description="`next_cursor` of the previous page; leave out for the first page."),
]
Limit = Annotated[
    int,
    Parameter(description="Rows per page.", ge=1, le=day_book.MAX_LIMIT),
]
_PAGE_ERRORS = (NotFound, InvalidInput)


@get(
    "/tickets",
    **admin_op(
        "List tickets",
        "The tenant's tickets with their totals, newest first (at most 500); filter by "
        "outlet code, status, or `money_conflict=true` for flagged ones. For a whole day, "
        "paged, use `GET /api/v1/outlets/{outlet}/tickets`.",
        errors=(NotFound,),
        params=True,
    ),
)
async def list_tickets(
    tenant: CallerTenant,
    state: State,
    outlet: FromQuery[str | None] = None,
    status: FromQuery[str | None] = None,
    money_conflict: FromQuery[bool] = False,
) -> list[tickets.TicketView]:
    """Tickets with their totals, newest first; ``money_conflict=true`` for flagged ones."""
    async with transaction(state) as conn:
        return await tickets.list_tickets(
            conn, tenant, outlet_code=outlet, status=status, money_conflict_only=money_conflict
        )


@get(
    "/outlets/{outlet:str}/tickets",
    **admin_op(
        "List an outlet's tickets of a day",
        "The tickets opened at the outlet on a local day, oldest first, one page at a time, "
        "with the whole day's totals (minor units). Follow `next_cursor` until it is null.",
        errors=_PAGE_ERRORS,
        params=True,
    ),
)
async def outlet_tickets(
    outlet: FromPath[str],
    day: Day,
    tenant: CallerTenant,
    state: State,
    cursor: Cursor = None,
    limit: Limit = day_book.DEFAULT_LIMIT,
) -> day_book.TicketPage:
    """One page of an outlet's tickets of a day, and the day's totals."""
    async with transaction(state) as conn:
        return await day_book.ticket_page(conn, tenant, outlet, day, cursor=cursor, limit=limit)


@get(
    "/tickets/{ticket_id:str}",
    **admin_op(
        "Get a ticket",
        "Whether a ticket is on the hub, and its totals, money conflict, payments and "
        "refunds. 404 `not_found` when the tenant has no such ticket.",
        errors=(NotFound,),
        params=True,
    ),
)
async def get_ticket(
    ticket_id: FromPath[str], tenant: CallerTenant, state: State
) -> tickets.TicketView:
    """One ticket's totals, money conflict, payments and refunds."""
    async with transaction(state) as conn:
        return await tickets.get_ticket(conn, tenant, ticket_id)


@get(
    "/outlets/{outlet:str}/payments",
    **admin_op(
        "List an outlet's payments of a day",
        "The payments and refunds an outlet recorded on a local day, oldest first, one page "
        "at a time, with the day's settlement totals (minor units). Follow `next_cursor` "
        "until it is null.",
        errors=_PAGE_ERRORS,
        params=True,
    ),
)
async def outlet_payments(
    outlet: FromPath[str],
    day: Day,
    tenant: CallerTenant,
    state: State,
    cursor: Cursor = None,
    limit: Limit = day_book.DEFAULT_LIMIT,
) -> day_book.PaymentPage:
    """One page of an outlet's payments and refunds of a day, and the day's totals."""
    async with transaction(state) as conn:
        return await day_book.payment_page(conn, tenant, outlet, day, cursor=cursor, limit=limit)


@get(
    "/payments/{payment_id:str}",
    **admin_op(
        "Get a payment",
        "Whether a payment or refund is on the hub, and what it holds. 404 `not_found` "
        "when the tenant has no such payment.",
        errors=(NotFound,),
        params=True,
    ),
)
async def get_payment(
    payment_id: FromPath[str], tenant: CallerTenant, state: State
) -> day_book.PaymentView:
    """One payment or refund."""
    async with transaction(state) as conn:
        return await day_book.get_payment(conn, tenant, payment_id)


@post(
    "/payments/{payment_id:str}/confirm",
    status_code=200,
    **admin_op(
        "Confirm a pending tender",
        "Confirm a pending tender (card, mobile money); the tills pull the confirmation. "
        "Confirming it again changes nothing.",
        errors=(NotFound, InvalidInput, PaymentAlreadySettled),
        body=True,
        params=True,
        idempotent=True,
    ),
)
async def confirm_payment(
    payment_id: FromPath[str],
    data: JSONBody[schemas.ConfirmPayment],
    tenant: CallerTenant,
    state: State,
    request: AnyRequest,
) -> payments.PaymentSettled:
    """Confirm a pending tender; the tills pull the confirmation."""
    async with once(request, tenant.id) as unit:
        settled = await payments.settle_payment(
            unit.conn,
            tenant,
            payment_id,
            "confirmed",
            reference=data.reference,
            now_ms=now_ms(state),
        )
        return await unit.answer(settled)


@post(
    "/payments/{payment_id:str}/decline",
    status_code=200,
    **admin_op(
        "Decline a pending tender",
        "Decline a pending tender with a reason: it pays nothing, and its ticket owes the "
        "amount again.",
        errors=(NotFound, InvalidInput, PaymentAlreadySettled),
        body=True,
        params=True,
        idempotent=True,
    ),
)
async def decline_payment(
    payment_id: FromPath[str],
    data: JSONBody[schemas.DeclinePayment],
    tenant: CallerTenant,
    state: State,
    request: AnyRequest,
) -> payments.PaymentSettled:
    """Decline a pending tender: it pays nothing, and its ticket owes it again."""
    async with once(request, tenant.id) as unit:
        settled = await payments.settle_payment(
            unit.conn, tenant, payment_id, "declined", reason=data.reason, now_ms=now_ms(state)
        )
        return await unit.answer(settled)


MONEY_HANDLERS = [
    list_tickets,
    outlet_tickets,
    get_ticket,
    outlet_payments,
    get_payment,
    confirm_payment,
    decline_payment,
]
