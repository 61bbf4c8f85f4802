"""Self-order kiosk endpoints and the counter's kiosk list, exported as ``KIOSK_HANDLERS``
(ADR 0031). The routes marked :data:`~edge_agent.http.access.KIOSK` are the only ones a
paired kiosk may call (with the catalog); every other answers it 403 ``kiosk_not_allowed``.

- ``POST /api/v1/kiosk/orders``: open a kiosk order (short order number);
- ``GET  /api/v1/kiosk/orders/{id}``: one of the kiosk's orders;
- ``POST /api/v1/kiosk/orders/{id}/lines``: add a line (required modifiers, caps);
- ``POST /api/v1/kiosk/orders/{id}/checkout``: to the kitchen, paid by card or at the
  counter;
- ``GET  /api/v1/counter/kiosk-orders``: staff at the counter list kiosk orders awaiting
  payment, and take it with ``POST /api/v1/tickets/{id}/payments``.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from edge_agent.http.access import KIOSK
from edge_agent.http.commands import ticket_command
from edge_agent.http.schemas.kiosk import AwaitingPayment, Checkout, KioskLine, awaiting_payment
from edge_agent.http.schemas.tickets import Ticket
from edge_agent.services import kiosk
from edge_agent.store.gateway import Store

_KIOSK = {KIOSK: True}


@post("/api/v1/kiosk/orders", summary="Open a kiosk order", status_code=201, opt=_KIOSK)
async def open_order(request: Request[Any, Any, Any]) -> Response[Ticket]:
    """Open a self-order ticket (kind `kiosk`) with its short order number."""
    return await ticket_command(request, kiosk.open_order)


@get("/api/v1/kiosk/orders/{ticket_id:str}", summary="Get a kiosk order", opt=_KIOSK)
async def get_order(request: Request[Any, Any, Any], ticket_id: FromPath[str]) -> Response[Ticket]:
    """One order this kiosk opened (403 `kiosk_not_allowed` for any other ticket)."""
    return await ticket_command(request, lambda ctx: kiosk.order(ctx, ticket_id))


@post(
    "/api/v1/kiosk/orders/{ticket_id:str}/lines",
    summary="Add a line at a kiosk",
    status_code=200,
    opt=_KIOSK,
)
async def add_line(
    request: Request[Any, Any, Any], ticket_id: FromPath[str], data: JSONBody[KioskLine]
) -> Response[Ticket]:
    """Add a line at the catalog price: every required modifier group chosen (422
    `modifier_selection_invalid`), within the outlet's quantity caps per line and per
    order (422 `kiosk_quantity_over_cap`)."""
    return await ticket_command(
        request,
        lambda ctx: kiosk.add_line(
            ctx, ticket_id, data.variant_id, data.quantity, tuple(data.modifier_ids), data.notes
        ),
    )


@post(
    "/api/v1/kiosk/orders/{ticket_id:str}/checkout",
    summary="Check out a kiosk order",
    status_code=200,
    opt=_KIOSK,
)
async def check_out(
    request: Request[Any, Any, Any], ticket_id: FromPath[str], data: JSONBody[Checkout]
) -> Response[Ticket]:
    """Send the order to the kitchen and pay its balance by card here (`pay_at: kiosk`,
    stored and forwarded while offline), or leave it to the counter (`pay_at: counter`).
    A refused card sends nothing."""
    return await ticket_command(
        request, lambda ctx: kiosk.check_out(ctx, ticket_id, data.pay_at, data.reference)
    )


@get(
    "/api/v1/counter/kiosk-orders",
    summary="List kiosk orders awaiting payment",
    sync_to_thread=True,
)
def awaiting(state: State) -> list[AwaitingPayment]:
    """Kiosk orders left to be paid at the counter that still owe money, oldest first,
    with their order number and kitchen status (`ready`: call the number)."""
    store: Store = state.store
    with store.read() as conn:
        return [awaiting_payment(view) for view in kiosk.awaiting_payment(conn)]


KIOSK_HANDLERS = [open_order, get_order, add_line, check_out, awaiting]
