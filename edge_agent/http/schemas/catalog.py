"""The catalog as the device holds it, for ``GET /api/v1/catalog``."""

from __future__ import annotations

from typing import Annotated

import msgspec

from edge_agent.http.schemas.units import BasisPoints, Ident, Money, Text, deprecated


class Category(msgspec.Struct, kw_only=True):
    """A category of products."""

    id: Ident
    name: Text


class Variant(msgspec.Struct, kw_only=True):
    """A sellable variant of a product (a size, a piece)."""

    id: Ident
    name: Text
    price: Money
    sku: Annotated[str | None, msgspec.Meta(description="Stock-keeping unit.")] = None
    barcode: Annotated[str | None, msgspec.Meta(description="EAN/UPC barcode.")] = None


class Product(msgspec.Struct, kw_only=True):
    """A product and its variants."""

    id: Ident
    name: Text
    category_id: Ident
    variants: list[Variant]
    station: Annotated[str | None, msgspec.Meta(description="Kitchen station it goes to.")] = None
    tax_codes: Annotated[list[str], msgspec.Meta(description="Tax rates that apply.")] = []
    modifier_group_ids: Annotated[
        list[str], msgspec.Meta(description="Modifier groups offered with it.")
    ] = []


class ModifierOption(msgspec.Struct, kw_only=True):
    """An option of a modifier group."""

    id: Ident
    name: Text
    price_delta: Annotated[
        int, msgspec.Meta(description="What it adds to the unit price, in minor units.")
    ] = 0


class ModifierGroup(msgspec.Struct, kw_only=True):
    """Options a line may take, with how many to choose."""

    id: Ident
    name: Text
    min_select: Annotated[int, msgspec.Meta(description="Fewest options to choose.")]
    max_select: Annotated[int, msgspec.Meta(description="Most options to choose.")]
    options: list[ModifierOption]


class TimeWindow(msgspec.Struct, kw_only=True):
    """When a price book applies, in the outlet's local time."""

    weekdays: Annotated[
        list[int], msgspec.Meta(description="Days it applies: 0 = Monday ... 6 = Sunday.")
    ]
    start: Annotated[str, msgspec.Meta(description="Outlet-local opening time, HH:MM.")]
    end: Annotated[str, msgspec.Meta(description="Outlet-local closing time, HH:MM.")]


class PriceBook(msgspec.Struct, kw_only=True):
    """Prices that replace the variants' own in its windows."""

    id: Ident
    name: Text
    priority: Annotated[int, msgspec.Meta(description="Higher wins when books overlap.")]
    prices: Annotated[
        dict[str, int], msgspec.Meta(description="Price in minor units by variant id.")
    ]
    windows: list[TimeWindow]
    outlet_code: Annotated[
        str | None, msgspec.Meta(description="The outlet it is for; null: every outlet.")
    ] = None


class TaxRate(msgspec.Struct, kw_only=True):
    """A tax rate."""

    id: Ident
    code: Text
    name: Text
    rate_bp: BasisPoints
    inclusive: Annotated[bool, msgspec.Meta(description="Included in the prices.")]


class Station(msgspec.Struct, kw_only=True):
    """A kitchen station."""

    id: Ident
    name: Text


class Catalog(msgspec.Struct, kw_only=True):
    """Every catalog entity the device holds, by kind."""

    categorys: Annotated[list[Category], deprecated("The categories.", "categories")]
    products: list[Product]
    modifier_groups: list[ModifierGroup]
    price_books: list[PriceBook]
    tax_rates: list[TaxRate]
    stations: list[Station]
    categories: list[Category]
