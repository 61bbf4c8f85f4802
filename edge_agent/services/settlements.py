"""Settling a ticket's money after the sale: confirming or declining a pending tender,
and reinstating a voided ticket that holds money.

Each is an event on the ticket, written through the outbox like any sale, so it syncs:

- ``payment_confirmed`` with ``status`` ``confirmed`` or ``declined`` (the one event name
  the ticket lifecycle accepts after close, so a decline on a closed ticket is no late
  op). The cashier confirms from the terminal slip or the customer's confirmation SMS;
  the hub writes the same event for a confirmation that reaches it. A repeat of the
  outcome changes nothing; the other outcome is refused (``payment_already_settled``).
- ``ticket_reinstated``: a voided ticket that took money on another till counts as a
  sale again (its lifecycle status stays ``voided``: statuses never move back).

Both need a permission, or an inline manager override, which is audited in the event.
"""

from __future__ import annotations

from edge_agent.domain.errors import NothingToReinstate, ReasonRequired
from edge_agent.domain.rbac import Permission
from edge_agent.domain.tendering import settle
from edge_agent.services import staff
from edge_agent.services.errors import PaymentNotFound
from edge_agent.services.ticket_view import TicketView
from edge_agent.services.tickets import Context, audit, event, load, record


def settle_payment(
    ctx: Context,
    ticket_id: str,
    payment_id: str,
    outcome: str,
    *,
    reference: str | None = None,
    reason: str = "",
    manager_pin: str | None = None,
) -> TicketView:
    """Confirm or decline a pending card or mobile-money tender.

    Raises:
        TicketNotFound, PaymentNotFound, PaymentAlreadySettled, ReasonRequired (a
        decline without a reason), PermissionDenied, WrongPin.
    """
    view = load(ctx.conn, ticket_id)
    payment = next((p for p in view.payments if p.id == payment_id), None)
    if payment is None:
        raise PaymentNotFound(payment_id)
    if outcome == "declined" and not reason.strip():
        raise ReasonRequired("a declined tender needs a reason")
    override = staff.authorize(ctx.conn, ctx.who, Permission.CONFIRM_PAYMENT, manager_pin)
    if not settle(payment.status, outcome):
        return view
    data = {
        "payment_id": payment_id,
        "status": outcome,
        "reference": reference.strip() if reference and reference.strip() else None,
        "reason": reason,
        "source": "device",
        "by": ctx.who.staff_id,
        **audit(override),
    }
    return record(ctx, view.state, [event(ticket_id, "payment_confirmed", data)])


def reinstate(ctx: Context, ticket_id: str, reason: str, manager_pin: str | None) -> TicketView:
    """Bring back a voided ticket that holds money as a sale (instead of refunding it).

    Raises:
        TicketNotFound, NothingToReinstate (not voided, reinstated already, or holding no
        money), ReasonRequired, PermissionDenied, WrongPin.
    """
    view = load(ctx.conn, ticket_id)
    money = view.money
    if money is None or not money.voided or money.held <= 0:
        raise NothingToReinstate("only a voided ticket that holds money can be reinstated")
    if not reason.strip():
        raise ReasonRequired("a reinstatement needs a reason")
    override = staff.authorize(ctx.conn, ctx.who, Permission.VOID, manager_pin)
    data = {"reason": reason, "by": ctx.who.staff_id, **audit(override)}
    return record(ctx, view.state, [event(ticket_id, "ticket_reinstated", data)])
