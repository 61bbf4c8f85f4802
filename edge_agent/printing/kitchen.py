"""Kitchen tickets: lines routed to the printers of their stations, laid out large.

A line voided or changed after it was sent prints again at its station, under a VOID
or CHANGE banner; a changed line says what it was before.

Routing (:func:`route`): a line goes to the kitchen or bar printer that lists its
station; failing that to a kitchen or bar printer listing ``"*"``; failing that to the
receipt printer, so a line sent to the kitchen is never silently left unprinted. Lines
with no station (retail items) are not kitchen business.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from edge_agent.domain.ticket import TicketLine
from edge_agent.printing.config import ANY_STATION, PrinterConfig
from edge_agent.printing.document import Document, Page

COPY_BANNER = "*** COPY ***"
VOID = "VOID"
CHANGE = "CHANGE"


@dataclass(frozen=True, slots=True)
class KitchenTicket:
    """What the kitchen needs to make and deliver one send of a ticket.

    Attributes:
        station: the station name printed on top ("Kitchen", "Bar").
        course: the course fired, or None when every unsent line went.
        when: local time of the send, formatted.
        change: ``VOID`` or ``CHANGE`` for lines voided or changed after they were
            sent, None for a send.
        was: for a CHANGE, each line as it read before, by line id.
    """

    ticket_id: str
    order_no: int
    station: str
    when: str
    lines: Sequence[TicketLine]
    table: str | None = None
    covers: int | None = None
    name: str | None = None
    server: str | None = None
    course: int | None = None
    change: str | None = None
    was: Mapping[str, TicketLine] | None = None


def route(
    lines: Iterable[TicketLine], printers: Sequence[PrinterConfig]
) -> dict[str, list[TicketLine]]:
    """Lines by the name of the printer that prints them, in the order given."""
    stations = [p for p in printers if p.role in ("kitchen", "bar")]
    catch_all = next((p for p in stations if ANY_STATION in p.stations), None)
    receipt = next((p for p in printers if p.role == "receipt"), None)
    routed: dict[str, list[TicketLine]] = {}
    for line in lines:
        if line.station is None or line.voided:
            continue
        target = next((p for p in stations if line.station in p.stations), catch_all or receipt)
        if target is not None:
            routed.setdefault(target.name, []).append(line)
    return routed


def kitchen_layout(
    ticket: KitchenTicket,
    *,
    columns: int,
    code_page: str | None,
    copy: bool = False,
    cut_partial: bool = True,
) -> Document:
    """Lay out one kitchen ticket in large type, lines grouped by course."""
    page = Page(f"{ticket.station} order {ticket.order_no}", columns, code_page)
    banners = [COPY_BANNER] * copy + [f"*** {ticket.change} ***"] * bool(ticket.change)
    for banner in banners:
        page.line(banner, align="center", bold=True, big=True)
    page.line(ticket.station.upper(), align="center", bold=True, big=True)
    page.line(f"ORDER #{ticket.order_no}", align="center", bold=True, big=True)
    if ticket.table:
        page.line(f"TABLE {ticket.table}", align="center", bold=True, big=True)
    if ticket.covers:
        page.line(f"{ticket.covers} covers", align="center", bold=True, tall=True)
    if ticket.name:
        page.line(ticket.name, align="center", bold=True, tall=True)
    if ticket.course is not None:
        page.line(f"FIRE COURSE {ticket.course}", align="center", bold=True, tall=True)
    page.pair(ticket.when, ticket.server or "")
    page.rule()
    courses = sorted({line.course for line in ticket.lines})
    for course in courses:
        if len(courses) > 1 or course > 1:
            page.line(f"-- COURSE {course} --", align="center", bold=True)
        for line in (x for x in ticket.lines if x.course == course):
            void = f"{VOID} " if ticket.change == VOID else ""
            page.line(f"{void}{line.quantity} x {line.name}", bold=True, tall=True)
            for modifier in line.modifiers:
                page.line(f"+ {modifier.name}", tall=True, indent=3)
            if line.notes:
                page.line(f"! {line.notes}", bold=True, tall=True, indent=3)
            if line.seat is not None:
                page.line(f"seat {line.seat}", indent=3)
            before = (ticket.was or {}).get(line.id)
            for said in _was(before, line) if before is not None else ():
                page.line(f"was {said}", indent=3)
    page.rule()
    for banner in banners:
        page.line(banner, align="center", bold=True, big=True)
    page.cut(partial=cut_partial)
    return page.done()


def _was(before: TicketLine, after: TicketLine) -> list[str]:
    """How a changed line read before, field by field (only what changed)."""
    said = []
    if before.quantity != after.quantity:
        said.append(f"{before.quantity} x {before.name}")
    if before.notes != after.notes:
        said.append(f"! {before.notes}" if before.notes else "without notes")
    if before.seat != after.seat:
        said.append(f"seat {before.seat}" if before.seat is not None else "without a seat")
    if before.course != after.course:
        said.append(f"course {before.course}")
    return said
