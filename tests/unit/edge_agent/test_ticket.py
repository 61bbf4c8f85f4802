"""A ticket's totals computed from its facts: lines, discounts, payments and refunds."""

from __future__ import annotations

import pytest

from edge_agent.domain.discounts import Discount
from edge_agent.domain.errors import (
    BalanceDue,
    InvalidAmount,
    NegativeQuantity,
    ReasonRequired,
    RefundExceedsPayment,
    TicketClosed,
)
from edge_agent.domain.taxes import TaxRate
from edge_agent.domain.tendering import tender
from edge_agent.domain.ticket import (
    Payment,
    Refund,
    TicketLine,
    compute_totals,
    ensure_can_close,
    ensure_open,
    ensure_refundable,
    refundable,
)

from .cafe import croissant_line, latte_line


def cash(payment_id: str, amount: int, *, tendered: int | None = None, change: int = 0) -> Payment:
    given = amount + change if tendered is None else tendered
    return Payment(payment_id, "cash", amount, 0, given, change, "confirmed")


def card(payment_id: str, amount: int, status: str = "confirmed") -> Payment:
    return Payment(payment_id, "card", amount, 0, amount, 0, status)  # type: ignore[arg-type]


def test_a_vat_inclusive_ticket_totals_its_prices_and_shows_the_tax_inside() -> None:
    lines = [latte_line(), croissant_line()]

    # latte 2 x 250.00 = 500.00: VAT 50000 * 1600 / 11600 = 6896.55 -> 6897
    # croissant 180.00: VAT 18000 * 1600 / 11800 = 2440.68 -> 2441,
    #                   levy 18000 * 200 / 11800 = 305.08 -> 305
    totals = compute_totals(lines, None, [], [], "KES")

    assert totals.subtotal == totals.total == 68_000
    assert totals.tax_by_code == {"VAT16": 6897 + 2441, "CTL2": 305}
    assert totals.tax_total == 9643
    assert totals.balance_due == totals.cash_due == 68_000
    assert [line.net for line in totals.lines] == [43_103, 15_254]


def test_taxes_are_computed_after_line_and_ticket_discounts() -> None:
    croissant = croissant_line(discount=Discount("percent", 1000, "yesterday's batch"))
    ticket_discount = Discount("percent", 1000, "regular customer")

    # croissant 18000 - 10 % = 16200; lines 50000 + 16200 = 66200; ticket 10 % = 6620,
    # prorated 5000 to the latte and 1620 to the croissant: taxable 45000 and 14580.
    # VAT 45000 * 1600 / 11600 = 6206.90 -> 6207; 14580 * 1600 / 11800 = 1976.95 -> 1977
    # levy 14580 * 200 / 11800 = 247.12 -> 247
    totals = compute_totals([latte_line(), croissant], ticket_discount, [], [], "KES")

    assert (totals.line_discounts, totals.ticket_discount) == (1800, 6620)
    assert [line.discount for line in totals.lines] == [5000, 1800 + 1620]
    assert totals.total == 45_000 + 14_580 == 59_580
    assert totals.tax_by_code == {"VAT16": 6207 + 1977, "CTL2": 247}
    assert totals.cash_due == 59_600  # KES 595.80 is paid KES 596 in cash


def test_exclusive_taxes_are_added_to_the_total() -> None:
    sales_tax = TaxRate("ST", "Sales tax", 825, inclusive=False)
    burger = TicketLine("l1", "p-b", "v-b", "Burger", 1, 1000, tax_rates=(sales_tax,))

    # 10.00 x 8.25 % = 0.825 -> 0.83
    totals = compute_totals([burger], None, [], [], "USD")

    assert totals.subtotal == 1000
    assert totals.total == 1083
    assert totals.tax_by_code == {"ST": 83}


def test_taxes_are_rounded_per_line_not_on_the_ticket_total() -> None:
    levy = TaxRate("L2", "Levy 2%", 200, inclusive=False)
    lines = [TicketLine(f"l{n}", "p", "v", "Mint", 1, 25, tax_rates=(levy,)) for n in (1, 2)]

    # each line: 0.25 x 2 % = 0.005 -> 0.01; on the 0.50 total it would be 0.01 only
    totals = compute_totals(lines, None, [], [], "USD")

    assert totals.tax_by_code == {"L2": 2}
    assert totals.total == 52


def test_voided_lines_count_for_nothing() -> None:
    lines = [latte_line(), croissant_line(voided=True)]

    totals = compute_totals(lines, None, [], [], "KES")

    assert totals.total == 50_000
    assert [line.line_id for line in totals.lines] == ["l-latte"]


@pytest.mark.parametrize("quantity", [0, -3])
def test_a_line_quantity_below_one_is_refused(quantity: int) -> None:
    with pytest.raises(NegativeQuantity) as raised:
        latte_line(quantity=quantity)

    assert raised.value.code == "negative_quantity"


def test_payments_reduce_the_balance_and_pending_ones_are_shown_as_such() -> None:
    payments = [cash("p1", 30_000), card("p2", 20_000, "pending")]

    totals = compute_totals([latte_line(), croissant_line()], None, payments, [], "KES")

    assert totals.paid == 50_000
    assert totals.balance_due == 18_000
    assert totals.pending_confirmation == 20_000


def test_cash_change_and_rounding_are_reported_from_the_cash_tender() -> None:
    line = TicketLine("l1", "p", "v", "Sandwich", 1, 34_550)
    result = tender(34_550, "cash", 50_000, "KES", online=False)

    # KES 345.50 is KES 346 in cash: change 500 - 346 = 154, the drawer keeps 0.50 more
    totals = compute_totals([line], None, [Payment.from_tender("p1", result)], [], "KES")

    assert totals.balance_due == 0
    assert totals.change_due == 15_400
    assert totals.cash_rounding == 50


def test_a_ticket_paid_twice_offline_shows_the_overpayment_until_refunded() -> None:
    payments = [card("p1", 50_000), card("p2", 50_000)]
    refund = Refund("r1", "card", 50_000, (), "paid twice on two tills")

    before = compute_totals([latte_line()], None, payments, [], "KES")
    after = compute_totals([latte_line()], None, payments, [refund], "KES")

    assert (before.balance_due, before.overpaid) == (0, 50_000)
    assert (after.refunded, after.overpaid) == (50_000, 0)


def test_tips_are_kept_outside_the_ticket_total() -> None:
    tipped = Payment("p1", "card", 50_000, 5000, 55_000, 0, "confirmed")

    totals = compute_totals([latte_line()], None, [tipped], [], "KES")

    assert (totals.total, totals.paid, totals.tips, totals.balance_due) == (50_000, 50_000, 5000, 0)


def test_a_ticket_closes_only_when_fully_paid() -> None:
    unpaid = compute_totals([latte_line()], None, [cash("p1", 20_000)], [], "KES")
    paid = compute_totals([latte_line()], None, [cash("p1", 20_000), card("p2", 30_000)], [], "KES")

    with pytest.raises(BalanceDue) as raised:
        ensure_can_close(unpaid)
    ensure_can_close(paid)

    assert raised.value.balance_due == 30_000


@pytest.mark.parametrize("status", ["paid", "closed", "voided"])
def test_a_paid_closed_or_voided_ticket_takes_no_change(status: str) -> None:
    with pytest.raises(TicketClosed) as raised:
        ensure_open(status)

    assert raised.value.code == "ticket_closed"


def test_only_a_paid_closed_or_voided_ticket_refuses_changes() -> None:
    refused = []

    for status in ["open", "sent", "billed", "paid", "closed", "voided"]:
        try:
            ensure_open(status)
        except TicketClosed:
            refused.append(status)

    assert refused == ["paid", "closed", "voided"]


def test_what_is_refundable_is_tracked_per_tender_type() -> None:
    payments = [cash("p1", 30_000), card("p2", 29_580)]
    earlier = [Refund("r1", "card", 10_000, ("l-croissant",), "cold")]

    left = refundable(payments, earlier)

    assert left == {"cash": 30_000, "card": 19_580}


def test_a_refund_cannot_exceed_what_its_tender_type_took_less_earlier_refunds() -> None:
    payments = [cash("p1", 30_000), card("p2", 29_580)]
    earlier = [Refund("r1", "card", 10_000, ("l-croissant",), "cold")]
    too_much = Refund("r2", "card", 20_000, ("l-latte",), "spilled")

    with pytest.raises(RefundExceedsPayment) as raised:
        ensure_refundable(payments, earlier, too_much)

    assert raised.value.code == "refund_exceeds_payment"
    assert (raised.value.method, raised.value.available) == ("card", 19_580)


def test_a_refund_goes_back_only_to_a_tender_type_the_ticket_was_paid_with() -> None:
    payments = [cash("p1", 30_000)]
    to_mobile = Refund("r1", "mobile_money", 100, (), "wrong till")

    with pytest.raises(RefundExceedsPayment) as raised:
        ensure_refundable(payments, [], to_mobile)

    assert raised.value.available == 0


def test_a_refund_within_what_was_paid_is_accepted() -> None:
    payments = [cash("p1", 30_000), card("p2", 29_580)]

    refund = Refund("r1", "cash", 30_000, (), "returned")

    ensure_refundable(payments, [], refund)

    assert refundable(payments, [refund]) == {"cash": 0, "card": 29_580}


def test_a_refund_needs_a_positive_amount_and_a_reason() -> None:
    with pytest.raises(InvalidAmount):
        Refund("r1", "cash", 0, (), "returned")
    with pytest.raises(ReasonRequired):
        Refund("r1", "cash", 100, (), "")
