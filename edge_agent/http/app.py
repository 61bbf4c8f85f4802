"""The agent's litestar application: thin handlers over the services.

Creating POSTs honour ``Idempotency-Key``; operators identify with
``Authorization: Bearer <token>`` from ``POST /api/v1/auth/pin``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from litestar import Litestar, Request, Response, get, post
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.params import JSONBody

from edge_agent.domain.discounts import Discount
from edge_agent.http import schemas
from edge_agent.http.commands import run_command
from edge_agent.http.drawer import DRAWER_HANDLERS
from edge_agent.http.errors import HANDLERS
from edge_agent.services import staff, tickets
from edge_agent.services.catalog import catalog_document
from edge_agent.services.ticket_view import TicketView
from edge_agent.store.gateway import Store


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


def _store(state: State) -> Store:
    store: Store = state.store
    return store


async def _command(
    request: Request[Any, Any, Any],
    action: Callable[[tickets.Context], TicketView],
    status: int = 200,
) -> Response[bytes]:
    """Run a ticket command for the signed-in operator, once per Idempotency-Key."""
    code, payload = await run_command(
        request, lambda ctx: schemas.ticket_document(action(ctx)), status
    )
    return Response(payload, status_code=code, media_type="application/json")


@get("/health", sync_to_thread=False)
def health() -> dict[str, str]:
    """Tell a supervisor the agent is up."""
    return {"status": "ok", "service": "pos-agent"}


@post("/api/v1/auth/pin", status_code=201, sync_to_thread=True)
def pin_login(data: JSONBody[schemas.PinLogin], state: State) -> schemas.Session:
    """Open an operator session with a staff PIN."""
    who = staff.sign_in(_store(state), data.pin, state.clock)
    return schemas.Session(who.token, who.staff_id, who.name, who.role.name)


@get("/api/v1/catalog", sync_to_thread=True)
def catalog(state: State) -> dict[str, Any]:
    """The catalog the device holds."""
    with _store(state).read() as conn:
        return catalog_document(conn)


@get("/api/v1/tickets", sync_to_thread=True)
def list_tickets(state: State, status: str | None = None) -> list[dict[str, Any]]:
    """Tickets on this device, newest first, optionally by status."""
    sql = "SELECT id, receipt_no, order_no, kind, status, total, paid, balance FROM tickets"
    params: tuple[str, ...] = ()
    if status:
        sql, params = sql + " WHERE status = ?", (status,)
    with _store(state).read() as conn:
        return [dict(row) for row in conn.execute(sql + " ORDER BY opened_ms DESC", params)]


@get("/api/v1/tickets/{ticket_id:str}", sync_to_thread=True)
def get_ticket(ticket_id: str, state: State) -> dict[str, Any]:
    """One ticket with its lines, payments and totals."""
    with _store(state).read() as conn:
        return schemas.ticket_document(tickets.load(conn, ticket_id))


@post("/api/v1/tickets")
async def open_ticket(
    request: Request[Any, Any, Any], data: JSONBody[schemas.OpenTicket]
) -> Response[bytes]:
    """Open a ticket."""
    return await _command(
        request,
        lambda ctx: tickets.open_ticket(
            ctx, data.kind, table=data.table, name=data.name, covers=data.covers
        ),
        status=201,
    )


@post("/api/v1/tickets/{ticket_id:str}/lines")
async def add_line(
    request: Request[Any, Any, Any], ticket_id: str, data: JSONBody[schemas.AddLine]
) -> Response[bytes]:
    """Add a line."""
    return await _command(
        request,
        lambda ctx: tickets.add_line(
            ctx,
            ticket_id,
            data.variant_id,
            data.quantity,
            modifier_ids=tuple(data.modifier_ids),
            notes=data.notes,
            seat=data.seat,
            course=data.course,
        ),
        status=201,
    )


@post("/api/v1/tickets/{ticket_id:str}/lines/{line_id:str}/void")
async def void_line(
    request: Request[Any, Any, Any],
    ticket_id: str,
    line_id: str,
    data: JSONBody[schemas.VoidRequest],
) -> Response[bytes]:
    """Void a line (void permission or manager override)."""
    return await _command(
        request,
        lambda ctx: tickets.void_line(ctx, ticket_id, line_id, data.reason, data.manager_pin),
    )


@post("/api/v1/tickets/{ticket_id:str}/discounts")
async def add_discount(
    request: Request[Any, Any, Any], ticket_id: str, data: JSONBody[schemas.DiscountRequest]
) -> Response[bytes]:
    """Discount a line or the ticket."""
    discount = Discount(data.kind, data.value, data.reason)
    return await _command(
        request,
        lambda ctx: tickets.add_discount(
            ctx, ticket_id, discount, line_id=data.line_id, manager_pin=data.manager_pin
        ),
        status=201,
    )


@post("/api/v1/tickets/{ticket_id:str}/send")
async def send(
    request: Request[Any, Any, Any], ticket_id: str, data: JSONBody[schemas.SendRequest]
) -> Response[bytes]:
    """Send unsent lines to the kitchen."""
    return await _command(request, lambda ctx: tickets.send(ctx, ticket_id, data.course))


@post("/api/v1/tickets/{ticket_id:str}/payments")
async def pay(
    request: Request[Any, Any, Any], ticket_id: str, data: JSONBody[schemas.PaymentRequest]
) -> Response[bytes]:
    """Take a tender."""
    return await _command(
        request,
        lambda ctx: tickets.pay(
            ctx, ticket_id, data.method, data.amount, tip=data.tip, reference=data.reference
        ),
        status=201,
    )


@post("/api/v1/tickets/{ticket_id:str}/close")
async def close(request: Request[Any, Any, Any], ticket_id: str) -> Response[bytes]:
    """Close a paid ticket."""
    return await _command(request, lambda ctx: tickets.close(ctx, ticket_id))


@post("/api/v1/tickets/{ticket_id:str}/void")
async def void_ticket(
    request: Request[Any, Any, Any], ticket_id: str, data: JSONBody[schemas.VoidRequest]
) -> Response[bytes]:
    """Void a ticket that took no payment."""
    return await _command(
        request, lambda ctx: tickets.void(ctx, ticket_id, data.reason, data.manager_pin)
    )


@post("/api/v1/tickets/{ticket_id:str}/refunds")
async def refund(
    request: Request[Any, Any, Any], ticket_id: str, data: JSONBody[schemas.RefundRequest]
) -> Response[bytes]:
    """Refund to the original tender type."""
    return await _command(
        request,
        lambda ctx: tickets.refund(
            ctx,
            ticket_id,
            data.method,
            data.amount,
            data.reason,
            line_ids=tuple(data.line_ids),
            manager_pin=data.manager_pin,
        ),
        status=201,
    )


def create_app(store: Store, clock: Callable[[], int] = wall_clock_ms) -> Litestar:
    """Build the agent application over an open store."""
    return Litestar(
        route_handlers=[
            health,
            pin_login,
            catalog,
            list_tickets,
            get_ticket,
            open_ticket,
            add_line,
            void_line,
            add_discount,
            send,
            pay,
            close,
            void_ticket,
            refund,
            *DRAWER_HANDLERS,
        ],
        state=State({"store": store, "clock": clock}),
        exception_handlers=HANDLERS,  # type: ignore[arg-type]
        openapi_config=OpenAPIConfig(title="BengoBox POS agent", version="0.1.0", path="/schema"),
        on_shutdown=[store.close],
    )
