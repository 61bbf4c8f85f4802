"""A ticket's figures, computed from its facts: lines, discounts, payments, refunds.

Lines, payments and refunds are append-only facts (they sync as events and commute),
so the totals are a pure function of them — :func:`compute_totals` — never a stored
running sum. Order of computation, per line: price with modifiers times quantity, the
promotions' discounts (the ticket's pinned promotions, :mod:`sync_protocol.ticket_promotions`),
line discount, share of the ticket discount (prorated by :func:`discounts.prorate`),
service charges on what is left, then taxes under ``HALF_UP_PER_LINE`` (:mod:`taxes`).
Voided lines count for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sync_protocol.promotions import Attribution, BasketLine
from sync_protocol.ticket_promotions import TicketPromotions

from .catalog import Modifier
from .discounts import Discount, discount_amount, prorate
from .errors import (
    BalanceDue,
    InvalidAmount,
    InvalidValue,
    ReasonRequired,
    RefundExceedsPayment,
    TicketClosed,
)
from .money import Currency, as_currency, require_positive, round_cash
from .pricing import line_price
from .taxes import TaxRate, line_taxes
from .tendering import PAYMENT_STATUSES, TENDER_METHODS, PaymentStatus, TenderMethod, TenderResult

LOCKED_STATUSES: frozenset[str] = frozenset({"paid", "closed", "voided"})


@dataclass(frozen=True, slots=True)
class TicketLine:
    """One line of a ticket; ``unit_price`` is the price-book price, before modifiers.

    Raises:
        NegativeQuantity: ``quantity`` is below one.
        InvalidAmount: the price, with modifiers, is below zero.
        InvalidValue: a seat or course below one.
    """

    id: str
    product_id: str
    variant_id: str
    name: str
    quantity: int
    unit_price: int
    modifiers: tuple[Modifier, ...] = ()
    notes: str = ""
    seat: int | None = None
    course: int = 1
    tax_rates: tuple[TaxRate, ...] = ()
    station: str | None = None
    discount: Discount | None = None
    voided: bool = False
    sent: bool = False
    category_id: str | None = None

    def __post_init__(self) -> None:
        # Same checks as pricing: a quantity below 1, a price below zero with modifiers.
        line_price(self.unit_price, self.modifiers, self.quantity)
        if self.seat is not None and self.seat < 1:
            raise InvalidValue("seats are numbered from 1")
        if self.course < 1:
            raise InvalidValue("courses are numbered from 1")

    @property
    def subtotal(self) -> int:
        """(Unit price + modifier deltas) x quantity, before any discount."""
        return line_price(self.unit_price, self.modifiers, self.quantity)

    @property
    def discount_amount(self) -> int:
        """What the line's own discount takes off its subtotal (promotions aside)."""
        return discount_amount(self.subtotal, self.discount)

    def basket_line(self) -> BasketLine:
        """The line as promotions see it: its unit price with modifiers."""
        return BasketLine(
            line_id=self.id,
            variant_id=self.variant_id,
            product_id=self.product_id,
            category_id=self.category_id,
            quantity=self.quantity,
            unit_price=self.subtotal // self.quantity,
        )


@dataclass(frozen=True, slots=True)
class Payment:
    """A tender taken on a ticket; ``amount`` is what it applied to the balance."""

    id: str
    method: TenderMethod
    amount: int
    tip: int
    tendered: int
    change: int
    status: PaymentStatus
    reference: str | None = None

    def __post_init__(self) -> None:
        if self.method not in TENDER_METHODS or self.status not in PAYMENT_STATUSES:
            raise InvalidValue(f"unknown tender method or status: {self.method}/{self.status}")
        require_positive(self.amount)
        if min(self.tip, self.tendered, self.change) < 0:
            raise InvalidAmount("tip, tendered and change must not be negative")

    @classmethod
    def from_tender(cls, payment_id: str, result: TenderResult) -> Payment:
        """Record the outcome of :func:`tendering.tender` as a payment."""
        return cls(
            payment_id,
            result.method,
            result.applied_amount,
            result.tip,
            result.tendered,
            result.change,
            result.status,
            result.reference,
        )


@dataclass(frozen=True, slots=True)
class Refund:
    """Money given back, always to the tender type it was paid with."""

    id: str
    payment_method: TenderMethod
    amount: int
    line_ids: tuple[str, ...]
    reason: str

    def __post_init__(self) -> None:
        if self.payment_method not in TENDER_METHODS:
            raise InvalidValue(f"unknown tender method {self.payment_method!r}")
        require_positive(self.amount, "a refund")
        if not self.reason.strip():
            raise ReasonRequired("a refund needs a reason")


@dataclass(frozen=True, slots=True)
class LineTotals:
    """One line's figures: ``discount`` is the promotions' (listed in ``promotions``),
    its own (``line_discount``) and its share of the ticket's; ``service_charge`` is
    inside ``total``."""

    line_id: str
    subtotal: int
    discount: int
    net: int
    taxes: dict[str, int]
    total: int
    promotions: tuple[Attribution, ...] = ()
    service_charge: int = 0
    line_discount: int = 0


@dataclass(frozen=True, slots=True)
class TicketTotals:
    """Every figure of a ticket, in minor units.

    ``total`` is what the customer owes: subtotal less discounts plus exclusive taxes
    (inclusive taxes are inside the prices, and inside ``tax_total`` too). ``paid``
    counts pending payments as well, never declined ones; ``pending_confirmation`` says
    how much of it is still to be confirmed, ``declined`` what was taken and declined.
    ``overpaid`` is money to give back (e.g. a tab paid twice by two offline devices),
    net of refunds. Tips are outside the total.
    """

    subtotal: int
    line_discounts: int
    ticket_discount: int
    tax_by_code: dict[str, int]
    tax_total: int
    total: int
    paid: int
    refunded: int
    balance_due: int
    cash_due: int
    change_due: int
    pending_confirmation: int
    tips: int
    cash_rounding: int
    overpaid: int
    lines: tuple[LineTotals, ...]
    declined: int = 0
    promotion_discount: int = 0
    service_charge: int = 0


def compute_totals(
    lines: Iterable[TicketLine],
    ticket_discount: Discount | None,
    payments: Iterable[Payment],
    refunds: Iterable[Refund],
    currency: Currency | str,
    promotions: TicketPromotions | None = None,
) -> TicketTotals:
    """Compute a ticket's totals from its facts, under its pinned promotions if any.

    Raises:
        UnknownCurrency: ``currency`` is a code that is not known.
    """
    live = [line for line in lines if not line.voided]
    every = list(payments)
    pays, backs = [p for p in every if p.status != "declined"], list(refunds)
    promoted: list[tuple[Attribution, ...]] = [() for _ in live]
    if promotions is not None:
        priced = promotions.price([line.basket_line() for line in live])
        by_id = {result.line_id: result.discounts for result in priced.lines}
        promoted = [by_id[line.id] for line in live]
    after_promotions = [
        line.subtotal - sum(a.amount for a in found)
        for line, found in zip(live, promoted, strict=True)
    ]
    own = [
        discount_amount(amount, line.discount)
        for line, amount in zip(live, after_promotions, strict=True)
    ]
    after_line = [amount - off for amount, off in zip(after_promotions, own, strict=True)]
    ticket_off = discount_amount(sum(after_line), ticket_discount)
    shares = prorate(ticket_off, after_line)
    nets = [amount - share for amount, share in zip(after_line, shares, strict=True)]
    charges = [0] * len(live)
    if promotions is not None:
        charged = promotions.charges(priced, nets)
        charges = [sum(a.amount for a in found) for found in charged]
    line_totals: list[LineTotals] = []
    tax_by_code: dict[str, int] = {}
    for n, line in enumerate(live):
        tax = line_taxes(nets[n] + charges[n], line.tax_rates)
        for code, value in tax.taxes.items():
            tax_by_code[code] = tax_by_code.get(code, 0) + value
        discount = line.subtotal - after_line[n] + shares[n]
        line_totals.append(
            LineTotals(
                line.id,
                line.subtotal,
                discount,
                tax.net,
                tax.taxes,
                tax.gross,
                promoted[n],
                charges[n],
                own[n],
            )
        )
    total = sum(t.total for t in line_totals)
    paid = sum(p.amount for p in pays)
    refunded = sum(r.amount for r in backs)
    balance = max(0, total - paid)
    cash = [p for p in pays if p.method == "cash"]
    return TicketTotals(
        subtotal=sum(line.subtotal for line in live),
        line_discounts=sum(own),
        ticket_discount=ticket_off,
        tax_by_code=tax_by_code,
        tax_total=sum(tax_by_code.values()),
        total=total,
        paid=paid,
        refunded=refunded,
        balance_due=balance,
        cash_due=round_cash(balance, as_currency(currency)),
        change_due=sum(p.change for p in cash),
        pending_confirmation=sum(p.amount for p in pays if p.status == "pending"),
        tips=sum(p.tip for p in pays),
        cash_rounding=sum(p.tendered - p.change - p.tip - p.amount for p in cash),
        overpaid=max(0, paid - total - refunded),
        lines=tuple(line_totals),
        declined=sum(p.amount for p in every if p.status == "declined"),
        promotion_discount=sum(line.subtotal for line in live) - sum(after_promotions),
        service_charge=sum(charges),
    )


def ensure_open(status: str) -> None:
    """Refuse changes to a ticket that is paid, closed or voided.

    Raises:
        TicketClosed: the status is one of :data:`LOCKED_STATUSES`.
    """
    if status in LOCKED_STATUSES:
        raise TicketClosed(f"the ticket is {status}")


def ensure_can_close(totals: TicketTotals) -> None:
    """A ticket closes only when fully paid (pending payments count as paid).

    Raises:
        BalanceDue: something is still owed.
    """
    if totals.balance_due > 0:
        raise BalanceDue(totals.balance_due)


def refundable(payments: Iterable[Payment], refunds: Iterable[Refund]) -> dict[str, int]:
    """What can still be refunded, per tender type: paid by it (declined tenders left
    out) less earlier refunds to it."""
    left: dict[str, int] = {}
    for payment in payments:
        if payment.status == "declined":
            continue
        left[payment.method] = left.get(payment.method, 0) + payment.amount
    for refund in refunds:
        left[refund.payment_method] = left.get(refund.payment_method, 0) - refund.amount
    return left


def ensure_refundable(
    payments: Iterable[Payment], refunds: Iterable[Refund], refund: Refund
) -> None:
    """Check that a new refund fits what its tender type took, less earlier refunds.

    Raises:
        RefundExceedsPayment: the refund is larger than what is left for that method
            (zero for a method the ticket was never paid with).
    """
    available = refundable(payments, refunds).get(refund.payment_method, 0)
    if refund.amount > available:
        raise RefundExceedsPayment(refund.payment_method, refund.amount, max(0, available))
