"""Answers about bar tabs: a tab's limit and pre-authorisations on its ticket, and the
list of open tabs (ADR 0030)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

import msgspec

from edge_agent.http.schemas.units import Ident, Money, Text
from edge_agent.services.tab_limits import limit_of
from edge_agent.services.tab_preauths import preauthorisations
from edge_agent.services.tabs import OpenTab
from edge_agent.services.ticket_view import TicketView


class TabPreauth(msgspec.Struct, kw_only=True):
    """A card pre-authorisation held against a tab: a payment intent, not money taken."""

    id: Ident
    amount: Money
    reference: Annotated[str, msgspec.Meta(description="The card terminal's reference.")]
    status: Annotated[
        Literal["pending", "captured", "confirmed", "declined"],
        msgspec.Meta(
            description=(
                "pending: held; captured: a card tender named it and awaits treasury; "
                "confirmed or declined: treasury settled that tender."
            )
        ),
    ]


class Tab(msgspec.Struct, kw_only=True):
    """What makes a ticket a bar tab: its limit and its card pre-authorisations."""

    limit: Annotated[
        int | None, msgspec.Meta(description="The tab's limit in minor units; null: none.")
    ]
    limit_reached: Annotated[
        bool, msgspec.Meta(description="The total is at or above the limit (a warning says so).")
    ]
    preauths: list[TabPreauth]


class TabSummary(msgspec.Struct, kw_only=True):
    """An open tab in the list of tabs."""

    id: Ident
    name: Text
    receipt_no: Annotated[str, msgspec.Meta(description="The receipt number printed on it.")]
    total: Money
    balance_due: Money
    limit: Annotated[
        int | None, msgspec.Meta(description="The tab's limit in minor units; null: none.")
    ]
    limit_reached: Annotated[bool, msgspec.Meta(description="The total is at or above the limit.")]
    preauthorised: Annotated[
        int, msgspec.Meta(description="Card pre-authorisations still held, in minor units.")
    ]


def tab_document(view: TicketView) -> Tab | None:
    """The tab part of a ticket; None for a ticket that is no tab."""
    if view.header.get("kind") != "tab":
        return None
    limit = limit_of(view)
    return Tab(
        limit=limit,
        limit_reached=limit is not None and view.totals().total >= limit,
        preauths=[
            TabPreauth(id=p.id, amount=p.amount, reference=p.reference, status=p.status)  # type: ignore[arg-type]
            for p in preauthorisations(view)
        ],
    )


def tab_summary(tab: OpenTab) -> TabSummary:
    """The API shape of an open tab."""
    return TabSummary(**asdict(tab))
