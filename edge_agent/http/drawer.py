"""Cash drawer and X/Z report endpoints, exported as ``DRAWER_HANDLERS`` for the app.

Creating POSTs run once per ``Idempotency-Key`` and answer JSON; the reports also
render as printable plain text with ``?format=text``. This module imports nothing from
``edge_agent.http.app`` (which imports it), so it keeps its own tiny request helpers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, HeaderParameter, JSONBody, QueryParameter

from edge_agent.domain.rbac import Override
from edge_agent.http import schemas
from edge_agent.http.commands import operator_token, run_command
from edge_agent.http.openapi import ALSO_AS
from edge_agent.http.schemas import examples
from edge_agent.printing.day_report import report_text
from edge_agent.services import drawer, reports, staff
from edge_agent.services.report_documents import (
    issue_z,
    reprint_z,
    session_document,
    x_document,
    z_document,
)
from edge_agent.services.tickets import Context
from edge_agent.store.gateway import Store

Format = Annotated[Literal["json", "text"], QueryParameter(name="format")]
#: Route option of the reports: ``?format=text`` answers printable text.
AS_TEXT = {ALSO_AS: {"text/plain": "The report as printable text (`?format=text`)."}}


def _overrides(overrides: tuple[Override, ...]) -> list[dict[str, str]]:
    return [{"permission": o.permission.value, "manager_id": o.manager_id} for o in overrides]


def close_document(result: drawer.CloseResult) -> schemas.DrawerClose:
    """The answer to a blind close: the count, then what was expected and the variance."""
    document = {
        "session": session_document(result.session),
        "counts": {str(d): n for d, n in result.counts.items()},
        "counted": result.counted,
        "expected": result.expected,
        "variance": result.variance,
        "unsynced_ops": result.unsynced_ops,
        "overrides": _overrides(result.overrides),
    }
    return msgspec.convert(document, schemas.DrawerClose)


def _session(session: Any) -> schemas.DrawerSession:
    return msgspec.convert(session_document(session), schemas.DrawerSession)


def _answer(status: int, payload: bytes, output: str) -> Response[Any]:
    if output == "text" and status < 300:
        text = report_text(msgspec.json.decode(payload))
        # litestar adds "; charset=utf-8" to a text media type itself
        return Response(text.encode(), status_code=status, media_type="text/plain")
    return Response(payload, status_code=status, media_type="application/json")


async def _command(
    request: Request[Any, Any, Any],
    action: Callable[[Context], Any],
    output: str = "json",
) -> Response[Any]:
    """Run a drawer command for the signed-in operator, once per Idempotency-Key."""
    code, payload = await run_command(request, action)
    return _answer(code, payload, output)


@post("/api/v1/drawer/open", summary="Open the drawer", status_code=201)
async def open_drawer(
    request: Request[Any, Any, Any], data: Annotated[schemas.OpenDrawer, examples.DRAWER_OPEN]
) -> Response[schemas.DrawerSession]:
    """Open this device's drawer session with a float (minor units)."""
    return await _command(request, lambda ctx: _session(drawer.open_drawer(ctx, data.float_amount)))


@post("/api/v1/drawer/movements", summary="Record a drawer movement", status_code=201)
async def add_movement(
    request: Request[Any, Any, Any], data: JSONBody[schemas.MovementRequest]
) -> Response[schemas.DrawerSession]:
    """Record a pay-in, pay-out, drop (with a reason) or a no-sale (permission)."""
    return await _command(
        request,
        lambda ctx: _session(
            drawer.movement(ctx, data.kind, data.amount, data.reason, data.manager_pin)
        ),
    )


@post("/api/v1/drawer/close", summary="Close the drawer", status_code=200)
async def close_drawer(
    request: Request[Any, Any, Any], data: Annotated[schemas.CloseRequest, examples.DRAWER_CLOSE]
) -> Response[schemas.DrawerClose]:
    """Close the drawer with a blind count; the answer shows expected cash and variance."""
    return await _command(
        request,
        lambda ctx: close_document(
            drawer.close_drawer(
                ctx, data.counted, data.manager_pin, force_unsynced=data.force_unsynced
            )
        ),
    )


@get("/api/v1/reports/x", summary="Read the X report", sync_to_thread=True, opt=AS_TEXT)
def x_report(
    request: Request[Any, Any, Any],
    state: State,
    output: Format = "json",
    manager_pin: Annotated[str | None, HeaderParameter(name="X-Manager-Pin")] = None,
) -> Response[schemas.XReport]:
    """The open session's X report (``reports`` permission or ``X-Manager-Pin``);
    ``?format=text`` answers it as printable plain text."""
    store: Store = state.store
    guard = staff.counting_pin_failures(store, state.clock, pin_given=manager_pin is not None)
    with guard, store.read() as conn:
        who = staff.operator(conn, operator_token(request))
        document = msgspec.convert(
            x_document(reports.x_report(conn, who, manager_pin)), schemas.XReport
        )
    return _answer(200, msgspec.json.encode(document), output)


@post("/api/v1/reports/z", summary="Issue the Z report", status_code=201, opt=AS_TEXT)
async def z_report(
    request: Request[Any, Any, Any],
    data: JSONBody[schemas.ZRequest | None] = None,
    output: Format = "json",
) -> Response[schemas.IssuedZ]:
    """Issue the numbered Z report of the last closed session (printed, if a receipt
    printer is configured); tickets still open are listed, or refuse it (outlet setting)."""
    manager_pin = data.manager_pin if data else None
    return await _command(request, lambda ctx: _issued(issue_z(ctx, manager_pin)), output=output)


@get("/api/v1/reports/z/{number:int}", summary="Read a Z report", sync_to_thread=True, opt=AS_TEXT)
def read_z(
    request: Request[Any, Any, Any],
    state: State,
    number: FromPath[int],
    output: Format = "json",
    manager_pin: Annotated[str | None, HeaderParameter(name="X-Manager-Pin")] = None,
) -> Response[schemas.ZReport]:
    """An issued Z report, as issued (``reports`` permission or ``X-Manager-Pin``)."""
    store: Store = state.store
    with store.read() as conn:
        who = staff.operator(conn, operator_token(request))
        document = _z(z_document(reports.issued_z(conn, number, who, manager_pin)))
    return _answer(200, msgspec.json.encode(document), output)


@post("/api/v1/reports/z/{number:int}/print", summary="Print a Z report copy", status_code=201)
async def print_z(
    request: Request[Any, Any, Any],
    number: FromPath[int],
    data: JSONBody[schemas.ZRequest | None] = None,
) -> Response[schemas.IssuedZ]:
    """Print an issued Z report again, marked COPY."""
    manager_pin = data.manager_pin if data else None
    key = request.headers.get("Idempotency-Key")
    return await _command(request, lambda ctx: _issued(reprint_z(ctx, number, manager_pin, key)))


def _z(document: dict[str, Any]) -> schemas.ZReport:
    return msgspec.convert(document, schemas.ZReport)


def _issued(document: dict[str, Any]) -> schemas.IssuedZ:
    return msgspec.convert(document, schemas.IssuedZ)


DRAWER_HANDLERS = [open_drawer, add_movement, close_drawer, x_report, z_report, read_z, print_z]
