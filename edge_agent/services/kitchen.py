"""Kitchen orders: what each station has to make, and bumping orders along.

A kitchen device lists the open orders of its station (tickets of the last day with
lines sent there that are not all ``ready``) and bumps them to ``preparing`` and
``ready``. A bump is a ``kitchen_bumped`` event on the ticket, so it syncs like any
other fact: the counter device sees the order ready (and calls its number) and the hub
keeps it. The rules are :mod:`edge_agent.domain.kitchen`'s.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from edge_agent.domain import kitchen
from edge_agent.domain.rbac import Permission
from edge_agent.domain.ticket import TicketLine
from edge_agent.services import staff, tickets
from edge_agent.services.catalog import load_catalog
from edge_agent.services.errors import NothingToBump
from edge_agent.services.ticket_view import TicketView

#: Orders opened longer ago than this are no longer the kitchen's business.
HORIZON_MS = 24 * 3600 * 1000
_SENT = ("sent", "billed", "paid", "closed")


@dataclass(frozen=True, slots=True)
class KitchenOrder:
    """One ticket's lines at one station, as a kitchen screen shows them."""

    ticket_id: str
    order_no: int
    kind: str
    table: str | None
    name: str | None
    station: str
    status: str
    sent_ms: int
    age_s: int
    lines: list[tuple[TicketLine, str]]


def _order(view: TicketView, station: str, now_ms: int) -> KitchenOrder | None:
    status = view.kitchen.get(station)
    if status is None or status == "ready":
        return None
    lines = kitchen.at_station(view.lines.values(), station)
    header = view.header
    sent_ms = min(view.sent_ms.get(line.id, header["opened_ms"]) for line in lines)
    return KitchenOrder(
        ticket_id=view.id,
        order_no=int(header.get("order_no") or 0),
        kind=str(header.get("kind")),
        table=header.get("table"),
        name=header.get("name"),
        station=station,
        status=status,
        sent_ms=sent_ms,
        age_s=max(0, (now_ms - sent_ms) // 1000),
        lines=[(line, view.kitchen_lines.get(line.id, "new")) for line in lines],
    )


def open_orders(conn: sqlite3.Connection, station: str | None, now_ms: int) -> list[KitchenOrder]:
    """Open kitchen orders, oldest first, of one station or of every station.

    Raises:
        StationNotFound: ``station`` names no kitchen station.
    """
    catalog = load_catalog(conn)
    wanted = [catalog.station(station).id] if station is not None else sorted(catalog.stations)
    marks = ", ".join("?" for _ in _SENT)
    rows = conn.execute(
        f"SELECT id FROM tickets WHERE status IN ({marks}) AND opened_ms >= ?"
        " AND merged_into IS NULL ORDER BY opened_ms, id",
        (*_SENT, now_ms - HORIZON_MS),
    ).fetchall()
    found = []
    for (ticket_id,) in rows:
        view = tickets.load(conn, ticket_id)
        found += [o for s in wanted if (o := _order(view, s, now_ms)) is not None]
    return sorted(found, key=lambda o: (o.sent_ms, o.order_no, o.station))


def bump(ctx: tickets.Context, ticket_id: str, station: str, status: str) -> TicketView:
    """Move an order's lines at a station forward to ``preparing`` or ``ready``; needs
    the kitchen permission.

    Raises:
        TicketNotFound, PermissionDenied, StationNotFound, InvalidValue (not a bump),
        NothingToBump: no line of the order at the station is behind ``status``.
    """
    view = tickets.load(ctx.conn, ticket_id)
    staff.authorize(ctx.conn, ctx.who, Permission.KITCHEN, None)
    load_catalog(ctx.conn).station(station)
    line_ids = kitchen.to_bump(view.lines.values(), view.kitchen_lines, station, status)
    if not line_ids:
        raise NothingToBump(f"no line of this order at {station} is before {status}")
    data = {"station": station, "status": status, "line_ids": line_ids, "by": ctx.who.staff_id}
    return tickets.record(ctx, view.state, [tickets.event(ticket_id, "kitchen_bumped", data)])
