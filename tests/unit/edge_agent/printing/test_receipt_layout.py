"""The receipt layout: pure, from a ticket's facts to styled lines."""

from __future__ import annotations

from dataclasses import replace

import pytest

from edge_agent.domain.discounts import Discount
from edge_agent.domain.ticket import Refund, compute_totals
from edge_agent.printing.document import Cut, QRCode, Text
from edge_agent.printing.receipt import receipt_layout
from sync_protocol.promotions import BuyXGetY, PercentOff, ServiceCharge, Target
from sync_protocol.ticket_promotions import TicketPromotions
from tests.unit.edge_agent.printing.samples import (
    LATTE,
    MUG,
    SAMOSA,
    TICKET_ID,
    offline_card,
    receipt_ticket,
)


def row(left: str, right: str, columns: int = 48) -> str:
    return left + right.rjust(columns - len(left))


def texts(document) -> list[str]:
    return [b.text for b in document.blocks if isinstance(b, Text)]


def line_starting(document, prefix: str) -> Text:
    return next(b for b in document.blocks if isinstance(b, Text) and b.text.startswith(prefix))


def test_a_receipt_shows_header_lines_modifiers_notes_discounts_taxes_totals_and_footer() -> None:
    ticket = receipt_ticket(ticket_discount=Discount("amount", 1000, "promo"))

    lines = texts(receipt_layout(ticket, columns=48, code_page="CP858"))

    assert lines[0] == "Demo Café"
    assert "Moi Avenue, Nairobi" in lines
    assert row("Receipt no.", "DEMO1-D01-000042") in lines
    assert row("Order", "#17 Table 4") in lines
    assert row("2 x Caffè latte", "KES 800.00") in lines
    assert "  + Oat milk (KES 50.00)" in lines
    assert "  Note: extra hot" in lines
    assert row("  Discount regular", "KES -80.00") in lines
    assert row("Discounts", "KES -90.00") in lines
    assert any(t.startswith("VAT 16% incl.") for t in lines)
    assert any(t.startswith("Catering levy 2% incl.") for t in lines)
    assert row("TOTAL", "KES 1,070.00") in lines
    assert lines[-1] == "Asante sana! Karibu tena."


def test_cash_shows_what_was_handed_over_and_the_change() -> None:
    document = receipt_layout(receipt_ticket(), columns=48, code_page="CP858")

    lines = texts(document)

    assert row("Cash", "KES 1,180.00") in lines
    assert row("Change", "KES 100.00") in lines
    assert line_starting(document, "Change").bold


def test_the_total_is_bold_and_tall_and_the_outlet_name_large() -> None:
    document = receipt_layout(receipt_ticket(), columns=48, code_page="CP858")

    total = line_starting(document, "TOTAL")
    name = line_starting(document, "Demo Café")

    assert (total.bold, total.height, total.width) == (True, 2, 1)
    assert (name.bold, name.width, name.height, name.align) == (True, 2, 2, "center")


def test_an_offline_card_payment_says_pending_confirmation() -> None:
    ticket = receipt_ticket(lines=(MUG,), payments=(offline_card(90000),))

    lines = texts(receipt_layout(ticket, columns=48, code_page="CP858"))

    assert "  PENDING CONFIRMATION" in lines
    assert "KES 900.00 pending confirmation" in lines


def test_the_qr_code_holds_the_receipt_id_printed_under_it() -> None:
    document = receipt_layout(receipt_ticket(), columns=48, code_page="CP858")

    codes = [b.data for b in document.blocks if isinstance(b, QRCode)]

    assert codes == [TICKET_ID]
    assert TICKET_ID in texts(document)


def test_a_reprint_is_marked_copy_at_top_and_bottom_and_the_original_is_not() -> None:
    copy = receipt_layout(receipt_ticket(), columns=48, code_page="CP858", copy=True)
    original = receipt_layout(receipt_ticket(), columns=48, code_page="CP858")

    assert texts(copy)[0] == "*** COPY ***"
    assert texts(copy).count("*** COPY ***") == 2
    assert "*** COPY ***" not in texts(original)


def test_an_unpaid_ticket_prints_a_bill_with_the_balance_due() -> None:
    lines = texts(receipt_layout(receipt_ticket(paid=False), columns=48, code_page="CP858"))

    assert "BILL - NOT A RECEIPT" in lines
    assert "RECEIPT" not in lines
    assert row("BALANCE DUE", "KES 1,080.00") in lines


def test_refunds_show_on_a_receipt_reprinted_after_them() -> None:
    refund = Refund("r1", "cash", 5000, (), "cold coffee")
    ticket = receipt_ticket(refunds=(refund,))

    lines = texts(receipt_layout(ticket, columns=48, code_page="CP858"))

    assert row("Refund Cash", "KES -50.00") in lines


def test_voided_lines_are_left_off() -> None:
    ticket = receipt_ticket(lines=(LATTE, replace(MUG, voided=True)))

    lines = texts(receipt_layout(ticket, columns=48, code_page="CP858"))

    assert not any("Café mug" in t for t in lines)
    assert any("Caffè latte" in t for t in lines)


@pytest.mark.parametrize(("paper_columns", "code_page"), [(32, "CP437"), (48, "CP858")])
def test_every_line_fits_the_paper(paper_columns: int, code_page: str) -> None:
    ticket = receipt_ticket(
        outlet_name="The Very Long Named Café of Moi Avenue",
        footer=("Bei zote zinajumuisha VAT. Asante sana kwa kununua, karibu tena!",),
    )

    document = receipt_layout(ticket, columns=paper_columns, code_page=code_page)

    too_long = [
        b.text
        for b in document.blocks
        if isinstance(b, Text) and len(b.text) * b.width > paper_columns
    ]
    assert too_long == []
    assert isinstance(document.blocks[-1], Cut)


def test_each_promotion_prints_under_the_line_it_took_off_and_the_service_charge_in_totals() -> (
    None
):
    three_for_two = BuyXGetY(
        id="3for2", name="Samosa 3 for 2", buy=2, get=1, target=Target(variant_ids=("samosa",))
    )
    coffee = PercentOff(
        id="cof", name="Coffee 20%", percent_bp=2000, target=Target(variant_ids=("latte-r",))
    )
    service = ServiceCharge(id="svc", name="Service", percent_bp=1000)
    pins = TicketPromotions.at(
        (three_for_two, coffee, service), outlet_code="DEMO1", timezone="UTC", moment_ms=0
    )
    lines = (LATTE, SAMOSA)
    totals = compute_totals(lines, None, (), (), "KES", pins)
    ticket = replace(receipt_ticket(lines, paid=False), totals=totals)

    printed = texts(receipt_layout(ticket, columns=48, code_page="CP858"))

    latte_at = printed.index(row("2 x Caffè latte", "KES 800.00"))
    samosa_at = printed.index(row("3 x Beef samosa", "KES 360.00"))
    assert printed[latte_at + 3] == row("  Coffee 20%", "KES -160.00")
    assert printed[latte_at + 4] == row("  Discount regular", "KES -64.00")
    assert printed[samosa_at + 1] == row("  Samosa 3 for 2", "KES -120.00")
    assert row("Discounts", "KES -344.00") in printed
    assert row("Service charge", "KES 81.60") in printed
    assert row("TOTAL", "KES 897.60") in printed
