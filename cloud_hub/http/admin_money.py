"""Admin API for the tickets' money: ticket totals and money conflicts, and confirming or
declining a pending tender (the path a treasury callback will take too).
"""

from __future__ import annotations

from litestar import get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from cloud_hub.http import admin_schemas as schemas
from cloud_hub.http.admin_context import AnyRequest, CallerTenant, now_ms, transaction
from cloud_hub.http.idempotency import once
from cloud_hub.services import payments, tickets


@get("/tickets")
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


@get("/tickets/{ticket_id:str}")
async def get_ticket(
    ticket_id: FromPath[str], tenant: CallerTenant, state: State
) -> tickets.TicketView:
    """One ticket's totals, money conflict, payments and refunds."""
    async with transaction(state) as conn:
        return await tickets.get_ticket(conn, tenant, ticket_id)


@post("/payments/{payment_id:str}/confirm", status_code=200)
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


@post("/payments/{payment_id:str}/decline", status_code=200)
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


MONEY_HANDLERS = [list_tickets, get_ticket, confirm_payment, decline_payment]
