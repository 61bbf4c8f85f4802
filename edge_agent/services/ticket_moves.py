"""Moving lines between tickets: split (by item, by seat, evenly), merge and transfer.

A line moves as two facts: ``line_moved`` on the ticket it leaves and ``line_added`` (a
new line id, with ``moved_from``) on the ticket it joins, written in one transaction,
so every replica sees both or neither. A line keeps its price, taxes, discount and
whether the kitchen has it; promotions price each ticket on the lines it now holds.
Tickets that took payments keep their lines: refund first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from edge_agent.domain.errors import InvalidSplit, InvalidValue, LineNotFound
from edge_agent.domain.split import split_by_items, split_by_seat, split_evenly
from edge_agent.domain.ticket import TicketLine, ensure_open
from edge_agent.services.errors import StaffNotFound, TicketHasPayments
from edge_agent.services.ticket_view import TicketView, line_data
from edge_agent.services.tickets import (
    Context,
    event,
    field_edit,
    load,
    new_id,
    open_ticket,
    priced,
    record,
    status_change,
)
from edge_agent.store import oplog, reference

MAX_EVEN_PARTS = 50


def move_lines(
    ctx: Context, source: TicketView, lines: Sequence[TicketLine], target: TicketView
) -> tuple[TicketView, TicketView]:
    """Move lines from one open ticket to another; return both tickets after the move.

    Raises:
        TicketClosed, TicketHasPayments, InvalidValue (same ticket or another currency).
    """
    if source.id == target.id:
        raise InvalidValue("a ticket cannot take lines from itself")
    ensure_open(source.status)
    ensure_open(target.status)
    if source.payments:
        raise TicketHasPayments(f"ticket {source.header['receipt_no']} took payments; refund first")
    if source.currency != target.currency:
        raise InvalidValue("tickets in different currencies cannot share lines")
    added: list[oplog.Draft] = []
    moved: list[oplog.Draft] = []
    for line in lines:
        copy = replace(line, id=new_id(ctx))
        data = line_data(copy) | {"moved_from": {"ticket_id": source.id, "line_id": line.id}}
        added.append(event(target.id, "line_added", data))
        moved.append(
            event(
                source.id,
                "line_moved",
                {"line_id": line.id, "to_ticket_id": target.id, "to_line_id": copy.id},
            )
        )
    if target.status == "open" and any(line.sent for line in lines):
        added.append(status_change(target.id, "sent"))
    # Both tickets are priced again under the promotions that run now (ADR 0028).
    return (
        record(ctx, source.state, priced(ctx, source, moved)),
        record(ctx, target.state, priced(ctx, target, added)),
    )


def split(
    ctx: Context,
    ticket_id: str,
    by: str,
    *,
    groups: Sequence[Sequence[str]] = (),
    parts: int | None = None,
) -> list[TicketView]:
    """Split a bill; return every check, the original first.

    ``by="items"``: ``groups`` names each check's lines; the first group stays on the
    ticket, each other group moves to a new ticket at the same table. ``by="seat"``: one
    check per seat, shared lines (no seat) staying with the first. ``by="evenly"``: the
    ticket stays whole and records ``parts`` equal shares of what is owed, to be paid
    as separate tenders.

    Raises:
        TicketNotFound, TicketClosed, TicketHasPayments, InvalidSplit, LineNotFound.
    """
    view = load(ctx.conn, ticket_id)
    ensure_open(view.status)
    if by == "evenly":
        return [_split_evenly(ctx, view, parts)]
    if view.payments:
        raise TicketHasPayments("split evenly, or refund first: this ticket took payments")
    if view.ticket_discount is not None and view.ticket_discount.kind == "amount":
        raise InvalidSplit("a ticket with an amount off the whole bill can only be split evenly")
    live = [line for line in view.lines.values() if not line.voided]
    if by == "seat":
        groups = _seat_groups(live)
    elif by != "items":
        raise InvalidSplit(f"split by 'items', 'seat' or 'evenly', not {by!r}")
    checks = split_by_items(live, groups)
    if len(checks) < 2:
        raise InvalidSplit("a split needs at least two checks")
    results = []
    for lines in checks[1:]:
        view, check = move_lines(ctx, view, lines, _sibling(ctx, view))
        if view.ticket_discount is not None:
            # A percentage off the whole bill applies to every check of the split.
            discount = view.ticket_discount
            data = {
                "line_id": None,
                "kind": discount.kind,
                "value": discount.value,
                "reason": discount.reason,
                "by": ctx.who.staff_id,
                "split_from": view.id,
            }
            check = record(ctx, check.state, [event(check.id, "discount_applied", data)])
        results.append(check)
    return [view, *results]


def merge(ctx: Context, ticket_id: str, from_ticket_ids: Sequence[str]) -> TicketView:
    """Bring every line of other open tickets onto this one and close them, empty.

    Raises:
        TicketNotFound, TicketClosed, TicketHasPayments, InvalidValue.
    """
    if not from_ticket_ids:
        raise InvalidValue("name at least one ticket to merge in")
    if len(set(from_ticket_ids)) != len(from_ticket_ids):
        raise InvalidValue("a ticket is named twice")
    target = load(ctx.conn, ticket_id)
    for source_id in from_ticket_ids:
        source = load(ctx.conn, source_id)
        if source.ticket_discount is not None:
            raise InvalidValue(
                f"ticket {source.header['receipt_no']} has a discount on the whole bill;"
                " move its lines instead"
            )
        lines = [line for line in source.lines.values() if not line.voided]
        source, target = move_lines(ctx, source, lines, target)
        record(
            ctx,
            source.state,
            [
                event(source.id, "merged_into", {"ticket_id": target.id, "by": ctx.who.staff_id}),
                status_change(source.id, "closed"),
            ],
        )
    return target


def transfer(
    ctx: Context,
    ticket_id: str,
    *,
    table: str | None = None,
    server_id: str | None = None,
    line_ids: Sequence[str] = (),
    to_ticket_id: str | None = None,
) -> TicketView:
    """Move a ticket to another table or server, or move some of its lines to another ticket.

    A tab moved to a table becomes a table ticket, keeping its name, lines and payments.

    Raises:
        TicketNotFound, TicketClosed, TicketHasPayments, LineNotFound, StaffNotFound,
        InvalidValue (nothing to transfer).
    """
    view = load(ctx.conn, ticket_id)
    ensure_open(view.status)
    if to_ticket_id is not None:
        if not line_ids:
            raise InvalidValue("name the lines to move to the other ticket")
        lines = [_live_line(view, line_id) for line_id in line_ids]
        view, _ = move_lines(ctx, view, lines, load(ctx.conn, to_ticket_id))
    changes: dict[str, object] = {}
    if table is not None:
        changes["table"] = table
        if view.header.get("kind") == "tab":
            changes["kind"] = "table"  # a tab moved to a table is that table's ticket (ADR 0030)
    if server_id is not None:
        if reference.get(ctx.conn, "staff", server_id) is None:
            raise StaffNotFound(server_id)
        changes["server"] = server_id
    if changes:
        return record(ctx, view.state, [field_edit(view, changes)])
    if to_ticket_id is None:
        raise InvalidValue("name a table, a server or another ticket to transfer to")
    return view


def _live_line(view: TicketView, line_id: str) -> TicketLine:
    line = view.lines.get(line_id)
    if line is None or line.voided:
        raise LineNotFound(line_id)
    return line


def _split_evenly(ctx: Context, view: TicketView, parts: int | None) -> TicketView:
    if parts is None or not 2 <= parts <= MAX_EVEN_PARTS:
        raise InvalidSplit(f"split evenly into 2 to {MAX_EVEN_PARTS} parts")
    due = view.totals().balance_due
    if due <= 0:
        raise InvalidSplit("nothing is owed on this ticket")
    shares = split_evenly(due, parts)
    data = {"parts": parts, "shares": shares, "by": ctx.who.staff_id}
    return record(ctx, view.state, [event(view.id, "split_evenly", data)])


def _seat_groups(lines: Sequence[TicketLine]) -> list[list[str]]:
    seats = split_by_seat(lines)
    shared = [line.id for line in seats.pop(None, ())]
    groups = [[line.id for line in seat_lines] for seat_lines in seats.values()]
    if not groups:
        raise InvalidSplit("no line has a seat; split by items or evenly")
    groups[0].extend(shared)
    return groups


def _sibling(ctx: Context, view: TicketView) -> TicketView:
    """A new ticket of the same kind, table and name, for a split check."""
    header = view.header
    return open_ticket(ctx, header["kind"], table=header.get("table"), name=header.get("name"))
