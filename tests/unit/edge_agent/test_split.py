"""Splitting a bill by item, by seat, and evenly."""

from __future__ import annotations

import pytest

from edge_agent.domain.errors import InvalidSplit, LineNotFound
from edge_agent.domain.split import split_by_items, split_by_seat, split_evenly
from edge_agent.domain.ticket import compute_totals

from .cafe import croissant_line, latte_line

LINES = [
    latte_line("l1", seat=2),
    croissant_line("l2", seat=1),
    latte_line("l3", quantity=1, seat=1),
    croissant_line("l4"),
    croissant_line("l5", voided=True, seat=1),
]


def test_a_split_by_items_gives_each_check_its_named_lines() -> None:
    checks = split_by_items(LINES, [["l1", "l4"], ["l3", "l2"]])

    assert [[line.id for line in check] for check in checks] == [["l1", "l4"], ["l3", "l2"]]


def test_split_checks_add_up_to_the_original_ticket() -> None:
    whole = compute_totals(LINES, None, [], [], "KES")

    checks = split_by_items(LINES, [["l1"], ["l2", "l3"], ["l4"]])
    parts = [compute_totals(check, None, [], [], "KES") for check in checks]

    assert sum(p.total for p in parts) == whole.total == 50_000 + 18_000 + 25_000 + 18_000
    assert sum(p.tax_total for p in parts) == whole.tax_total


def test_a_split_that_forgets_a_line_is_refused() -> None:
    with pytest.raises(InvalidSplit, match="l4"):
        split_by_items(LINES, [["l1", "l2"], ["l3"]])


def test_a_line_in_two_checks_is_refused() -> None:
    with pytest.raises(InvalidSplit) as raised:
        split_by_items(LINES, [["l1", "l2", "l4"], ["l3", "l1"]])

    assert raised.value.code == "invalid_split"


def test_an_empty_check_is_refused() -> None:
    with pytest.raises(InvalidSplit):
        split_by_items(LINES, [["l1", "l2", "l3", "l4"], []])


@pytest.mark.parametrize("line_id", ["l9", "l5"])  # l5 exists but is voided
def test_a_split_naming_an_unknown_or_voided_line_is_not_found(line_id: str) -> None:
    with pytest.raises(LineNotFound) as raised:
        split_by_items(LINES, [["l1", "l2", "l3", "l4", line_id]])

    assert raised.value.entity_id == line_id


def test_a_split_by_seat_orders_seats_and_leaves_shared_lines_last() -> None:
    seats = split_by_seat(LINES)

    assert list(seats) == [1, 2, None]
    assert [line.id for line in seats[1]] == ["l2", "l3"]  # l5 is voided
    assert [line.id for line in seats[None]] == ["l4"]


def test_an_even_split_of_kes_595_80_in_seven_spreads_the_odd_cents() -> None:
    # 59580 = 7 x 8511 + 3: the first three guests pay one cent more
    shares = split_evenly(59_580, 7)

    assert shares == [8512, 8512, 8512, 8511, 8511, 8511, 8511]
    assert sum(shares) == 59_580
