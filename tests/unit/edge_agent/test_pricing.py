"""Line prices: modifier selection, price books by time, outlet and priority."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from edge_agent.domain.catalog import Modifier, PriceBook, TimeWindow
from edge_agent.domain.errors import (
    InvalidAmount,
    ModifierGroupNotFound,
    ModifierSelectionInvalid,
    NegativeQuantity,
)
from edge_agent.domain.pricing import active_price_book, choose_modifiers, line_price, unit_price

from .cafe import (
    EXTRAS,
    HAPPY_HOUR,
    LATTE,
    LATTE_LARGE,
    LATTE_REGULAR,
    MILK,
    SATURDAY_5PM,
    WARMING,
    WEDNESDAY_5PM,
    WEDNESDAY_7PM,
)

GROUPS = (MILK, EXTRAS, WARMING)


def book(book_id: str, price: int, *, priority: int = 0, outlet: str | None = None) -> PriceBook:
    return PriceBook(book_id, book_id, priority, outlet, (), {"v-latte-r": price})


def test_chosen_modifiers_come_back_in_group_then_option_order() -> None:
    chosen = choose_modifiers(LATTE, GROUPS, ["m-syrup", "m-oat", "m-shot"])

    assert [m.id for m in chosen] == ["m-oat", "m-shot", "m-syrup"]


def test_a_required_group_left_empty_is_refused_naming_the_group() -> None:
    with pytest.raises(ModifierSelectionInvalid) as raised:
        choose_modifiers(LATTE, GROUPS, ["m-shot"])

    assert raised.value.code == "modifier_selection_invalid"
    assert raised.value.group_id == "g-milk"


def test_two_choices_in_a_pick_one_group_are_refused() -> None:
    with pytest.raises(ModifierSelectionInvalid) as raised:
        choose_modifiers(LATTE, GROUPS, ["m-oat", "m-soy"])

    assert raised.value.group_id == "g-milk"


def test_more_extras_than_the_group_maximum_are_refused() -> None:
    with pytest.raises(ModifierSelectionInvalid) as raised:
        choose_modifiers(LATTE, GROUPS, ["m-whole", "m-shot", "m-syrup", "m-nosugar"])

    assert raised.value.group_id == "g-extras"


@pytest.mark.parametrize("foreign", ["m-jam", "m-unknown"])
def test_an_option_not_offered_for_the_product_is_refused(foreign: str) -> None:
    # m-jam exists, but in the croissant's group, not in any of the latte's
    with pytest.raises(ModifierSelectionInvalid) as raised:
        choose_modifiers(LATTE, GROUPS, ["m-whole", foreign])

    assert raised.value.group_id is None


def test_the_same_option_twice_is_refused() -> None:
    with pytest.raises(ModifierSelectionInvalid):
        choose_modifiers(LATTE, GROUPS, ["m-whole", "m-shot", "m-shot"])


def test_a_product_group_missing_from_the_catalog_is_not_found() -> None:
    with pytest.raises(ModifierGroupNotFound) as raised:
        choose_modifiers(LATTE, [MILK], ["m-whole"])

    assert raised.value.entity_id == "g-extras"


def test_without_price_books_the_variant_price_applies() -> None:
    price = unit_price(LATTE_REGULAR, [], "DEMO1", WEDNESDAY_5PM)

    assert price == 25_000


@pytest.mark.parametrize(
    ("moment", "price"),
    [(WEDNESDAY_5PM, 20_000), (WEDNESDAY_7PM, 25_000), (SATURDAY_5PM, 25_000)],
)
def test_happy_hour_prices_apply_only_inside_their_window(moment: datetime, price: int) -> None:
    result = unit_price(LATTE_REGULAR, [HAPPY_HOUR], "DEMO1", moment)

    assert result == price


def test_a_book_that_does_not_price_the_variant_is_ignored() -> None:
    # HAPPY_HOUR prices only the regular latte
    result = unit_price(LATTE_LARGE, [HAPPY_HOUR], "DEMO1", WEDNESDAY_5PM)

    assert result == 30_000


def test_the_highest_priority_active_book_wins() -> None:
    books = [book("low", 24_000, priority=1), book("high", 22_000, priority=5)]

    result = unit_price(LATTE_REGULAR, books, "DEMO1", WEDNESDAY_7PM)

    assert result == 22_000


def test_at_equal_priority_the_outlet_book_beats_the_tenant_wide_one() -> None:
    books = [book("tenant", 24_000, priority=5), book("demo1", 26_000, priority=5, outlet="DEMO1")]

    at_demo1 = unit_price(LATTE_REGULAR, books, "DEMO1", WEDNESDAY_7PM)
    elsewhere = unit_price(LATTE_REGULAR, books, "NAIROBI2", WEDNESDAY_7PM)

    assert at_demo1 == 26_000
    assert elsewhere == 24_000


def test_a_higher_priority_tenant_book_beats_a_lower_priority_outlet_book() -> None:
    books = [book("tenant", 24_000, priority=6), book("demo1", 26_000, priority=5, outlet="DEMO1")]

    result = unit_price(LATTE_REGULAR, books, "DEMO1", WEDNESDAY_7PM)

    assert result == 24_000


def test_a_late_night_book_crossing_midnight_prices_the_early_hours() -> None:
    late = PriceBook(
        "late", "Late", 1, None, (TimeWindow(frozenset({4}), time(22), time(2)),), {"v-latte-r": 1}
    )
    saturday_1am = datetime(2024, 6, 8, 1, 0)

    result = active_price_book(LATTE_REGULAR, [late], "DEMO1", saturday_1am)

    assert result is late


def test_the_tie_between_two_equal_books_always_goes_to_the_same_one() -> None:
    books = [book("b", 23_000), book("a", 23_000), book("c", 23_500)]

    forwards = active_price_book(LATTE_REGULAR, books, "DEMO1", WEDNESDAY_5PM)
    backwards = active_price_book(LATTE_REGULAR, books[::-1], "DEMO1", WEDNESDAY_5PM)

    assert forwards is not None
    assert forwards.id == "a"
    assert backwards == forwards


def test_a_line_price_is_unit_price_plus_modifiers_times_quantity() -> None:
    oat, shot = MILK.options[1], EXTRAS.options[0]

    # (250.00 + 50.00 oat + 60.00 shot) x 2 = 720.00
    result = line_price(25_000, [oat, shot], 2)

    assert result == 72_000


@pytest.mark.parametrize("quantity", [0, -1])
def test_a_quantity_below_one_is_refused(quantity: int) -> None:
    with pytest.raises(NegativeQuantity) as raised:
        line_price(25_000, [], quantity)

    assert raised.value.code == "negative_quantity"


def test_modifiers_cannot_take_a_price_below_zero() -> None:
    with pytest.raises(InvalidAmount):
        line_price(1000, [Modifier("m", "Big discount", -2000)], 1)
