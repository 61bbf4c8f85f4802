"""X and Z reports as documents (the API's JSON shape) and as print jobs.

An issued Z prints once on the receipt printer, when there is one; asking again prints
a copy, marked COPY, of the Z as it was issued.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from edge_agent.printing.day_report import report_layout
from edge_agent.printing.queue import JobInfo
from edge_agent.services import printing, reports
from edge_agent.services.drawer_sessions import Session
from edge_agent.services.errors import NoPrinter
from edge_agent.services.tickets import Context
from sync_protocol import uuid7

Clock = Callable[[], int]


def session_document(session: Session) -> dict[str, Any]:
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


def _warnings(open_tickets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not open_tickets:
        return []
    numbers = ", ".join(t["receipt_no"] for t in open_tickets)
    message = f"{len(open_tickets)} ticket(s) still open: {numbers}"
    return [{"code": "open_tickets", "message": message}]


def x_document(summary: reports.ShiftSummary) -> dict[str, Any]:
    """An X report as JSON."""
    return {
        "session": session_document(summary.session),
        "report": asdict(summary.report),
        "open_tickets": summary.open_tickets,
        "warnings": _warnings(summary.open_tickets),
    }


def z_document(summary: reports.ZSummary) -> dict[str, Any]:
    """A Z report as JSON."""
    report = summary.report
    return {
        "number": report.number,
        "session": session_document(summary.session),
        "counts": {str(d): n for d, n in summary.counts.items()},
        "counted": report.counted_cash,
        "variance": report.variance,
        "report": asdict(report.shift),
        "open_tickets": summary.open_tickets,
        "warnings": _warnings(summary.open_tickets),
        "issued_ms": summary.issued_ms,
    }


def _print_z(ctx: Context, summary: reports.ZSummary, *, copy: bool, job_id: str) -> JobInfo | None:
    printer = printing.receipt_printer(ctx.conn)
    if printer is None:
        return None
    now = ctx.clock()
    document = report_layout(
        z_document(summary),
        columns=printer.columns,
        code_page=printer.code_page,
        copy=copy,
        reprinted_at=printing.local_time(ctx.conn, now) if copy else None,
        cut_partial=printer.cut == "partial",
    )
    return printing.print_document(
        ctx.conn, job_id, "z_report", document, now, copy=copy, who=ctx.who.staff_id
    )


def issue_z(ctx: Context, manager_pin: str | None = None) -> dict[str, Any]:
    """Issue the Z report (see :func:`reports.z_report`) and print it, same transaction."""
    summary = reports.z_report(ctx, manager_pin)
    job = _print_z(ctx, summary, copy=False, job_id=f"z:{summary.session.id}")
    return z_document(summary) | {"print_job": None if job is None else job.id}


def reprint_z(
    ctx: Context, number: int, manager_pin: str | None = None, key: str | None = None
) -> dict[str, Any]:
    """Print an issued Z again, marked COPY.

    Raises:
        ZNotFound, PermissionDenied, WrongPin, NoPrinter.
    """
    summary = reports.issued_z(ctx.conn, number, ctx.who, manager_pin)
    job_id = f"z-copy:{number}:{key or uuid7(ctx.clock())}"
    job = _print_z(ctx, summary, copy=True, job_id=job_id)
    if job is None:
        raise NoPrinter("receipt")
    return z_document(summary) | {"print_job": job.id, "copy": True}
