"""Tickets and printers shared by the printing tests (KES minor units, VAT inclusive)."""

from __future__ import annotations

from dataclasses import replace

from edge_agent.domain.catalog import Modifier
from edge_agent.domain.discounts import Discount
from edge_agent.domain.taxes import TaxRate
from edge_agent.domain.ticket import Payment, Refund, TicketLine, compute_totals
from edge_agent.printing.config import PrinterConfig
from edge_agent.printing.receipt import ReceiptTicket

VAT = TaxRate("VAT16", "VAT 16%", 1600, inclusive=True)
LEVY = TaxRate("CTL2", "Catering levy 2%", 200, inclusive=True)
TICKET_ID = "01900000-0000-7000-8000-000000000042"

LATTE = TicketLine(
    id="l-latte",
    product_id="latte",
    variant_id="latte-r",
    name="Caffè latte",
    quantity=2,
    unit_price=35000,
    modifiers=(Modifier("milk-oat", "Oat milk", 5000),),
    notes="extra hot",
    seat=1,
    course=1,
    tax_rates=(VAT,),
    station="bar",
    discount=Discount("percent", 1000, "regular"),
)
SAMOSA = TicketLine(
    id="l-samosa",
    product_id="samosa",
    variant_id="samosa",
    name="Beef samosa",
    quantity=3,
    unit_price=12000,
    seat=2,
    course=1,
    tax_rates=(VAT, LEVY),
    station="kitchen",
)
CAKE = TicketLine(
    id="l-cake",
    product_id="cake",
    variant_id="cake",
    name="Chocolate cake",
    quantity=1,
    unit_price=30000,
    course=2,
    tax_rates=(VAT,),
    station="kitchen",
)
MUG = TicketLine(
    id="l-mug",
    product_id="mug",
    variant_id="mug",
    name="Café mug",
    quantity=1,
    unit_price=90000,
    tax_rates=(VAT,),
)

RECEIPT_PRINTER = PrinterConfig(
    name="receipt", role="receipt", backend="file", path="/dev/null", drawer=True
)
KITCHEN_PRINTER = PrinterConfig(
    name="kitchen", role="kitchen", backend="file", path="/dev/null", stations=("kitchen",)
)
BAR_PRINTER = PrinterConfig(
    name="bar", role="bar", backend="file", path="/dev/null", stations=("bar",), paper_mm=58
)


def cash(amount: int, tendered: int, change: int = 0) -> Payment:
    return Payment("p-cash", "cash", amount, 0, tendered, change, "confirmed")


def offline_card(amount: int) -> Payment:
    return Payment("p-card", "card", amount, 0, amount, 0, "pending")


def receipt_ticket(
    lines: tuple[TicketLine, ...] = (LATTE, SAMOSA),
    payments: tuple[Payment, ...] | None = None,
    refunds: tuple[Refund, ...] = (),
    *,
    paid: bool = True,
    ticket_discount: Discount | None = None,
    **changes: object,
) -> ReceiptTicket:
    """A café ticket, paid in cash with change unless told otherwise."""
    total = compute_totals(lines, ticket_discount, (), (), "KES").total
    if payments is None:
        payments = (cash(total, total + 10000, 10000),) if paid else ()
    totals = compute_totals(lines, ticket_discount, payments, refunds, "KES")
    ticket = ReceiptTicket(
        ticket_id=TICKET_ID,
        receipt_no="DEMO1-D01-000042",
        order_no=17,
        currency="KES",
        outlet_name="Demo Café",
        when="2024-06-05 12:30",
        lines=lines,
        totals=totals,
        payments=payments,
        refunds=refunds,
        paid=paid,
        table="4",
        served_by="Demo Cashier",
        header=("Moi Avenue, Nairobi",),
        footer=("Asante sana! Karibu tena.",),
    )
    return replace(ticket, **changes)  # type: ignore[arg-type]
