"""The catalog replica: value-object rules, lookups, and price-book time windows."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from edge_agent.domain.catalog import Catalog, Category, ModifierGroup, Product, TimeWindow, Variant
from edge_agent.domain.errors import (
    InvalidValue,
    ModifierGroupNotFound,
    NotFound,
    ProductNotFound,
    TaxRateNotFound,
    VariantNotFound,
)

from .cafe import CATALOG, CROISSANT_PRODUCT, EXTRAS, LATTE, LATTE_LARGE, MILK, VAT, WEEKDAYS

FRIDAY, SATURDAY = 4, 5
HAPPY_HOUR = TimeWindow(WEEKDAYS, time(16), time(18))
FRIDAY_LATE = TimeWindow(frozenset({FRIDAY}), time(22), time(2))


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (datetime(2024, 6, 5, 16, 0), True),  # Wednesday, the start is inclusive
        (datetime(2024, 6, 5, 17, 59, 59), True),
        (datetime(2024, 6, 5, 18, 0), False),  # the end is exclusive
        (datetime(2024, 6, 5, 15, 59), False),
        (datetime(2024, 6, 8, 17, 0), False),  # Saturday is not a weekday
    ],
)
def test_a_same_day_window_holds_between_start_and_end_on_its_weekdays(
    moment: datetime, inside: bool
) -> None:
    result = HAPPY_HOUR.contains(moment)

    assert result is inside


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (datetime(2024, 6, 7, 23, 0), True),  # Friday night
        (datetime(2024, 6, 8, 1, 30), True),  # Saturday early morning, still Friday's window
        (datetime(2024, 6, 8, 2, 0), False),
        (datetime(2024, 6, 7, 1, 0), False),  # Friday early morning belongs to Thursday
        (datetime(2024, 6, 8, 23, 0), False),  # Saturday night has no window
        (datetime(2024, 6, 7, 21, 59), False),
    ],
)
def test_a_window_ending_before_it_starts_crosses_midnight_into_the_next_day(
    moment: datetime, inside: bool
) -> None:
    result = FRIDAY_LATE.contains(moment)

    assert result is inside


def test_a_window_from_midnight_to_midnight_covers_the_whole_day() -> None:
    sundays = TimeWindow(frozenset({6}), time(0), time(0))

    inside = [sundays.contains(datetime(2024, 6, 9, h, 59)) for h in range(24)]

    assert all(inside)
    assert not sundays.contains(datetime(2024, 6, 10, 0, 0))


@pytest.mark.parametrize("weekdays", [frozenset(), frozenset({7}), frozenset({-1})])
def test_a_window_needs_weekdays_from_monday_0_to_sunday_6(weekdays: frozenset[int]) -> None:
    with pytest.raises(InvalidValue):
        TimeWindow(weekdays, time(9), time(10))


def test_a_modifier_group_is_required_when_its_minimum_is_at_least_one() -> None:
    assert MILK.required
    assert not EXTRAS.required


@pytest.mark.parametrize(("low", "high"), [(2, 1), (-1, 1), (0, 0), (4, 4)])
def test_a_modifier_group_with_impossible_bounds_is_refused(low: int, high: int) -> None:
    with pytest.raises(InvalidValue):
        ModifierGroup("g", "Bad", low, high, MILK.options)  # 3 options: 4 can never be met


def test_a_product_cannot_hold_another_products_variant() -> None:
    stray = Variant("v-x", "p-other", "X", None, None, 100)

    with pytest.raises(InvalidValue):
        Product("p-latte", "Latte", None, (stray,))


def test_a_variant_is_found_by_id_barcode_or_sku() -> None:
    by_id = CATALOG.variant("v-latte-l")
    by_barcode = CATALOG.variant_by_code("6161100000028")
    by_sku = CATALOG.variant_by_code("LAT-L")

    assert by_id == by_barcode == by_sku == LATTE_LARGE


def test_an_unknown_barcode_is_a_lookup_error_carrying_the_code() -> None:
    with pytest.raises(VariantNotFound) as raised:
        CATALOG.variant_by_code("0000")

    assert isinstance(raised.value, LookupError)
    assert raised.value.entity_id == "0000"
    assert raised.value.code == "variant_not_found"


@pytest.mark.parametrize(
    "lookup",
    [
        CATALOG.product,
        CATALOG.category,
        CATALOG.modifier_group,
        CATALOG.station,
        CATALOG.price_book,
        CATALOG.tax_rate,
        CATALOG.variant,
    ],
)
def test_every_lookup_of_an_unknown_id_raises_not_found_with_the_id(lookup: object) -> None:
    with pytest.raises(NotFound) as raised:
        lookup("nope")  # type: ignore[operator]

    assert raised.value.entity_id == "nope"


def test_a_products_groups_and_tax_rates_come_in_the_products_order() -> None:
    groups = CATALOG.modifier_groups_for(LATTE)
    taxes = CATALOG.tax_rates_for(CROISSANT_PRODUCT)

    assert groups == (MILK, EXTRAS)
    assert [t.code for t in taxes] == ["VAT16", "CTL2"]


def test_a_product_naming_a_missing_group_or_tax_code_cannot_be_resolved() -> None:
    catalog = Catalog.build(products=[LATTE], tax_rates=[VAT])

    with pytest.raises(ModifierGroupNotFound):
        catalog.modifier_groups_for(LATTE)
    with pytest.raises(TaxRateNotFound) as raised:
        catalog.tax_rates_for(CROISSANT_PRODUCT)

    assert raised.value.entity_id == "CTL2"


def test_two_items_with_one_id_are_refused() -> None:
    with pytest.raises(InvalidValue):
        Catalog.build(categories=[Category("c", "A"), Category("c", "B")])


def test_the_product_lookup_error_names_the_product() -> None:
    with pytest.raises(ProductNotFound, match="product 'p-tea' not found"):
        CATALOG.product("p-tea")


def test_a_window_with_a_time_zone_is_refused_because_windows_are_local_time() -> None:
    with pytest.raises(InvalidValue):
        TimeWindow(frozenset({0}), time(9, tzinfo=UTC), time(10, tzinfo=UTC))
