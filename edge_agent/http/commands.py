"""Shared plumbing of command handlers: operator token, idempotency, worker thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from anyio import to_thread
from litestar import Request, Response

from edge_agent.domain.rbac import ensure_sells
from edge_agent.http.access import KIOSK_STATE
from edge_agent.http.schemas.tickets import ticket_document
from edge_agent.services import staff
from edge_agent.services.commands import request_fingerprint, run_once
from edge_agent.services.sync_status import online_now
from edge_agent.services.ticket_view import TicketView
from edge_agent.services.tickets import Context
from edge_agent.store.gateway import Store


def operator_token(request: Request[Any, Any, Any]) -> str | None:
    """The session token of ``Authorization: Bearer <token>``, if any."""
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


async def run_command(
    request: Request[Any, Any, Any],
    action: Callable[[Context], Any],
    status: int | None = None,
) -> tuple[int, bytes]:
    """Run an action for the signed-in operator (or the paired kiosk), once per
    ``Idempotency-Key``.

    The store work runs on a worker thread so the event loop keeps serving. The status
    is the route's own (``status_code`` of its decorator, as the OpenAPI documents it)
    unless ``status`` says otherwise.

    Returns:
        The status and JSON body of the answer (the first answer, on a retry).
    """
    state = request.app.state
    status = request.route_handler.status_code if status is None else status
    store: Store = state.store
    clock = state.clock
    body = await request.body()
    # Answers are kept per caller: another credential with the key never reads them.
    principal = str(request.state.get("principal", ""))
    fingerprint = request_fingerprint(request.method, f"{principal}:{request.url.path}", body)
    token, key = operator_token(request), request.headers.get("idempotency-key")
    runner = state.get("sync")
    window = runner.config.online_window_ms if runner is not None else None
    kiosk: staff.Operator | None = request.state.get(KIOSK_STATE)

    def command(conn: Any) -> bytes:
        online = window is not None and online_now(conn, clock(), window)
        who = kiosk if kiosk is not None else staff.operator(conn, token)
        ctx = Context(conn, who, clock, online)
        return msgspec.json.encode(action(ctx))

    def run() -> tuple[int, bytes]:
        with staff.counting_pin_failures(store, clock, pin_given=manager_pin_given(request, body)):
            return run_once(store, key, fingerprint, command, clock(), status)

    return await to_thread.run_sync(run)


def manager_pin_given(request: Request[Any, Any, Any], body: bytes) -> bool:
    """Whether a request carries an inline manager PIN (body ``manager_pin`` or the
    ``X-Manager-Pin`` header): it is then subject to the PIN lockout."""
    if request.headers.get("x-manager-pin"):
        return True
    if b"manager_pin" not in body:
        return False
    try:
        document = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return False
    return isinstance(document, dict) and document.get("manager_pin") is not None


async def ticket_command(
    request: Request[Any, Any, Any],
    action: Callable[[Context], TicketView],
    *,
    selling: bool = True,
) -> Response[Any]:
    """Run a ticket command for the signed-in operator and answer the ticket; a selling
    command (all but a kitchen bump) needs a role that sells (RoleCannotSell)."""

    def act(ctx: Context) -> Any:
        if selling:
            ensure_sells(ctx.who.role)
        return ticket_document(action(ctx))

    code, payload = await run_command(request, act)
    return answer(code, payload)


def answer(status: int, payload: bytes) -> Response[Any]:
    """A stored JSON answer as it is (its schema is the handler's return annotation)."""
    return Response(payload, status_code=status, media_type="application/json")
