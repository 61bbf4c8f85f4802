"""A small café catalog, shared by the edge agent's domain tests.

Prices are KES minor units (cents) and include VAT; food also includes the 2 % catering
levy, as Kenyan menus show them.
"""

from __future__ import annotations

from datetime import datetime, time

from edge_agent.domain.catalog import (
    Catalog,
    Category,
    KitchenStation,
    Modifier,
    ModifierGroup,
    PriceBook,
    Product,
    TimeWindow,
    Variant,
)
from edge_agent.domain.taxes import TaxRate
from edge_agent.domain.ticket import TicketLine

VAT = TaxRate("VAT16", "VAT 16%", 1600, inclusive=True)
LEVY = TaxRate("CTL2", "Catering levy 2%", 200, inclusive=True)

# 2024-06-03 is a Monday.
WEDNESDAY_5PM = datetime(2024, 6, 5, 17, 0)
WEDNESDAY_7PM = datetime(2024, 6, 5, 19, 0)
SATURDAY_5PM = datetime(2024, 6, 8, 17, 0)
WEEKDAYS = frozenset(range(5))

LATTE_REGULAR = Variant("v-latte-r", "p-latte", "Regular", "LAT-R", "6161100000011", 25000)
LATTE_LARGE = Variant("v-latte-l", "p-latte", "Large", "LAT-L", "6161100000028", 30000)
CROISSANT = Variant("v-croissant", "p-croissant", "Butter", "CRO-B", None, 18000)

MILK = ModifierGroup(
    "g-milk",
    "Milk",
    min_select=1,
    max_select=1,
    options=(
        Modifier("m-whole", "Whole milk", 0),
        Modifier("m-oat", "Oat milk", 5000),
        Modifier("m-soy", "Soy milk", 4000),
    ),
)
EXTRAS = ModifierGroup(
    "g-extras",
    "Extras",
    min_select=0,
    max_select=2,
    options=(
        Modifier("m-shot", "Extra shot", 6000),
        Modifier("m-syrup", "Vanilla syrup", 3000),
        Modifier("m-nosugar", "No sugar", 0),
    ),
)
WARMING = ModifierGroup(
    "g-warm", "Warming", 0, 1, (Modifier("m-warm", "Warmed"), Modifier("m-jam", "Jam", 2000))
)

LATTE = Product(
    "p-latte",
    "Latte",
    "c-coffee",
    (LATTE_REGULAR, LATTE_LARGE),
    modifier_group_ids=("g-milk", "g-extras"),
    tax_codes=("VAT16",),
    station="s-bar",
)
CROISSANT_PRODUCT = Product(
    "p-croissant",
    "Croissant",
    "c-pastry",
    (CROISSANT,),
    modifier_group_ids=("g-warm",),
    tax_codes=("VAT16", "CTL2"),
    station="s-pastry",
)

HAPPY_HOUR = PriceBook(
    "pb-happy",
    "Happy hour",
    priority=10,
    outlet_code=None,
    windows=(TimeWindow(WEEKDAYS, time(16), time(18)),),
    prices={"v-latte-r": 20000},
)

CATALOG = Catalog.build(
    categories=[Category("c-coffee", "Coffee"), Category("c-pastry", "Pastries")],
    products=[LATTE, CROISSANT_PRODUCT],
    modifier_groups=[MILK, EXTRAS, WARMING],
    stations=[KitchenStation("s-bar", "Bar"), KitchenStation("s-pastry", "Pastry")],
    price_books=[HAPPY_HOUR],
    tax_rates=[VAT, LEVY],
)


def latte_line(line_id: str = "l-latte", quantity: int = 2, **changes: object) -> TicketLine:
    """Two regular lattes with whole milk at KES 250.00 each, VAT inclusive."""
    fields: dict[str, object] = {
        "product_id": "p-latte",
        "variant_id": "v-latte-r",
        "name": "Latte",
        "quantity": quantity,
        "unit_price": 25000,
        "modifiers": (MILK.options[0],),
        "tax_rates": (VAT,),
        "station": "s-bar",
    }
    fields.update(changes)
    return TicketLine(line_id, **fields)  # type: ignore[arg-type]


def croissant_line(line_id: str = "l-croissant", **changes: object) -> TicketLine:
    """One croissant at KES 180.00, VAT and catering levy inclusive."""
    fields: dict[str, object] = {
        "product_id": "p-croissant",
        "variant_id": "v-croissant",
        "name": "Croissant",
        "quantity": 1,
        "unit_price": 18000,
        "tax_rates": (VAT, LEVY),
        "station": "s-pastry",
    }
    fields.update(changes)
    return TicketLine(line_id, **fields)  # type: ignore[arg-type]
