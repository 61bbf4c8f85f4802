"""Bar tabs (ADR 0030): a tab opened by name, with an optional card pre-authorisation,
and the open tabs of the outlet as this device holds them.

A pre-authorisation is a payment intent, not money: a ``tab_preauthorised`` event on
the tab (id, amount, the card terminal's reference) that no total or money conflict
counts. The tab is settled by tenders like any ticket; a card tender that names the
pre-authorisation (``preauth_id``) is the capture, taken as a pending card payment under
the pre-authorisation's reference, which treasury confirms through the hub like any
pending tender (``payment_confirmed``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from edge_agent.domain.errors import InvalidAmount
from edge_agent.domain.tabs import limit_reached, preauthorisation
from edge_agent.services.tab_limits import limit_of
from edge_agent.services.tab_preauths import PREAUTHORISED, preauthorisations
from edge_agent.services.ticket_view import TicketView
from edge_agent.services.tickets import Context, event, load, new_id, open_ticket, record


@dataclass(frozen=True, slots=True)
class OpenTab:
    """One open tab, as the list of tabs shows it."""

    id: str
    name: str
    receipt_no: str
    total: int
    balance_due: int
    limit: int | None
    limit_reached: bool
    preauthorised: int


def open_tab(
    ctx: Context,
    name: str | None,
    *,
    limit: int | None = None,
    preauth_amount: int | None = None,
    preauth_reference: str | None = None,
) -> TicketView:
    """Open a tab by name, with its limit and a card pre-authorisation when given.

    Raises:
        InvalidValue: no name. InvalidAmount: a limit or pre-authorisation below one.
        ReferenceRequired: a pre-authorisation without the terminal's reference.
    """
    preauth = None
    if preauth_amount is not None or preauth_reference is not None:
        if preauth_amount is None:
            raise InvalidAmount("a pre-authorisation needs its amount")
        preauth = preauthorisation(new_id(ctx), preauth_amount, preauth_reference)
    view = open_ticket(ctx, "tab", name=name, tab_limit=limit)
    if preauth is None:
        return view
    data = {
        "preauth_id": preauth.id,
        "method": "card",
        "amount": preauth.amount,
        "reference": preauth.reference,
        "status": preauth.status,
        "by": ctx.who.staff_id,
    }
    return record(ctx, view.state, [event(view.id, PREAUTHORISED, data)])


def open_tabs(conn: sqlite3.Connection) -> list[OpenTab]:
    """The tabs not yet paid, oldest first (a tab moved to a table is no tab any more)."""
    rows = conn.execute(
        "SELECT id FROM tickets WHERE kind = 'tab' AND status IN ('open', 'sent')"
        " AND merged_into IS NULL ORDER BY opened_ms, id"
    ).fetchall()
    tabs = []
    for (ticket_id,) in rows:
        view = load(conn, ticket_id)
        totals = view.totals()
        limit = limit_of(view)
        tabs.append(
            OpenTab(
                id=view.id,
                name=str(view.header.get("name")),
                receipt_no=str(view.header.get("receipt_no")),
                total=totals.total,
                balance_due=totals.balance_due,
                limit=limit,
                limit_reached=limit_reached(totals.total, limit),
                preauthorised=sum(
                    p.amount for p in preauthorisations(view) if p.status == "pending"
                ),
            )
        )
    return tabs
