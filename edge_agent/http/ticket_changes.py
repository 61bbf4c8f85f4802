"""Handlers that change a ticket's shape: change a line, hold and recall, split, merge,
transfer. Each is a thin wrapper over one service call, once per ``Idempotency-Key``.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, patch, post
from litestar.params import FromPath, JSONBody

from edge_agent.http import schemas
from edge_agent.http.commands import answer, run_command, ticket_command
from edge_agent.services import ticket_moves, tickets


@patch("/api/v1/tickets/{ticket_id:str}/lines/{line_id:str}", summary="Change a line")
async def change_line(
    request: Request[Any, Any, Any],
    ticket_id: FromPath[str],
    line_id: FromPath[str],
    data: JSONBody[schemas.ChangeLine],
) -> Response[schemas.Ticket]:
    """Change a line's quantity, notes, seat or course (less of a sent line is a void)."""
    return await ticket_command(
        request,
        lambda ctx: tickets.change_line(
            ctx,
            ticket_id,
            line_id,
            data.changes(),
            reason=data.reason,
            manager_pin=data.manager_pin,
        ),
    )


@post("/api/v1/tickets/{ticket_id:str}/hold", summary="Hold a ticket", status_code=200)
async def hold(
    request: Request[Any, Any, Any], ticket_id: FromPath[str]
) -> Response[schemas.Ticket]:
    """Park a ticket."""
    return await ticket_command(request, lambda ctx: tickets.hold(ctx, ticket_id))


@post("/api/v1/tickets/{ticket_id:str}/recall", summary="Recall a ticket", status_code=200)
async def recall(
    request: Request[Any, Any, Any], ticket_id: FromPath[str]
) -> Response[schemas.Ticket]:
    """Bring a held ticket back."""
    return await ticket_command(request, lambda ctx: tickets.recall(ctx, ticket_id))


@post("/api/v1/tickets/{ticket_id:str}/split", summary="Split a ticket", status_code=201)
async def split(
    request: Request[Any, Any, Any], ticket_id: FromPath[str], data: JSONBody[schemas.SplitRequest]
) -> Response[schemas.SplitChecks]:
    """Split by items, by seat or evenly; answers every check, the original first."""
    code, payload = await run_command(
        request,
        lambda ctx: schemas.SplitChecks(
            checks=[
                schemas.ticket_document(check)
                for check in ticket_moves.split(
                    ctx, ticket_id, data.by, groups=data.groups, parts=data.parts
                )
            ]
        ),
    )
    return answer(code, payload)


@post("/api/v1/tickets/{ticket_id:str}/merge", summary="Merge tickets", status_code=200)
async def merge(
    request: Request[Any, Any, Any], ticket_id: FromPath[str], data: JSONBody[schemas.MergeRequest]
) -> Response[schemas.Ticket]:
    """Merge other open tickets into this one."""
    return await ticket_command(
        request, lambda ctx: ticket_moves.merge(ctx, ticket_id, data.from_ticket_ids)
    )


@post("/api/v1/tickets/{ticket_id:str}/transfer", summary="Transfer a ticket", status_code=200)
async def transfer(
    request: Request[Any, Any, Any],
    ticket_id: FromPath[str],
    data: JSONBody[schemas.TransferRequest],
) -> Response[schemas.Ticket]:
    """Move a ticket to another table or server, or some lines to another ticket."""
    return await ticket_command(
        request,
        lambda ctx: ticket_moves.transfer(
            ctx,
            ticket_id,
            table=data.table,
            server_id=data.server_id,
            line_ids=data.line_ids,
            to_ticket_id=data.to_ticket_id,
        ),
    )


TICKET_CHANGE_HANDLERS = [change_line, hold, recall, split, merge, transfer]
