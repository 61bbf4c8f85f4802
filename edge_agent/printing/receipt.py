"""The customer receipt (or the bill of an unpaid ticket), laid out from a ticket's facts.

Pure: the caller gives the ticket's lines, totals, payments and refunds, the outlet's
name, header and footer, and the time already formatted; nothing is read here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from edge_agent.domain.money import format_money
from edge_agent.domain.ticket import Payment, Refund, TicketLine, TicketTotals
from edge_agent.printing.document import Document, Page

METHOD_NAMES = {"cash": "Cash", "card": "Card", "mobile_money": "Mobile money"}
COPY_BANNER = "*** COPY ***"


@dataclass(frozen=True, slots=True)
class ReceiptTicket:
    """What a receipt shows.

    Attributes:
        ticket_id: printed as a QR code and in words, to find the sale again.
        receipt_no: ``OUTLET-DEVICE-SEQ``.
        paid: False prints a bill (not a receipt) with the balance due.
        when: the sale's local date and time, formatted.
        served_by: the name of who opened the ticket, if known.
    """

    ticket_id: str
    receipt_no: str
    order_no: int
    currency: str
    outlet_name: str
    when: str
    lines: Sequence[TicketLine]
    totals: TicketTotals
    payments: Sequence[Payment] = ()
    refunds: Sequence[Refund] = ()
    paid: bool = True
    table: str | None = None
    served_by: str | None = None
    header: Sequence[str] = ()
    footer: Sequence[str] = ()


def receipt_layout(
    ticket: ReceiptTicket,
    *,
    columns: int,
    code_page: str | None,
    copy: bool = False,
    reprinted_at: str | None = None,
    cut_partial: bool = True,
) -> Document:
    """Lay out a receipt; ``copy`` marks a reprint "COPY" at its top and bottom."""
    title = f"{'Receipt' if ticket.paid else 'Bill'} {ticket.receipt_no}"
    page = Page(title, columns, code_page)
    if copy:
        page.line(COPY_BANNER, align="center", bold=True, big=True)
    page.line(ticket.outlet_name, align="center", bold=True, big=True)
    for text in ticket.header:
        page.line(text, align="center")
    page.rule()
    page.line("RECEIPT" if ticket.paid else "BILL - NOT A RECEIPT", align="center", bold=True)
    page.pair("Receipt no.", ticket.receipt_no)
    page.pair("Order", f"#{ticket.order_no}" + (f"  Table {ticket.table}" if ticket.table else ""))
    page.pair("Date", ticket.when)
    if ticket.served_by:
        page.pair("Served by", ticket.served_by)
    page.rule()
    _lines(page, ticket)
    page.rule()
    _totals(page, ticket)
    _tenders(page, ticket)
    page.rule()
    page.qr(ticket.ticket_id)
    page.line("Receipt id", align="center")
    page.line(ticket.ticket_id, align="center")
    for text in ticket.footer:
        page.line(text, align="center")
    return finish(page, copy=copy, reprinted_at=reprinted_at, cut_partial=cut_partial)


def finish(page: Page, *, copy: bool, reprinted_at: str | None, cut_partial: bool) -> Document:
    """End a page: a copy says COPY (and when it was reprinted) at its foot; then cut."""
    if copy:
        page.line(COPY_BANNER, align="center", bold=True, big=True)
        if reprinted_at:
            page.line(f"Reprinted {reprinted_at}", align="center")
    page.cut(partial=cut_partial)
    return page.done()


def _money(ticket: ReceiptTicket, amount: int) -> str:
    return format_money(amount, ticket.currency)


def _lines(page: Page, ticket: ReceiptTicket) -> None:
    figures = {totals.line_id: totals for totals in ticket.totals.lines}
    for line in ticket.lines:
        if line.voided:
            continue
        page.pair(f"{line.quantity} x {line.name}", _money(ticket, line.subtotal))
        for modifier in line.modifiers:
            extra = f" ({_money(ticket, modifier.price_delta)})" if modifier.price_delta else ""
            page.line(f"+ {modifier.name}{extra}", indent=2)
        if line.notes:
            page.line(f"Note: {line.notes}", indent=2)
        found = figures.get(line.id)
        for promotion in found.promotions if found else ():
            page.pair(promotion.name, _money(ticket, -promotion.amount), indent=2)
        own = found.line_discount if found else line.discount_amount
        if own:
            reason = line.discount.reason if line.discount else ""
            page.pair(f"Discount {reason}", _money(ticket, -own), indent=2)


def _tax_names(ticket: ReceiptTicket) -> dict[str, str]:
    names = {}
    for line in ticket.lines:
        for rate in line.tax_rates:
            names[rate.code] = f"{rate.name} {'incl.' if rate.inclusive else ''}".rstrip()
    return names


def _totals(page: Page, ticket: ReceiptTicket) -> None:
    totals = ticket.totals
    page.pair("Subtotal", _money(ticket, totals.subtotal))
    discounts = totals.promotion_discount + totals.line_discounts + totals.ticket_discount
    if discounts:
        page.pair("Discounts", _money(ticket, -discounts))
    if totals.service_charge:
        page.pair("Service charge", _money(ticket, totals.service_charge))
    names = _tax_names(ticket)
    for code, amount in sorted(totals.tax_by_code.items()):
        page.pair(names.get(code, code), _money(ticket, amount))
    page.pair("TOTAL", _money(ticket, totals.total), bold=True, tall=True)


def _tenders(page: Page, ticket: ReceiptTicket) -> None:
    totals = ticket.totals
    for payment in ticket.payments:
        name = METHOD_NAMES.get(payment.method, payment.method)
        page.pair(
            name, _money(ticket, payment.tendered if payment.method == "cash" else payment.amount)
        )
        if payment.tip:
            page.pair("Tip", _money(ticket, payment.tip), indent=2)
        if payment.reference:
            page.line(f"Ref {payment.reference}", indent=2)
        if payment.status == "pending":
            page.line("PENDING CONFIRMATION", indent=2, bold=True)
    if totals.change_due:
        page.pair("Change", _money(ticket, totals.change_due), bold=True)
    if totals.cash_rounding:
        page.pair("Cash rounding", _money(ticket, totals.cash_rounding))
    for refund in ticket.refunds:
        name = METHOD_NAMES.get(refund.payment_method, refund.payment_method)
        page.pair(f"Refund {name}", _money(ticket, -refund.amount))
    if totals.pending_confirmation:
        page.line(f"{_money(ticket, totals.pending_confirmation)} pending confirmation", bold=True)
    if not ticket.paid and totals.balance_due:
        page.pair("BALANCE DUE", _money(ticket, totals.balance_due), bold=True, tall=True)
