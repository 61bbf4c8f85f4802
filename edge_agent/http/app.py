"""The agent's litestar application: thin handlers over the services.

Creating POSTs honour ``Idempotency-Key``; operators identify with
``Authorization: Bearer <token>`` from ``POST /api/v1/auth/pin``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Annotated, Any

from litestar import Litestar, Request, Response, get, post
from litestar.datastructures import State
from litestar.openapi import OpenAPIConfig
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from edge_agent.domain.discounts import Discount
from edge_agent.http import schemas
from edge_agent.http.access import LAN_OPEN, PUBLIC, require_credential
from edge_agent.http.bounds import check_body
from edge_agent.http.commands import operator_token, ticket_command
from edge_agent.http.drawer import DRAWER_HANDLERS
from edge_agent.http.errors import HANDLERS
from edge_agent.http.local import local_only
from edge_agent.http.pairing import PAIRING_HANDLERS
from edge_agent.http.printers import PRINTER_HANDLERS
from edge_agent.http.settlements import SETTLEMENT_HANDLERS
from edge_agent.http.sync import SYNC_HANDLERS
from edge_agent.http.ticket_changes import TICKET_CHANGE_HANDLERS
from edge_agent.services import staff, tickets
from edge_agent.services.catalog import catalog_document
from edge_agent.services.ticket_list import ticket_page
from edge_agent.store.gateway import Store


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


def _store(state: State) -> Store:
    store: Store = state.store
    return store


@get("/health", sync_to_thread=False, opt={PUBLIC: True, LAN_OPEN: True})
def health() -> dict[str, str]:
    """Tell a supervisor the agent is up."""
    return {"status": "ok", "service": "pos-agent"}


@post("/api/v1/auth/pin", status_code=201, sync_to_thread=True, opt={PUBLIC: True})
def pin_login(
    request: Request[Any, Any, Any], data: JSONBody[schemas.PinLogin], state: State
) -> schemas.Session:
    """Open an operator session with a staff PIN (on a paired device: for that device)."""
    client = request.state.get("paired_client")
    who = staff.sign_in(_store(state), data.pin, state.clock, paired_client=client)
    return schemas.Session(who.token, who.staff_id, who.name, who.role.name)


@post("/api/v1/auth/signout", status_code=204, sync_to_thread=True)
def sign_out(request: Request[Any, Any, Any], state: State) -> None:
    """End the caller's operator session."""
    with _store(state).write() as conn:
        staff.sign_out(conn, operator_token(request), state.clock())


@get("/api/v1/catalog", sync_to_thread=True)
def catalog(state: State) -> dict[str, Any]:
    """The catalog the device holds."""
    with _store(state).read() as conn:
        return catalog_document(conn)


@get("/api/v1/tickets", sync_to_thread=True)
def list_tickets(
    state: State,
    status: FromQuery[str | None] = None,
    held: FromQuery[bool | None] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
    before: Annotated[str | None, QueryParameter()] = None,
) -> list[dict[str, Any]]:
    """Tickets on this device, newest first, optionally by status or on hold: ``limit`` of
    them, opened before the ticket ``before`` (the last one of the previous page)."""
    with _store(state).read() as conn:
        rows = ticket_page(conn, status=status, held=held, limit=limit, before=before)
        return [dict(row) | {"held": bool(row["held"])} for row in rows]


@get("/api/v1/tickets/{ticket_id:str}", sync_to_thread=True)
def get_ticket(ticket_id: FromPath[str], state: State) -> dict[str, Any]:
    """One ticket with its lines, payments and totals."""
    with _store(state).read() as conn:
        return schemas.ticket_document(tickets.load(conn, ticket_id))


@post("/api/v1/tickets")
async def open_ticket(
    request: Request[Any, Any, Any], data: JSONBody[schemas.OpenTicket]
) -> Response[bytes]:
    """Open a ticket."""
    return await ticket_command(
        request,
        lambda ctx: tickets.open_ticket(
            ctx, data.kind, table=data.table, name=data.name, covers=data.covers
        ),
        status=201,
    )


@post("/api/v1/tickets/{ticket_id:str}/lines")
async def add_line(
    request: Request[Any, Any, Any], ticket_id: FromPath[str], data: JSONBody[schemas.AddLine]
) -> Response[bytes]:
    """Add a line."""
    return await ticket_command(
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
            price=data.price,
            price_reason=data.price_reason,
            manager_pin=data.manager_pin,
        ),
        status=201,
    )


@post("/api/v1/tickets/{ticket_id:str}/lines/{line_id:str}/void")
async def void_line(
    request: Request[Any, Any, Any],
    ticket_id: FromPath[str],
    line_id: FromPath[str],
    data: JSONBody[schemas.VoidRequest],
) -> Response[bytes]:
    """Void a line (void permission or manager override)."""
    return await ticket_command(
        request,
        lambda ctx: tickets.void_line(ctx, ticket_id, line_id, data.reason, data.manager_pin),
    )


@post("/api/v1/tickets/{ticket_id:str}/discounts")
async def add_discount(
    request: Request[Any, Any, Any],
    ticket_id: FromPath[str],
    data: JSONBody[schemas.DiscountRequest],
) -> Response[bytes]:
    """Discount a line or the ticket."""
    discount = Discount(data.kind, data.value, data.reason)
    return await ticket_command(
        request,
        lambda ctx: tickets.add_discount(
            ctx, ticket_id, discount, line_id=data.line_id, manager_pin=data.manager_pin
        ),
        status=201,
    )


@post("/api/v1/tickets/{ticket_id:str}/send")
async def send(
    request: Request[Any, Any, Any], ticket_id: FromPath[str], data: JSONBody[schemas.SendRequest]
) -> Response[bytes]:
    """Send unsent lines to the kitchen."""
    return await ticket_command(request, lambda ctx: tickets.send(ctx, ticket_id, data.course))


@post("/api/v1/tickets/{ticket_id:str}/payments")
async def pay(
    request: Request[Any, Any, Any],
    ticket_id: FromPath[str],
    data: JSONBody[schemas.PaymentRequest],
) -> Response[bytes]:
    """Take a tender."""
    return await ticket_command(
        request,
        lambda ctx: tickets.pay(
            ctx, ticket_id, data.method, data.amount, tip=data.tip, reference=data.reference
        ),
        status=201,
    )


@post("/api/v1/tickets/{ticket_id:str}/close")
async def close(request: Request[Any, Any, Any], ticket_id: FromPath[str]) -> Response[bytes]:
    """Close a paid ticket."""
    return await ticket_command(request, lambda ctx: tickets.close(ctx, ticket_id))


@post("/api/v1/tickets/{ticket_id:str}/void")
async def void_ticket(
    request: Request[Any, Any, Any], ticket_id: FromPath[str], data: JSONBody[schemas.VoidRequest]
) -> Response[bytes]:
    """Void a ticket that took no payment."""
    return await ticket_command(
        request, lambda ctx: tickets.void(ctx, ticket_id, data.reason, data.manager_pin)
    )


@post("/api/v1/tickets/{ticket_id:str}/refunds")
async def refund(
    request: Request[Any, Any, Any], ticket_id: FromPath[str], data: JSONBody[schemas.RefundRequest]
) -> Response[bytes]:
    """Refund to the original tender type."""
    return await ticket_command(
        request,
        lambda ctx: tickets.refund(
            ctx,
            ticket_id,
            data.method,
            data.amount,
            data.reason,
            line_ids=tuple(data.line_ids),
            lines=tuple((x.line_id, x.quantity) for x in data.lines),
            manager_pin=data.manager_pin,
        ),
        status=201,
    )


def create_app(
    store: Store,
    clock: Callable[[], int] = wall_clock_ms,
    *,
    host_names: Iterable[str] = (),
    service_token: str | None = None,
) -> Litestar:
    """Build the agent application over an open store.

    Args:
        host_names: names it answers to beside 127.0.0.1, localhost and ::1.
        service_token: the device's own token for automation (none: operators only).
    """
    return Litestar(
        route_handlers=[
            health,
            pin_login,
            sign_out,
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
            *TICKET_CHANGE_HANDLERS,
            *SETTLEMENT_HANDLERS,
            *DRAWER_HANDLERS,
            *PRINTER_HANDLERS,
            *SYNC_HANDLERS,
            *PAIRING_HANDLERS,
        ],
        state=State({"store": store, "clock": clock, "service_token": service_token}),
        guards=[require_credential],
        middleware=[local_only(host_names)],
        before_request=check_body,
        exception_handlers=HANDLERS,  # type: ignore[arg-type]
        openapi_config=OpenAPIConfig(title="BengoBox POS agent", version="0.1.0", path="/schema"),
        on_shutdown=[store.close],
    )
