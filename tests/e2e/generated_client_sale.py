"""A sale made through a client generated from ``docs/openapi/agent.json``.

Not a test module: :mod:`tests.e2e.test_generated_client` copies it beside the package
``agent_client`` that openapi-python-client generates, type-checks both with mypy and
runs it against a real agent (``python generated_client_sale.py URL``). It signs in as
the demo cashier, opens the drawer, opens a ticket, adds a latte with oat milk, pays
cash with a tip, closes the ticket and reads the X report with the manager's PIN, and
prints the numbers as JSON.
"""

from __future__ import annotations

import json
import sys

from agent_client import AuthenticatedClient, Client
from agent_client.api.default import (
    api_v1_auth_pin_pin_login,
    api_v1_drawer_open_open_drawer,
    api_v1_reports_xx_report,
    api_v1_tickets_open_ticket,
    api_v1_tickets_ticket_id_close_close,
    api_v1_tickets_ticket_id_lines_add_line,
    api_v1_tickets_ticket_id_payments_pay,
)
from agent_client.models import (
    AddLine,
    DrawerSession,
    OpenDrawer,
    OpenTicket,
    OpenTicketKind,
    PaymentRequest,
    PaymentRequestMethod,
    PinLogin,
    Session,
    Ticket,
    XReport,
)

CASHIER_PIN, MANAGER_PIN = "1111", "9999"
TIP = 5_000


def sale(base_url: str) -> dict[str, object]:
    """Make the sale; the figures the caller checks."""
    session = api_v1_auth_pin_pin_login.sync(client=Client(base_url), body=PinLogin(CASHIER_PIN))
    assert isinstance(session, Session), session
    till = AuthenticatedClient(base_url, token=session.token)
    drawer = api_v1_drawer_open_open_drawer.sync(client=till, body=OpenDrawer(float_=0))
    assert isinstance(drawer, DrawerSession), drawer
    ticket = api_v1_tickets_open_ticket.sync(
        client=till, body=OpenTicket(kind=OpenTicketKind.COUNTER)
    )
    assert isinstance(ticket, Ticket), ticket
    latte = AddLine(variant_id="latte-r", modifier_ids=["milk-oat"])
    ticket = api_v1_tickets_ticket_id_lines_add_line.sync(ticket.id, client=till, body=latte)
    assert isinstance(ticket, Ticket), ticket
    due = ticket.totals.cash_due
    cash = PaymentRequest(amount=due + TIP, method=PaymentRequestMethod.CASH, tip=TIP)
    paid = api_v1_tickets_ticket_id_payments_pay.sync(ticket.id, client=till, body=cash)
    assert isinstance(paid, Ticket), paid
    closed = api_v1_tickets_ticket_id_close_close.sync(ticket.id, client=till)
    assert isinstance(closed, Ticket), closed
    x = api_v1_reports_xx_report.sync(client=till, x_manager_pin=MANAGER_PIN)
    assert isinstance(x, XReport), x
    return {
        "status": closed.status.value,
        "due": due,
        "modifiers": [m.id for m in closed.lines[0].chosen_modifiers],
        "tips": [(p.method.value, p.tip) for p in closed.payments],
        "cash_sales": x.report.cash_sales,
        "gross_sales": x.report.gross_sales,
        "tips_total": x.report.tips_total,
        "settled_tickets": x.report.settled_tickets,
    }


if __name__ == "__main__":
    print(json.dumps(sale(sys.argv[1])))
