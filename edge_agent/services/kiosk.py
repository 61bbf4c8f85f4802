"""Self-order kiosk orders, and the counter's list of those awaiting payment (ADR 0031).

A kiosk opens a ``kiosk`` ticket, adds lines (the product's required modifiers are
enforced by :func:`edge_agent.services.tickets.add_line`, the outlet's quantity caps
here) and checks out: its lines go to the kitchen and it either pays by card at the
kiosk (stored and forwarded while offline) or leaves the order to be paid at the
counter. The checkout is a ``kiosk_checked_out`` ticket event (``pay_at``, ``by``).
"""

from __future__ import annotations

import sqlite3

from edge_agent.domain.errors import InvalidValue
from edge_agent.domain.kiosk import PayAt, ensure_own_order
from edge_agent.domain.ticket import ensure_open
from edge_agent.services import outlet_settings, tickets
from edge_agent.services.ticket_view import TicketView
from edge_agent.services.tickets import Context


def open_order(ctx: Context) -> TicketView:
    """Open a kiosk ticket with the device's next receipt and order numbers."""
    return tickets.open_ticket(ctx, "kiosk")


def order(ctx: Context, ticket_id: str) -> TicketView:
    """A kiosk order of this kiosk.

    Raises:
        TicketNotFound: no such ticket.
        KioskNotAllowed: not a kiosk ticket this kiosk opened.
    """
    view = tickets.load(ctx.conn, ticket_id)
    ensure_own_order(view.header.get("kind", ""), view.header.get("opened_by"), ctx.who.staff_id)
    return view


def add_line(
    ctx: Context,
    ticket_id: str,
    variant_id: str,
    quantity: int,
    modifier_ids: tuple[str, ...],
    notes: str,
) -> TicketView:
    """Add a line to a kiosk order at the catalog price, within the outlet's caps.

    Raises:
        TicketNotFound, KioskNotAllowed, TicketClosed, KioskQuantityOverCap,
        VariantNotFound, ModifierSelectionInvalid (a required modifier missing).
    """
    view = order(ctx, ticket_id)
    ensure_open(view.status)
    on_order = sum(line.quantity for line in view.lines.values() if not line.voided)
    outlet_settings.kiosk_limits(ctx.conn).check(quantity, on_order)
    return tickets.add_line(
        ctx, ticket_id, variant_id, quantity, modifier_ids=modifier_ids, notes=notes
    )


def check_out(ctx: Context, ticket_id: str, pay_at: PayAt, reference: str | None) -> TicketView:
    """Send a kiosk order to the kitchen and pay it by card here, or leave it to the
    counter; in one transaction, so a refused card sends nothing.

    Raises:
        TicketNotFound, KioskNotAllowed, TicketClosed, InvalidValue (an empty order, or
        one checked out already), OfflineCardLimit (a card the outlet will not store).
    """
    view = order(ctx, ticket_id)
    ensure_open(view.status)
    if view.pay_at is not None:
        raise InvalidValue(f"this order was checked out already (pay at {view.pay_at})")
    if not any(not line.voided for line in view.lines.values()):
        raise InvalidValue("add something to the order first")
    data = {"pay_at": pay_at, "by": ctx.who.staff_id}
    tickets.record(ctx, view.state, [tickets.event(ticket_id, "kiosk_checked_out", data)])
    view = tickets.send(ctx, ticket_id)
    if pay_at == "counter":
        return view
    return tickets.pay(ctx, ticket_id, "card", view.totals().balance_due, reference=reference)


def awaiting_payment(conn: sqlite3.Connection) -> list[TicketView]:
    """Kiosk orders left to be paid at the counter that still owe money, oldest first."""
    rows = conn.execute(
        "SELECT id FROM tickets WHERE kind = 'kiosk' AND status IN ('open', 'sent', 'billed')"
        " ORDER BY opened_ms, id"
    )
    views = [tickets.load(conn, row[0]) for row in rows.fetchall()]
    return [v for v in views if v.pay_at == "counter" and v.totals().balance_due > 0]
