"""Cash drawer and X/Z report endpoints, exported as ``DRAWER_HANDLERS`` for the app.

Creating POSTs run once per ``Idempotency-Key`` and answer JSON; the reports also
render as printable plain text with ``?format=text``. This module imports nothing from
``edge_agent.http.app`` (which imports it), so it keeps its own tiny request helpers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import HeaderParameter, JSONBody, QueryParameter

from edge_agent.domain.money import format_money
from edge_agent.domain.rbac import Override
from edge_agent.http.bounds import Amount, Count, Denomination, Pin, Reason
from edge_agent.http.commands import operator_token, run_command
from edge_agent.services import drawer, staff
from edge_agent.services.tickets import Context
from edge_agent.store.gateway import Store

Format = Annotated[Literal["json", "text"], QueryParameter(name="format")]


class OpenDrawer(msgspec.Struct, forbid_unknown_fields=True):
    float_amount: Amount = msgspec.field(name="float")


class MovementRequest(msgspec.Struct, forbid_unknown_fields=True):
    kind: Literal["pay_in", "pay_out", "drop", "no_sale"]
    amount: Amount = 0
    reason: Reason = ""
    manager_pin: Pin | None = None


class CloseRequest(msgspec.Struct, forbid_unknown_fields=True):
    counted: Annotated[dict[Denomination, Count], msgspec.Meta(max_length=40)]
    manager_pin: Pin | None = None
    force_unsynced: bool = False


class ZRequest(msgspec.Struct, forbid_unknown_fields=True):
    manager_pin: Pin | None = None


def _overrides(overrides: tuple[Override, ...]) -> list[dict[str, str]]:
    return [{"permission": o.permission.value, "manager_id": o.manager_id} for o in overrides]


def session_document(session: drawer.Session) -> dict[str, Any]:
    """A drawer session as the API shows it: no expected cash (the close is blind)."""
    return {
        "id": session.id,
        "status": session.status,
        "opened_by": session.opened_by,
        "opened_ms": session.opened_ms,
        "currency": session.currency,
        "opening_float": session.opening_float,
        "movements": [
            {"kind": m.kind, "amount": m.amount, "reason": m.reason}
            for m in session.movements
            if m.kind != "float"
        ],
    }


def close_document(result: drawer.CloseResult) -> dict[str, Any]:
    """The answer to a blind close: the count, then what was expected and the variance."""
    return {
        "session": session_document(result.session),
        "counts": {str(d): n for d, n in result.counts.items()},
        "counted": result.counted,
        "expected": result.expected,
        "variance": result.variance,
        "unsynced_ops": result.unsynced_ops,
        "overrides": _overrides(result.overrides),
    }


def x_document(summary: drawer.ShiftSummary) -> dict[str, Any]:
    """An X report as JSON."""
    return {"session": session_document(summary.session), "report": asdict(summary.report)}


def z_document(summary: drawer.ZSummary) -> dict[str, Any]:
    """A Z report as JSON."""
    report = summary.report
    return {
        "number": report.number,
        "session": session_document(summary.session),
        "counts": {str(d): n for d, n in summary.counts.items()},
        "counted": report.counted_cash,
        "variance": report.variance,
        "report": asdict(report.shift),
    }


def render_text(document: dict[str, Any]) -> str:
    """A printable X or Z report (42 columns, a receipt printer's width)."""
    session, shift = document["session"], document["report"]
    cur = session["currency"]

    def row(label: str, amount: int) -> str:
        money = format_money(amount, cur)
        return f"{label:<{42 - len(money) - 1}} {money}"

    title = f"Z REPORT #{document['number']}" if "number" in document else "X REPORT (mid-shift)"
    lines = [
        title.center(42).rstrip(),
        "Session",
        session["id"],
        f"Opened by {session['opened_by']}",
    ]
    lines += ["-" * 42, row("Opening float", shift["opening_float"])]
    for label, key in (
        ("Cash sales", "cash_sales"),
        ("Cash refunds", "cash_refunds"),
        ("Pay-ins", "pay_ins"),
        ("Pay-outs", "pay_outs"),
        ("Drops", "drops"),
        ("Expected cash", "expected_cash"),
    ):
        lines.append(row(label, shift[key]))
    lines.append(f"{'No-sales':<30} {shift['no_sales']:>11}")
    lines.append("-" * 42)
    for method, amount in shift["sales_by_method"].items():
        lines.append(row(f"Sales {method}", amount))
    for method, amount in shift["refunds_by_method"].items():
        lines.append(row(f"Refunds {method}", amount))
    lines += [row("Gross sales", shift["gross_sales"]), row("Net sales", shift["net_sales"])]
    lines.append(row("Discounts", shift["discounts_total"]))
    lines.append(f"{'Tickets':<30} {shift['tickets_count']:>11}")
    lines.append(f"{'Voids':<30} {shift['voids_count']:>11}")
    if "number" in document:
        lines += ["-" * 42, row("Counted cash", document["counted"])]
        lines.append(row("Variance (+over / -short)", document["variance"]))
    return "\n".join(lines) + "\n"


def _answer(status: int, payload: bytes, output: str) -> Response[bytes]:
    if output == "text" and status < 300:
        text = render_text(msgspec.json.decode(payload))
        return Response(text.encode(), status_code=status, media_type="text/plain; charset=utf-8")
    return Response(payload, status_code=status, media_type="application/json")


async def _command(
    request: Request[Any, Any, Any],
    action: Callable[[Context], dict[str, Any]],
    status: int = 200,
    output: str = "json",
) -> Response[bytes]:
    """Run a drawer command for the signed-in operator, once per Idempotency-Key."""
    code, payload = await run_command(request, action, status)
    return _answer(code, payload, output)


@post("/api/v1/drawer/open")
async def open_drawer(
    request: Request[Any, Any, Any], data: JSONBody[OpenDrawer]
) -> Response[bytes]:
    """Open this device's drawer session with a float."""
    return await _command(
        request,
        lambda ctx: session_document(drawer.open_drawer(ctx, data.float_amount)),
        status=201,
    )


@post("/api/v1/drawer/movements")
async def add_movement(
    request: Request[Any, Any, Any], data: JSONBody[MovementRequest]
) -> Response[bytes]:
    """Record a pay-in, pay-out, drop (with a reason) or a no-sale (permission)."""
    return await _command(
        request,
        lambda ctx: session_document(
            drawer.movement(ctx, data.kind, data.amount, data.reason, data.manager_pin)
        ),
        status=201,
    )


@post("/api/v1/drawer/close")
async def close_drawer(
    request: Request[Any, Any, Any], data: JSONBody[CloseRequest]
) -> Response[bytes]:
    """Close the drawer with a blind count; the answer shows expected cash and variance."""
    return await _command(
        request,
        lambda ctx: close_document(
            drawer.close_drawer(
                ctx, data.counted, data.manager_pin, force_unsynced=data.force_unsynced
            )
        ),
    )


@get("/api/v1/reports/x", sync_to_thread=True)
def x_report(
    request: Request[Any, Any, Any],
    state: State,
    output: Format = "json",
    manager_pin: Annotated[str | None, HeaderParameter(name="X-Manager-Pin")] = None,
) -> Response[bytes]:
    """The open session's X report (``reports`` permission or ``X-Manager-Pin``)."""
    store: Store = state.store
    guard = staff.counting_pin_failures(store, state.clock, pin_given=manager_pin is not None)
    with guard, store.read() as conn:
        who = staff.operator(conn, operator_token(request))
        document = x_document(drawer.x_report(conn, who, manager_pin))
    return _answer(200, msgspec.json.encode(document), output)


@post("/api/v1/reports/z")
async def z_report(
    request: Request[Any, Any, Any], data: JSONBody[ZRequest | None] = None, output: Format = "json"
) -> Response[bytes]:
    """Issue the numbered Z report of the last closed session."""
    manager_pin = data.manager_pin if data else None
    return await _command(
        request,
        lambda ctx: z_document(drawer.z_report(ctx, manager_pin)),
        status=201,
        output=output,
    )


DRAWER_HANDLERS = [open_drawer, add_movement, close_drawer, x_report, z_report]
