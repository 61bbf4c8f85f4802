"""The agent's litestar application: thin handlers over the services.

Creating POSTs honour ``Idempotency-Key``; operators identify with
``Authorization: Bearer <token>`` from ``POST /api/v1/auth/pin``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Annotated, Any

import msgspec
from litestar import Litestar, Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from edge_agent.domain.discounts import Discount
from edge_agent.http import schemas
from edge_agent.http.access import KIOSK, LAN_OPEN, PUBLIC, SERVICE, require_credential
from edge_agent.http.bounds import check_body
from edge_agent.http.commands import operator_token, ticket_command
from edge_agent.http.drawer import DRAWER_HANDLERS
from edge_agent.http.errors import HANDLERS
from edge_agent.http.kiosk import KIOSK_HANDLERS
from edge_agent.http.kitchen import KITCHEN_HANDLERS
from edge_agent.http.local import local_only
from edge_agent.http.openapi import MORE_ERRORS, finish_before_serving, openapi_config
from edge_agent.http.pairing import PAIRING_HANDLERS
from edge_agent.http.printers import PRINTER_HANDLERS
from edge_agent.http.schema_site import asset_routes
from edge_agent.http.schemas import examples
from edge_agent.http.settlements import SETTLEMENT_HANDLERS
from edge_agent.http.sync import SYNC_HANDLERS
from edge_agent.http.tabs import TAB_HANDLERS, open_any
from edge_agent.http.ticket_changes import TICKET_CHANGE_HANDLERS
from edge_agent.services import staff, tickets
from edge_agent.services.catalog import catalog_document
from edge_agent.services.me import whoami
from edge_agent.services.ticket_list import ticket_page
from edge_agent.store.gateway import Store


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


def _store(state: State) -> Store:
    store: Store = state.store
    return store


@get(
    "/health",
    summary="Is the agent up",
    sync_to_thread=False,
    opt={PUBLIC: True, LAN_OPEN: True},
)
def health() -> schemas.Health:
    """Tell a supervisor the agent is up (no credential needed)."""
    return schemas.Health(status="ok", service="pos-agent")


@post(
    "/api/v1/auth/pin",
    summary="Sign in with a PIN",
    status_code=201,
    sync_to_thread=True,
    opt={PUBLIC: True},
)
def pin_login(
    request: Request[Any, Any, Any],
    data: Annotated[schemas.PinLogin, examples.PIN],
    state: State,
) -> schemas.Session:
    """Open an operator session with a staff PIN; send its token as
    ``Authorization: Bearer <token>``. On a paired LAN device the session serves that
    device only. Wrong PINs lock PIN entry out for a while (423)."""
    client = request.state.get("paired_client")
    who = staff.sign_in(_store(state), data.pin, state.clock, paired_client=client)
    return schemas.Session(who.token, who.staff_id, who.name, who.role.name)


@post("/api/v1/auth/signout", summary="Sign out", status_code=204, sync_to_thread=True)
def sign_out(request: Request[Any, Any, Any], state: State) -> None:
    """End the caller's operator session."""
    with _store(state).write() as conn:
        staff.sign_out(conn, operator_token(request), state.clock())


@get("/api/v1/me", summary="Who is signed in", sync_to_thread=True)
def me(request: Request[Any, Any, Any], state: State) -> schemas.Me:
    """The signed-in operator, their permissions and limits, and the outlet's money rules:
    currency, cash rounding, time zone, business-day start, offline card limits."""
    with _store(state).read() as conn:
        service = request.state.get("principal") == SERVICE
        return msgspec.convert(whoami(conn, operator_token(request), service), schemas.Me)


@get("/api/v1/catalog", summary="Read the catalog", sync_to_thread=True, opt={KIOSK: True})
def catalog(state: State) -> schemas.Catalog:
    """The catalog the device holds: categories, products with variants and prices,
    modifier groups, price books, tax rates and kitchen stations."""
    with _store(state).read() as conn:
        document = catalog_document(conn)
    return msgspec.convert(document | {"categories": document["categorys"]}, schemas.Catalog)


@get(
    "/api/v1/tickets",
    summary="List tickets",
    sync_to_thread=True,
    opt={MORE_ERRORS: (404,)},  # ``before`` names no ticket
)
def list_tickets(
    state: State,
    status: FromQuery[str | None] = None,
    held: FromQuery[bool | None] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
    before: Annotated[str | None, QueryParameter()] = None,
) -> list[schemas.TicketSummary]:
    """Tickets on this device, newest first, optionally by status or on hold: ``limit`` of
    them (100 unless asked), opened before the ticket ``before`` (the last one of the
    previous page); 404 ``ticket_not_found`` when ``before`` names no ticket."""
    with _store(state).read() as conn:
        rows = ticket_page(conn, status=status, held=held, limit=limit, before=before)
        return [
            msgspec.convert(
                dict(row) | {"held": bool(row["held"]), "merged": bool(row["merged"])},
                schemas.TicketSummary,
            )
            for row in rows
        ]


@get("/api/v1/tickets/{ticket_id:str}", summary="Get a ticket", sync_to_thread=True)
def get_ticket(ticket_id: FromPath[str], state: State) -> schemas.Ticket:
    """One ticket with its lines, payments and totals."""
    with _store(state).read() as conn:
        return schemas.ticket_document(tickets.load(conn, ticket_id))


@post("/api/v1/tickets", summary="Open a ticket", status_code=201)
async def open_ticket(
    request: Request[Any, Any, Any], data: Annotated[schemas.OpenTicket, examples.OPEN_TICKET]
) -> Response[schemas.Ticket]:
    """Open a ticket. A tab (ADR 0030) needs a `name`, and may take a `tab_limit` and a
    card `preauth`; 422 `invalid_value` for a tab without a name or a limit or
    pre-authorisation on another kind, `invalid_amount` for a limit or amount below 1,
    `reference_required` for a pre-authorisation without its reference."""
    return await ticket_command(request, lambda ctx: open_any(ctx, data))


@post("/api/v1/tickets/{ticket_id:str}/lines", summary="Add a line", status_code=201)
async def add_line(
    request: Request[Any, Any, Any],
    ticket_id: FromPath[str],
    data: Annotated[schemas.AddLine, examples.ADD_LINE],
) -> Response[schemas.Ticket]:
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
    )


@post(
    "/api/v1/tickets/{ticket_id:str}/lines/{line_id:str}/void",
    summary="Void a line",
    status_code=200,
)
async def void_line(
    request: Request[Any, Any, Any],
    ticket_id: FromPath[str],
    line_id: FromPath[str],
    data: JSONBody[schemas.VoidRequest],
) -> Response[schemas.Ticket]:
    """Void a line (void permission or manager override)."""
    return await ticket_command(
        request,
        lambda ctx: tickets.void_line(ctx, ticket_id, line_id, data.reason, data.manager_pin),
    )


@post("/api/v1/tickets/{ticket_id:str}/discounts", summary="Add a discount", status_code=201)
async def add_discount(
    request: Request[Any, Any, Any],
    ticket_id: FromPath[str],
    data: Annotated[schemas.DiscountRequest, examples.DISCOUNT],
) -> Response[schemas.Ticket]:
    """Discount a line or the ticket."""
    discount = Discount(data.kind, data.value, data.reason)
    return await ticket_command(
        request,
        lambda ctx: tickets.add_discount(
            ctx, ticket_id, discount, line_id=data.line_id, manager_pin=data.manager_pin
        ),
    )


@post("/api/v1/tickets/{ticket_id:str}/send", summary="Send to the kitchen", status_code=200)
async def send(
    request: Request[Any, Any, Any], ticket_id: FromPath[str], data: JSONBody[schemas.SendRequest]
) -> Response[schemas.Ticket]:
    """Send unsent lines to the kitchen."""
    return await ticket_command(request, lambda ctx: tickets.send(ctx, ticket_id, data.course))


@post("/api/v1/tickets/{ticket_id:str}/payments", summary="Take a payment", status_code=201)
async def pay(
    request: Request[Any, Any, Any],
    ticket_id: FromPath[str],
    data: Annotated[schemas.PaymentRequest, examples.PAYMENT],
) -> Response[schemas.Ticket]:
    """Take a tender."""
    return await ticket_command(
        request,
        lambda ctx: tickets.pay(
            ctx,
            ticket_id,
            data.method,
            data.amount,
            tip=data.tip,
            reference=data.reference,
            preauth_id=data.preauth_id,
        ),
    )


@post("/api/v1/tickets/{ticket_id:str}/close", summary="Close a ticket", status_code=200)
async def close(
    request: Request[Any, Any, Any], ticket_id: FromPath[str]
) -> Response[schemas.Ticket]:
    """Close a paid ticket."""
    return await ticket_command(request, lambda ctx: tickets.close(ctx, ticket_id))


@post("/api/v1/tickets/{ticket_id:str}/void", summary="Void a ticket", status_code=200)
async def void_ticket(
    request: Request[Any, Any, Any], ticket_id: FromPath[str], data: JSONBody[schemas.VoidRequest]
) -> Response[schemas.Ticket]:
    """Void a ticket that took no payment."""
    return await ticket_command(
        request, lambda ctx: tickets.void(ctx, ticket_id, data.reason, data.manager_pin)
    )


@post("/api/v1/tickets/{ticket_id:str}/refunds", summary="Refund a ticket", status_code=201)
async def refund(
    request: Request[Any, Any, Any], ticket_id: FromPath[str], data: JSONBody[schemas.RefundRequest]
) -> Response[schemas.Ticket]:
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
    )


async def _before_request(request: Request[Any, Any, Any]) -> None:
    await finish_before_serving(request)
    await check_body(request)


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
    app = Litestar(
        route_handlers=[
            health,
            pin_login,
            sign_out,
            me,
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
            *KITCHEN_HANDLERS,
            *TAB_HANDLERS,
            *KIOSK_HANDLERS,
            *SYNC_HANDLERS,
            *PAIRING_HANDLERS,
            *asset_routes(),
        ],
        state=State({"store": store, "clock": clock, "service_token": service_token}),
        guards=[require_credential],
        middleware=[local_only(host_names)],
        before_request=_before_request,
        exception_handlers=HANDLERS,  # type: ignore[arg-type]
        openapi_config=openapi_config(),
        on_shutdown=[store.close],
    )
    return app
