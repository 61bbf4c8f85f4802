"""Printer, print-job and receipt endpoints, exported as ``PRINTER_HANDLERS`` for the app.

``POST /tickets/{id}/print`` queues a job and answers 202 at once: the printer's worker
prints it (a printer that is off never holds up the till). It runs once per
``Idempotency-Key``, so a double tap prints once.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody, QueryParameter

from edge_agent.http import schemas
from edge_agent.http.commands import answer, operator_token, run_command
from edge_agent.http.openapi import ALSO_AS
from edge_agent.printing.errors import PrinterConfigError
from edge_agent.printing.reload import PrintersReloader
from edge_agent.services import print_jobs, printing, staff, tickets
from edge_agent.services.errors import PrintersFileInvalid
from edge_agent.store.gateway import Store


def job_document(job: printing.JobInfo) -> schemas.PrintJob:
    """A print job as the API shows it (never its bytes)."""
    return msgspec.convert(asdict(job), schemas.PrintJob)


def printer_document(p: printing.PrinterOverview) -> schemas.Printer:
    """A printer with its last status and the jobs it has waiting."""
    c = p.config
    document = {
        "name": c.name,
        "label": c.display_name,
        "role": c.role,
        "stations": list(c.stations),
        "backend": c.backend,
        "where": c.where(),
        "code_page": c.code_page,
        "paper_mm": c.paper_mm,
        "drawer": c.drawer,
        "status": p.status,
        "status_detail": p.status_detail,
        "checked_ms": p.checked_ms,
        "waiting": p.waiting,
        "message": p.message,
        "needs_attention": p.needs_attention,
    }
    return msgspec.convert(document, schemas.Printer)


def _store(state: State) -> Store:
    store: Store = state.store
    return store


@get("/api/v1/printers", summary="List printers", sync_to_thread=True)
def list_printers(state: State) -> list[schemas.Printer]:
    """Configured printers: status (``unknown`` unless the printer answered) and queue."""
    with _store(state).read() as conn:
        return [printer_document(p) for p in printing.overview(conn)]


@get("/api/v1/print-jobs", summary="List print jobs", sync_to_thread=True)
def list_jobs(
    state: State,
    printer: Annotated[str | None, QueryParameter()] = None,
    job_state: Annotated[
        Literal["pending", "printing", "done", "unconfirmed", "failed", "expired", "cancelled"]
        | None,
        QueryParameter(name="state"),
    ] = None,
    ticket_id: Annotated[str | None, QueryParameter()] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
) -> list[schemas.PrintJob]:
    """Print jobs, newest first."""
    with _store(state).read() as conn:
        jobs = printing.listing(
            conn, printer=printer, state=job_state, ticket_id=ticket_id, limit=limit
        )
        return [job_document(job) for job in jobs]


@post("/api/v1/tickets/{ticket_id:str}/print", summary="Print a ticket", status_code=202)
async def print_ticket(
    request: Request[Any, Any, Any],
    ticket_id: FromPath[str],
    data: JSONBody[schemas.PrintRequest | None] = None,
) -> Response[schemas.PrintJobs]:
    """Queue the receipt (a bill while unpaid; ``copy`` for a reprint) or kitchen copies."""
    body = data or schemas.PrintRequest()
    key = request.headers.get("idempotency-key")
    code, payload = await run_command(
        request,
        lambda ctx: schemas.PrintJobs(
            jobs=[
                job_document(job)
                for job in printing.print_ticket(
                    ctx.conn,
                    tickets.load(ctx.conn, ticket_id),
                    ctx.clock,
                    what=body.what,
                    copy=body.copy,
                    key=key,
                    who=ctx.who.staff_id,
                )
            ]
        ),
    )
    runtime = request.app.state.get("printing")
    if runtime is not None:
        runtime.wake()
    return answer(code, payload)


@get(
    "/api/v1/tickets/{ticket_id:str}/receipt",
    summary="Show a receipt",
    sync_to_thread=True,
    media_type="text/plain",
    opt={ALSO_AS: {"text/html": "The receipt as an HTML page (`?format=html`)."}},
)
def receipt(
    ticket_id: FromPath[str],
    state: State,
    output: Annotated[Literal["text", "html"], QueryParameter(name="format")] = "text",
) -> Response[str]:
    """The receipt as plain text or HTML, for a screen or an email (no printer involved)."""
    with _store(state).read() as conn:
        document = printing.receipt_view(conn, tickets.load(conn, ticket_id), state.clock(), output)
    media = "text/html" if output == "html" else "text/plain"
    return Response(document, media_type=media)  # litestar adds "; charset=utf-8"


async def _settle(request: Request[Any, Any, Any], job_id: str, printed: bool) -> Response[Any]:
    code, payload = await run_command(
        request,
        lambda ctx: job_document(print_jobs.settle_job(ctx, job_id, printed)),
    )
    runtime = request.app.state.get("printing")
    if runtime is not None and not printed:
        runtime.wake()
    return answer(code, payload)


@post("/api/v1/print-jobs/{job_id:str}/resend", summary="Send a print job again", status_code=200)
async def resend_job(
    request: Request[Any, Any, Any], job_id: FromPath[str]
) -> Response[schemas.PrintJob]:
    """Send an unconfirmed (or failed) job again, the same bytes: it did not come out
    (audited)."""
    return await _settle(request, job_id, printed=False)


@post("/api/v1/print-jobs/{job_id:str}/printed", summary="Confirm a job printed", status_code=200)
async def job_printed(
    request: Request[Any, Any, Any], job_id: FromPath[str]
) -> Response[schemas.PrintJob]:
    """Record that an unconfirmed job did come out on paper (audited)."""
    return await _settle(request, job_id, printed=True)


@post("/api/v1/print-jobs/{job_id:str}/cancel", summary="Cancel a print job", status_code=200)
async def cancel_job(
    request: Request[Any, Any, Any], job_id: FromPath[str], data: JSONBody[schemas.VoidRequest]
) -> Response[schemas.PrintJob]:
    """Cancel a job waiting, unconfirmed or failed, so it never prints: with a reason and
    the ``cancel_print_job`` permission (or a manager's PIN); audited, once per
    ``Idempotency-Key``."""
    code, payload = await run_command(
        request,
        lambda ctx: job_document(print_jobs.cancel_job(ctx, job_id, data.reason, data.manager_pin)),
    )
    return answer(code, payload)


@post("/api/v1/printers/reload", summary="Reload printers", status_code=200, sync_to_thread=True)
def reload_printers(request: Request[Any, Any, Any], state: State) -> list[schemas.Printer]:
    """Apply the printers file now (it is also applied by itself within seconds of a
    change); a file that does not describe printers changes nothing and answers 422."""
    with _store(state).read() as conn:
        staff.operator(conn, operator_token(request))
    reloader: PrintersReloader | None = state.get("printers_reloader")
    if reloader is None:
        raise PrintersFileInvalid("printing is not running in this process")
    try:
        reloader.reload()
    except PrinterConfigError as exc:
        raise PrintersFileInvalid(str(exc)) from None
    with _store(state).read() as conn:
        return [printer_document(p) for p in printing.overview(conn)]


PRINTER_HANDLERS = [
    list_printers,
    list_jobs,
    print_ticket,
    receipt,
    resend_job,
    job_printed,
    cancel_job,
    reload_printers,
]
