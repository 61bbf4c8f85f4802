"""Handlers that settle a ticket's money after the sale: confirm or decline a pending
tender, reinstate a voided ticket holding money. Thin wrappers over
:mod:`edge_agent.services.settlements`, once per ``Idempotency-Key``.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post
from litestar.params import FromPath, JSONBody

from edge_agent.http import schemas
from edge_agent.http.commands import ticket_command
from edge_agent.services import settlements

PAYMENT = "/api/v1/tickets/{ticket_id:str}/payments/{payment_id:str}"


@post(PAYMENT + "/confirm", summary="Confirm a pending payment", status_code=200)
async def confirm_payment(
    request: Request[Any, Any, Any],
    ticket_id: FromPath[str],
    payment_id: FromPath[str],
    data: JSONBody[schemas.ConfirmPayment],
) -> Response[schemas.Ticket]:
    """Confirm a pending card or mobile-money tender (terminal slip, customer's SMS)."""
    return await ticket_command(
        request,
        lambda ctx: settlements.settle_payment(
            ctx,
            ticket_id,
            payment_id,
            "confirmed",
            reference=data.reference,
            manager_pin=data.manager_pin,
        ),
    )


@post(PAYMENT + "/decline", summary="Decline a pending payment", status_code=200)
async def decline_payment(
    request: Request[Any, Any, Any],
    ticket_id: FromPath[str],
    payment_id: FromPath[str],
    data: JSONBody[schemas.DeclinePayment],
) -> Response[schemas.Ticket]:
    """Decline a pending tender: it pays nothing, and the ticket owes it again."""
    return await ticket_command(
        request,
        lambda ctx: settlements.settle_payment(
            ctx, ticket_id, payment_id, "declined", reason=data.reason, manager_pin=data.manager_pin
        ),
    )


@post(
    "/api/v1/tickets/{ticket_id:str}/reinstate",
    summary="Reinstate a voided ticket",
    status_code=200,
)
async def reinstate(
    request: Request[Any, Any, Any], ticket_id: FromPath[str], data: JSONBody[schemas.VoidRequest]
) -> Response[schemas.Ticket]:
    """Count a voided ticket that took money on another till as a sale again."""
    return await ticket_command(
        request, lambda ctx: settlements.reinstate(ctx, ticket_id, data.reason, data.manager_pin)
    )


SETTLEMENT_HANDLERS = [confirm_payment, decline_payment, reinstate]
