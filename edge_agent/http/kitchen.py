"""Kitchen endpoints, exported as ``KITCHEN_HANDLERS``: open orders by station, and
bumping an order to preparing or ready (once per ``Idempotency-Key``)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody, QueryParameter

from edge_agent.http.commands import ticket_command
from edge_agent.http.openapi import MORE_ERRORS
from edge_agent.http.schemas.kitchen import BumpRequest, KitchenOrder, kitchen_order
from edge_agent.http.schemas.tickets import Ticket
from edge_agent.services import kitchen
from edge_agent.store.gateway import Store


@get(
    "/api/v1/kitchen/orders",
    summary="List kitchen orders",
    sync_to_thread=True,
    opt={MORE_ERRORS: (422,)},  # ``station`` names no kitchen station
)
def list_orders(
    state: State, station: Annotated[str | None, QueryParameter(max_length=64)] = None
) -> list[KitchenOrder]:
    """Orders of the last day with lines sent to ``station`` (every station unless
    given) that are not all ready, oldest first; 422 ``station_not_found`` for a
    station that does not exist."""
    store: Store = state.store
    with store.read() as conn:
        orders = kitchen.open_orders(conn, station, state.clock())
    return [kitchen_order(order) for order in orders]


@post(
    "/api/v1/kitchen/orders/{ticket_id:str}/bump", summary="Bump a kitchen order", status_code=200
)
async def bump(
    request: Request[Any, Any, Any], ticket_id: FromPath[str], data: JSONBody[BumpRequest]
) -> Response[Ticket]:
    """Move an order's lines at a station to preparing or ready (needs the ``kitchen``
    permission); the ticket answers with ``kitchen``, each station's status, which the
    counter device reads to call the order number."""
    return await ticket_command(
        request, lambda ctx: kitchen.bump(ctx, ticket_id, data.station, data.status), selling=False
    )


KITCHEN_HANDLERS = [list_orders, bump]
