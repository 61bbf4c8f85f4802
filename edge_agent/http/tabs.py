"""Bar tab endpoints, exported as ``TAB_HANDLERS``: the open tabs, and opening a ticket of
any kind (a tab with its limit and card pre-authorisation) for the ticket routes."""

from __future__ import annotations

from litestar import get
from litestar.datastructures import State

from edge_agent.domain.errors import InvalidValue
from edge_agent.http.schemas.requests import OpenTicket
from edge_agent.http.schemas.tabs import TabSummary, tab_summary
from edge_agent.services import tabs, tickets
from edge_agent.services.ticket_view import TicketView
from edge_agent.services.tickets import Context
from edge_agent.store.gateway import Store


def open_any(ctx: Context, data: OpenTicket) -> TicketView:
    """Open the ticket a request describes: a tab through :func:`tabs.open_tab`.

    Raises:
        InvalidValue: a pre-authorisation on a ticket that is no tab; and what
            :func:`tickets.open_ticket` or :func:`tabs.open_tab` raise.
    """
    if data.kind == "tab":
        preauth = data.preauth
        return tabs.open_tab(
            ctx,
            data.name,
            limit=data.tab_limit,
            preauth_amount=None if preauth is None else preauth.amount,
            preauth_reference=None if preauth is None else preauth.reference,
        )
    if data.preauth is not None:
        raise InvalidValue("only a tab holds a card pre-authorisation")
    return tickets.open_ticket(
        ctx,
        data.kind,
        table=data.table,
        name=data.name,
        covers=data.covers,
        tab_limit=data.tab_limit,
    )


@get("/api/v1/tabs", summary="List open tabs", sync_to_thread=True)
def list_tabs(state: State) -> list[TabSummary]:
    """The bar tabs not yet paid, oldest first, with their totals, limits and the card
    pre-authorisations still held; a tab moved to a table is listed no more."""
    store: Store = state.store
    with store.read() as conn:
        return [tab_summary(tab) for tab in tabs.open_tabs(conn)]


TAB_HANDLERS = [list_tabs]
