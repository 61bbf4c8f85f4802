"""The lines a refund returned, read from and checked against the ticket's refunds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from edge_agent.domain.returns import returned_lines
from edge_agent.services.ticket_view import TicketView


def by_refund(view: TicketView) -> dict[str, dict[str, int]]:
    """Per refund id, the quantities it took back by line id (older refunds that named
    lines without quantities took back the whole line)."""
    found: dict[str, dict[str, int]] = {}
    for event in sorted(view.state.events.values(), key=lambda e: e.order_key):
        if event.name != "refund_issued":
            continue
        data: dict[str, Any] = event.data
        if "lines" in data:
            found[data["refund_id"]] = {x["line_id"]: x["quantity"] for x in data["lines"]}
        else:
            found[data["refund_id"]] = {
                i: view.lines[i].quantity for i in data.get("line_ids", ()) if i in view.lines
            }
    return found


def returned(
    view: TicketView, whole: Sequence[str], partial: Sequence[tuple[str, int]]
) -> dict[str, int]:
    """What a new refund on this ticket takes back, checked against earlier refunds.

    Raises:
        LineNotFound, InvalidValue: see :func:`edge_agent.domain.returns.returned_lines`.
    """
    return returned_lines(view.lines, by_refund(view).values(), whole, partial)
