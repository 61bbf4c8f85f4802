"""Self-order kiosk requests, and the counter's list of kiosk orders awaiting payment."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from edge_agent.http.bounds import Id, Note, Quantity, Reference
from edge_agent.http.schemas.units import Ident, Money, Ms
from edge_agent.services.ticket_view import TicketView


class KioskLine(msgspec.Struct, forbid_unknown_fields=True):
    """A line a customer adds at a kiosk: a variant, how many (within the outlet's caps),
    and its modifiers (every required group chosen). No price, no discount."""

    variant_id: Annotated[
        Id, msgspec.Meta(description="The catalog variant ordered.", examples=["latte-r"])
    ]
    quantity: Annotated[Quantity, msgspec.Meta(description="Units, at least 1.")] = 1
    modifier_ids: Annotated[
        Annotated[list[Id], msgspec.Meta(max_length=50)],
        msgspec.Meta(description="Chosen modifier options.", examples=[["milk-oat"]]),
    ] = []
    notes: Annotated[Note, msgspec.Meta(description="A note for the kitchen.")] = ""


class Checkout(msgspec.Struct, forbid_unknown_fields=True):
    """Send the order to the kitchen and pay it by card at the kiosk, or at the counter."""

    pay_at: Annotated[
        Literal["kiosk", "counter"],
        msgspec.Meta(
            description=(
                "`kiosk`: by card now, for the balance (stored and forwarded while offline); "
                "`counter`: the counter takes the payment."
            )
        ),
    ]
    reference: Annotated[
        Reference | None, msgspec.Meta(description="The card terminal's authorization, if any.")
    ] = None


class AwaitingPayment(msgspec.Struct, kw_only=True):
    """A kiosk order the counter is to take payment for."""

    ticket_id: Ident
    order_no: Annotated[int, msgspec.Meta(description="The short order number to call.")]
    status: Annotated[str, msgspec.Meta(description="The ticket's status (open, sent, billed).")]
    balance_due: Money
    kitchen: Annotated[
        dict[str, Literal["new", "preparing", "ready"]],
        msgspec.Meta(description="Each kitchen station's status for the order's lines."),
    ]
    ready: Annotated[
        bool, msgspec.Meta(description="Every station has the order ready: call the number.")
    ]
    opened_ms: Ms


def awaiting_payment(view: TicketView) -> AwaitingPayment:
    """The counter's view of a kiosk order awaiting payment."""
    kitchen = view.kitchen
    return AwaitingPayment(
        ticket_id=view.id,
        order_no=int(view.header["order_no"]),
        status=view.status,
        balance_due=view.totals().balance_due,
        kitchen=kitchen,  # type: ignore[arg-type]
        ready=bool(kitchen) and all(s == "ready" for s in kitchen.values()),
        opened_ms=int(view.header["opened_ms"]),
    )
