"""Kitchen orders as a kitchen screen shows them, and the bump request."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from edge_agent.http.bounds import Id
from edge_agent.http.schemas.units import Ident, Ms, Text
from edge_agent.services.kitchen import KitchenOrder as Order

KitchenStatus = Annotated[
    Literal["new", "preparing", "ready"],
    msgspec.Meta(description="new: sent, not started; preparing: being made; ready: to serve."),
]


class KitchenLine(msgspec.Struct, kw_only=True):
    """A line to make (or, voided after it was sent, not to make)."""

    id: Ident
    name: Text
    quantity: Annotated[int, msgspec.Meta(description="Units to make.")]
    modifiers: Annotated[list[str], msgspec.Meta(description="The chosen modifiers' names.")]
    notes: Text
    seat: Annotated[int | None, msgspec.Meta(description="The seat, if on one.")]
    course: Annotated[int, msgspec.Meta(description="The course (1 first).")]
    status: KitchenStatus
    voided: Annotated[bool, msgspec.Meta(description="Voided after it was sent: do not make.")]


class KitchenOrder(msgspec.Struct, kw_only=True):
    """One ticket's lines at one station."""

    ticket_id: Ident
    order_no: Annotated[int, msgspec.Meta(description="The short order number called out.")]
    kind: Annotated[str, msgspec.Meta(description="How the sale is served.")]
    table: Annotated[str | None, msgspec.Meta(description="The table, if any.")]
    name: Annotated[str | None, msgspec.Meta(description="The customer's or tab's name.")]
    station: Ident
    status: KitchenStatus
    sent_ms: Ms
    age_s: Annotated[int, msgspec.Meta(ge=0, description="Seconds since it was sent.")]
    lines: list[KitchenLine]


class BumpRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Where an order's lines at a station now stand."""

    station: Annotated[Id, msgspec.Meta(description="The kitchen station.", examples=["kitchen"])]
    status: Annotated[
        Literal["preparing", "ready"], msgspec.Meta(description="preparing, then ready.")
    ]


_AS_SOLD = ("id", "name", "quantity", "notes", "seat", "course", "voided")


def kitchen_order(order: Order) -> KitchenOrder:
    """The API shape of a kitchen order."""
    return KitchenOrder(
        ticket_id=order.ticket_id,
        order_no=order.order_no,
        kind=order.kind,
        table=order.table,
        name=order.name,
        station=order.station,
        status=order.status,  # type: ignore[arg-type]
        sent_ms=order.sent_ms,
        age_s=order.age_s,
        lines=[
            KitchenLine(
                **{name: getattr(line, name) for name in _AS_SOLD},
                modifiers=[m.name for m in line.modifiers],
                status=status,  # type: ignore[arg-type]
            )
            for line, status in order.lines
        ],
    )
