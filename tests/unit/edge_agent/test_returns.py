"""Which lines a refund takes back, and how many: never more than was sold and kept."""

from __future__ import annotations

import pytest

from edge_agent.domain.errors import InvalidValue, LineNotFound
from edge_agent.domain.returns import returned_lines
from edge_agent.domain.ticket import TicketLine

LINES = {
    "chai": TicketLine("chai", "p1", "chai", "Chai", 1, 15_000),
    "samosa": TicketLine("samosa", "p2", "samosa", "Samosa", 3, 12_000),
    "voided": TicketLine("voided", "p3", "bun", "Bun", 1, 8_000, voided=True),
}


def test_a_line_named_whole_returns_what_is_left_of_it() -> None:
    returned = returned_lines(LINES, [{"samosa": 1}], ["samosa"], [])

    assert returned == {"samosa": 2}


def test_lines_returned_in_part_keep_their_quantities_in_the_order_named() -> None:
    returned = returned_lines(LINES, [], ["chai"], [("samosa", 2)])

    assert list(returned.items()) == [("chai", 1), ("samosa", 2)]


@pytest.mark.parametrize("quantity", [0, 3])
def test_more_than_is_left_or_nothing_is_refused(quantity: int) -> None:
    with pytest.raises(InvalidValue, match="2 of 3 can still be returned"):
        returned_lines(LINES, [{"samosa": 1}], [], [("samosa", quantity)])


def test_a_line_returned_in_full_already_cannot_be_named_whole_again() -> None:
    with pytest.raises(InvalidValue):
        returned_lines(LINES, [{"chai": 1}], ["chai"], [])


def test_a_voided_or_unknown_line_cannot_be_returned() -> None:
    for line_id in ("voided", "nope"):
        with pytest.raises(LineNotFound):
            returned_lines(LINES, [], [line_id], [])


def test_a_line_named_twice_in_one_refund_is_refused() -> None:
    with pytest.raises(InvalidValue, match="named twice"):
        returned_lines(LINES, [], ["chai"], [("chai", 1)])
