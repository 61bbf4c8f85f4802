"""Kitchen tickets: routed by station, grouped by course, in large type."""

from __future__ import annotations

from dataclasses import replace

from edge_agent.printing.config import PrinterConfig
from edge_agent.printing.document import Text
from edge_agent.printing.kitchen import KitchenTicket, kitchen_layout, route
from tests.unit.edge_agent.printing.samples import (
    BAR_PRINTER,
    CAKE,
    KITCHEN_PRINTER,
    LATTE,
    MUG,
    RECEIPT_PRINTER,
    SAMOSA,
)

PRINTERS = [BAR_PRINTER, KITCHEN_PRINTER, RECEIPT_PRINTER]


def ticket(*lines, **changes) -> KitchenTicket:
    base = KitchenTicket(
        ticket_id="t1",
        order_no=17,
        station="Kitchen",
        when="12:30",
        lines=lines,
        table="4",
        covers=2,
        server="Demo Cashier",
    )
    return replace(base, **changes)


def texts(document) -> list[str]:
    return [b.text for b in document.blocks if isinstance(b, Text)]


def styled(document, text: str) -> Text:
    return next(b for b in document.blocks if isinstance(b, Text) and b.text.strip() == text)


def test_a_two_station_order_goes_to_the_two_right_printers() -> None:
    routed = route([LATTE, SAMOSA, CAKE], PRINTERS)

    assert {name: [line.id for line in lines] for name, lines in routed.items()} == {
        "bar": ["l-latte"],
        "kitchen": ["l-samosa", "l-cake"],
    }


def test_lines_without_a_station_and_voided_lines_are_not_kitchen_business() -> None:
    routed = route([MUG, replace(SAMOSA, voided=True)], PRINTERS)

    assert routed == {}


def test_a_station_with_no_printer_goes_to_the_catch_all_printer() -> None:
    catch_all = PrinterConfig(
        name="pass", role="kitchen", backend="file", path="/dev/null", stations=("*",)
    )

    routed = route([replace(CAKE, station="pastry")], [*PRINTERS, catch_all])

    assert list(routed) == ["pass"]


def test_with_no_catch_all_an_unrouted_line_prints_on_the_receipt_printer() -> None:
    routed = route([replace(CAKE, station="pastry")], PRINTERS)

    assert list(routed) == ["receipt"]


def test_station_order_and_table_are_large_and_lines_tall() -> None:
    document = kitchen_layout(ticket(SAMOSA), columns=48, code_page="CP858")

    for header in ("KITCHEN", "ORDER #17", "TABLE 4"):
        block = styled(document, header)
        assert (block.width, block.height, block.bold) == (2, 2, True)
    line = styled(document, "3 x Beef samosa")
    assert (line.height, line.bold) == (2, True)
    assert "2 covers" in texts(document)


def test_modifiers_notes_and_seats_are_printed_under_their_line() -> None:
    lines = texts(kitchen_layout(ticket(LATTE), columns=48, code_page="CP858"))

    at = lines.index("2 x Caffè latte")
    assert lines[at + 1 : at + 4] == ["   + Oat milk", "   ! extra hot", "   seat 1"]


def test_lines_are_grouped_by_course_with_a_heading_each() -> None:
    lines = texts(kitchen_layout(ticket(CAKE, SAMOSA), columns=48, code_page="CP858"))

    assert lines.index("-- COURSE 1 --") < lines.index("3 x Beef samosa")
    assert lines.index("3 x Beef samosa") < lines.index("-- COURSE 2 --")
    assert lines.index("-- COURSE 2 --") < lines.index("1 x Chocolate cake")


def test_firing_a_course_says_so() -> None:
    lines = texts(kitchen_layout(ticket(CAKE, course=2), columns=48, code_page="CP858"))

    assert "FIRE COURSE 2" in lines


def test_a_reprint_says_copy() -> None:
    copy = texts(kitchen_layout(ticket(SAMOSA), columns=48, code_page="CP858", copy=True))
    original = texts(kitchen_layout(ticket(SAMOSA), columns=48, code_page="CP858"))

    assert copy[0] == copy[-1] == "*** COPY ***"
    assert "*** COPY ***" not in original


def test_on_58mm_paper_large_lines_still_fit() -> None:
    document = kitchen_layout(
        ticket(SAMOSA, station="Bar and grill", table="Terrace 12"), columns=32, code_page="CP437"
    )

    assert all(len(b.text) * b.width <= 32 for b in document.blocks if isinstance(b, Text))


def test_a_void_ticket_says_void_above_and_below_and_on_each_line() -> None:
    document = kitchen_layout(ticket(SAMOSA, change="VOID"), columns=42, code_page=None)

    lines = texts(document)
    assert lines.count("*** VOID ***") == 2
    assert f"VOID {SAMOSA.quantity} x {SAMOSA.name}" in lines


def test_a_change_ticket_says_what_changed_and_only_that() -> None:
    after = replace(SAMOSA, quantity=1, notes="no chilli")
    before = replace(SAMOSA, quantity=3, notes="")

    document = kitchen_layout(
        ticket(after, change="CHANGE", was={after.id: before}), columns=42, code_page=None
    )

    lines = [text.strip() for text in texts(document)]
    assert lines.count("*** CHANGE ***") == 2
    assert "1 x Beef samosa" in lines
    assert "was 3 x Beef samosa" in lines
    assert "was without notes" in lines
    assert not any("seat" in text or "course" in text for text in lines if text.startswith("was"))
