"""The ticket as the agent API answers it, and the listing's summary of one."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

import msgspec

from edge_agent.domain.ticket import TicketTotals
from edge_agent.http.schemas.tabs import Tab, tab_document
from edge_agent.http.schemas.units import Ident, Money, Text, deprecated
from edge_agent.services import references, refund_lines
from edge_agent.services.ticket_view import TicketView

TicketStatus = Annotated[
    Literal["open", "sent", "paid", "closed", "voided"],
    msgspec.Meta(
        description=(
            "open: taking lines; sent: lines went to the kitchen; paid: nothing due, not "
            "yet closed; closed: done (a ticket merged into another is closed too, with "
            "`merged` true); voided: cancelled."
        )
    ),
]
Method = Annotated[
    Literal["cash", "card", "mobile_money"], msgspec.Meta(description="The tender type.")
]


class LineModifier(msgspec.Struct, kw_only=True):
    """A modifier chosen on a line."""

    id: Annotated[str, msgspec.Meta(description="The modifier option's id (as in `modifier_ids`).")]
    name: Text
    price: Annotated[
        int,
        msgspec.Meta(
            description="What it adds to the unit price, in minor units (negative: it takes off)."
        ),
    ]


class LinePromotion(msgspec.Struct, kw_only=True):
    """What one promotion took off a line (as its receipt prints it)."""

    promotion_id: Annotated[str, msgspec.Meta(description="The promotion's id.")]
    name: Text
    kind: Annotated[
        str,
        msgspec.Meta(
            description="`percent_off`, `amount_off`, `buy_x_get_y`, `bundle` or `group_price`."
        ),
    ]
    amount: Annotated[int, msgspec.Meta(description="What it took off, in minor units.")]


class Line(msgspec.Struct, kw_only=True):
    """One line of a ticket."""

    id: Ident
    variant_id: Ident
    name: Text
    quantity: Annotated[int, msgspec.Meta(description="Units sold.")]
    unit_price: Annotated[
        int, msgspec.Meta(description="Price of one unit before modifiers, in minor units.")
    ]
    modifiers: Annotated[
        list[str], deprecated("The names of the chosen modifiers.", "chosen_modifiers")
    ]
    notes: Text
    seat: Annotated[int | None, msgspec.Meta(description="The seat, if the line is on one.")]
    course: Annotated[int, msgspec.Meta(description="The course it is served in (1 first).")]
    subtotal: Annotated[
        int, msgspec.Meta(description="quantity x (unit price + modifiers), in minor units.")
    ]
    voided: Annotated[bool, msgspec.Meta(description="Voided: counts for nothing.")]
    sent: Annotated[bool, msgspec.Meta(description="Sent to the kitchen.")]
    chosen_modifiers: Annotated[
        list[LineModifier],
        msgspec.Meta(description="The chosen modifiers as {id, name, price}."),
    ]
    promotions: Annotated[
        list[LinePromotion],
        msgspec.Meta(
            description="Each promotion's discount on the line, in the order the promotions "
            "applied (ADR 0028); the ticket's `totals.promotion_discount` sums them."
        ),
    ] = []
    service_charge: Annotated[
        int, msgspec.Meta(description="The service charge on the line, in minor units.")
    ] = 0


class Payment(msgspec.Struct, kw_only=True):
    """A tender taken on the ticket."""

    id: Ident
    method: Method
    amount: Annotated[
        int,
        msgspec.Meta(
            description=(
                "What the tender applied to the ticket, in minor units, tip excluded. (In a "
                "payment request cash `amount` is the cash handed over, tip included; card "
                "and mobile-money `amount` excludes the tip.)"
            )
        ),
    ]
    tip: Money
    tendered: Annotated[int, msgspec.Meta(description="Cash handed over, in minor units.")]
    change: Annotated[int, msgspec.Meta(description="Cash given back, in minor units.")]
    status: Annotated[
        Literal["confirmed", "pending", "declined"],
        msgspec.Meta(description="pending: a card or mobile-money tender still to confirm."),
    ]
    pending_confirmation: Annotated[
        bool, msgspec.Meta(description="Still to be confirmed (status pending).")
    ]
    duplicate_reference: Annotated[
        bool, msgspec.Meta(description="Its reference was given for another payment too.")
    ]


class RefundedLine(msgspec.Struct, kw_only=True):
    """Part of a line returned by a refund."""

    line_id: Annotated[str, msgspec.Meta(description="The line returned.")]
    quantity: Annotated[int, msgspec.Meta(description="Units returned.")]


class Refund(msgspec.Struct, kw_only=True):
    """Money given back to the original tender type."""

    id: Ident
    method: Method
    amount: Money
    reason: Text
    lines: list[RefundedLine]


class Totals(msgspec.Struct, kw_only=True):
    """Every figure of the ticket, in minor units; tips are outside the total."""

    subtotal: Money
    line_discounts: Money
    ticket_discount: Money
    tax_by_code: Annotated[
        dict[str, int], msgspec.Meta(description="Tax in minor units by tax code.")
    ]
    tax_total: Money
    total: Annotated[int, msgspec.Meta(description="What the customer owes, in minor units.")]
    paid: Annotated[
        int, msgspec.Meta(description="Taken so far (pending tenders too), in minor units.")
    ]
    refunded: Money
    balance_due: Annotated[int, msgspec.Meta(description="Still to pay, in minor units.")]
    cash_due: Annotated[
        int,
        msgspec.Meta(
            description="The balance rounded to the currency's smallest coin, in minor units."
        ),
    ]
    change_due: Money
    pending_confirmation: Money
    tips: Money
    cash_rounding: Annotated[
        int, msgspec.Meta(description="What the drawer absorbs by cash rounding, in minor units.")
    ]
    overpaid: Money
    declined: Money
    promotion_discount: Annotated[
        int, msgspec.Meta(description="What promotions took off, in minor units.")
    ] = 0
    service_charge: Annotated[
        int,
        msgspec.Meta(description="Service charges, inside the total, in minor units."),
    ] = 0


class MoneyConflict(msgspec.Struct, kw_only=True):
    """A broken money invariant of the ticket (two tills took money) and its remedies."""

    conflict_id: Ident
    kind: Text
    amount: Money
    resolutions: Annotated[list[str], msgspec.Meta(description="How it can be settled.")]


class Flag(msgspec.Struct, kw_only=True):
    """Something the cashier should check (a reference given for two sales)."""

    code: Annotated[Literal["duplicate_reference"], msgspec.Meta(description="What to check.")]
    payment_id: Ident
    reference: Text
    other_ticket_id: Ident
    other_payment_id: Ident
    message: Text


class Warning(msgspec.Struct, kw_only=True):
    """A warning to show the cashier."""

    code: Annotated[str, msgspec.Meta(description="What kind of warning it is.")]
    message: Text


class Ticket(msgspec.Struct, kw_only=True):
    """A ticket with its lines, payments, refunds and totals."""

    id: Ident
    status: TicketStatus
    kind: Annotated[
        Literal["counter", "takeaway", "table", "tab", "kiosk", "online"] | None,
        msgspec.Meta(description="How the sale is served."),
    ]
    receipt_no: Annotated[str | None, msgspec.Meta(description="The receipt number printed on it.")]
    order_no: Annotated[int | None, msgspec.Meta(description="The short order number called out.")]
    currency: Annotated[str | None, msgspec.Meta(description="ISO 4217 code.", examples=["KES"])]
    table: Annotated[str | None, msgspec.Meta(description="The table, for a table ticket.")]
    name: Annotated[str | None, msgspec.Meta(description="The customer's or tab's name.")]
    covers: Annotated[int | None, msgspec.Meta(description="Guests at the table.")]
    server: Annotated[str | None, msgspec.Meta(description="The staff id serving it.")]
    held: Annotated[bool, msgspec.Meta(description="Parked (held) for later.")]
    merged_into: Annotated[
        str | None, msgspec.Meta(description="The ticket it was merged into, if it was.")
    ]
    shares: Annotated[
        list[int],
        msgspec.Meta(description="An even split's shares of the balance, in minor units."),
    ]
    lines: list[Line]
    payments: list[Payment]
    refunds: list[Refund]
    totals: Totals
    conflicts: Annotated[list[str], msgspec.Meta(description="Ids of open sync conflicts.")]
    money_conflicts: list[MoneyConflict]
    reinstated: Annotated[
        bool, msgspec.Meta(description="A voided ticket counted as a sale again.")
    ]
    flags: list[Flag]
    warnings: list[Warning]
    merged: Annotated[
        bool,
        msgspec.Meta(
            description="Merged into another ticket (`merged_into`): closed, but not a sale."
        ),
    ]
    kitchen: Annotated[
        dict[str, Literal["new", "preparing", "ready"]],
        msgspec.Meta(
            description=(
                "Each kitchen station's status for the lines sent to it: new, preparing, "
                "ready (the counter calls `order_no` when all are ready)."
            )
        ),
    ] = msgspec.field(default_factory=dict)
    tab: Annotated[
        Tab | None,
        msgspec.Meta(description="A bar tab's limit and card pre-authorisations; null: no tab."),
    ] = None
    pay_at: Annotated[
        Literal["kiosk", "counter"] | None,
        msgspec.Meta(
            description=(
                "Where a self-order kiosk order is paid: by card at the `kiosk`, or at the "
                "`counter`; null until the kiosk checked it out (and for other tickets)."
            )
        ),
    ] = None


class TicketSummary(msgspec.Struct, kw_only=True):
    """A ticket in the listing."""

    id: Ident
    receipt_no: Annotated[str | None, msgspec.Meta(description="The receipt number.")]
    order_no: Annotated[int | None, msgspec.Meta(description="The short order number.")]
    kind: Annotated[str | None, msgspec.Meta(description="How the sale is served.")]
    status: TicketStatus
    table: Annotated[str | None, msgspec.Meta(description="The table, if any.")]
    held: Annotated[bool, msgspec.Meta(description="Parked for later.")]
    total: Money
    paid: Money
    balance: Annotated[int, deprecated("Still to pay, in minor units.", "balance_due")]
    money_conflict: Annotated[
        str | None, msgspec.Meta(description="The kind of money conflict it has, if any.")
    ]
    balance_due: Annotated[int, msgspec.Meta(description="Still to pay, in minor units.")]
    merged: Annotated[
        bool, msgspec.Meta(description="Merged into another ticket: closed, but not a sale.")
    ]


class SplitChecks(msgspec.Struct, kw_only=True):
    """The checks a split made, the original first.

    Not named after its one field: generated clients name a model's local variable
    after the model, and a field of the same name would shadow it."""

    checks: list[Ticket]


def _totals(totals: TicketTotals) -> Totals:
    document = asdict(totals)
    document.pop("lines")
    return Totals(**document)


def ticket_document(view: TicketView) -> Ticket:
    """The API shape of a ticket."""
    flags = references.flags(view)
    flagged = {flag["payment_id"] for flag in flags}
    returned = refund_lines.by_refund(view)
    header = view.header
    totals = view.totals()
    figures = {line.line_id: line for line in totals.lines}
    tab = tab_document(view)
    return Ticket(
        id=view.id,
        status=view.status,  # type: ignore[arg-type]
        kind=header.get("kind"),
        receipt_no=header.get("receipt_no"),
        order_no=header.get("order_no"),
        currency=header.get("currency"),
        table=header.get("table"),
        name=header.get("name"),
        covers=header.get("covers"),
        server=header.get("server"),
        held=view.held,
        merged_into=view.merged_into,
        shares=view.shares,
        lines=[
            Line(
                id=line.id,
                variant_id=line.variant_id,
                name=line.name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                modifiers=[m.name for m in line.modifiers],
                chosen_modifiers=[
                    LineModifier(id=m.id, name=m.name, price=m.price_delta) for m in line.modifiers
                ],
                notes=line.notes,
                seat=line.seat,
                course=line.course,
                subtotal=line.subtotal,
                voided=line.voided,
                sent=line.sent,
                promotions=[
                    LinePromotion(
                        promotion_id=a.promotion_id, name=a.name, kind=a.kind, amount=a.amount
                    )
                    for a in (figures[line.id].promotions if line.id in figures else ())
                ],
                service_charge=figures[line.id].service_charge if line.id in figures else 0,
            )
            for line in view.lines.values()
        ],
        payments=[
            Payment(
                id=p.id,
                method=p.method,
                amount=p.amount,
                tip=p.tip,
                tendered=p.tendered,
                change=p.change,
                status=p.status,
                pending_confirmation=p.status == "pending",
                duplicate_reference=p.id in flagged,
            )
            for p in view.payments
        ],
        refunds=[
            Refund(
                id=r.id,
                method=r.payment_method,
                amount=r.amount,
                reason=r.reason,
                lines=[
                    RefundedLine(line_id=line_id, quantity=quantity)
                    for line_id, quantity in returned.get(r.id, {}).items()
                ],
            )
            for r in view.refunds
        ],
        totals=_totals(totals),
        conflicts=view.conflicts,
        money_conflicts=[
            MoneyConflict(
                conflict_id=c.conflict_id,
                kind=c.kind,
                amount=c.amount,
                resolutions=list(c.resolutions),
            )
            for c in view.money_conflicts
        ],
        reinstated=view.reinstated,
        flags=[Flag(**flag) for flag in flags],
        warnings=[Warning(code=f["code"], message=f["message"]) for f in flags]
        + _tab_warnings(tab),
        merged=view.merged_into is not None,
        kitchen=view.kitchen,  # type: ignore[arg-type]
        tab=tab,
        pay_at=view.pay_at,  # type: ignore[arg-type]
    )


def _tab_warnings(tab: Tab | None) -> list[Warning]:
    if tab is None or not tab.limit_reached:
        return []
    return [Warning(code="tab_limit_reached", message=f"the tab reached its limit of {tab.limit}")]
