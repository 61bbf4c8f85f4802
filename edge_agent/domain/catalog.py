"""The catalog as the till reads it: products, variants, modifiers, price books, taxes.

:class:`TimeWindow` and :class:`PriceBook` live in :mod:`price_books` and are
re-exported here.

Reference data is hub-authoritative: the device holds a read-only replica and these
value objects describe it. :class:`Catalog` indexes them by id; its lookups raise the
matching not-found error, carrying the id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from .errors import (
    CategoryNotFound,
    InvalidValue,
    ModifierGroupNotFound,
    NotFound,
    PriceBookNotFound,
    ProductNotFound,
    StationNotFound,
    TaxRateNotFound,
    VariantNotFound,
)
from .price_books import PriceBook, TimeWindow
from .taxes import TaxRate


@dataclass(frozen=True, slots=True)
class Category:
    """A menu category (Coffee, Pastries...)."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class KitchenStation:
    """Where a product's lines are sent (bar, grill, pastry...)."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class Variant:
    """A sellable size or flavour of a product, with its own SKU, barcode and price."""

    id: str
    product_id: str
    name: str
    sku: str | None
    barcode: str | None
    price: int

    def __post_init__(self) -> None:
        if self.price < 0:
            raise InvalidValue(f"variant {self.id!r} has a negative price")


@dataclass(frozen=True, slots=True)
class Modifier:
    """An option of a modifier group; ``price_delta`` may be negative ("no cheese")."""

    id: str
    name: str
    price_delta: int = 0


@dataclass(frozen=True, slots=True)
class ModifierGroup:
    """A set of options of which between ``min_select`` and ``max_select`` are chosen."""

    id: str
    name: str
    min_select: int
    max_select: int
    options: tuple[Modifier, ...]

    def __post_init__(self) -> None:
        if not 0 <= self.min_select <= self.max_select or self.max_select < 1:
            raise InvalidValue(f"modifier group {self.id!r}: need 0 <= min <= max, max >= 1")
        if self.min_select > len(self.options):
            raise InvalidValue(f"modifier group {self.id!r} requires more than it offers")

    @property
    def required(self) -> bool:
        """True when at least one option must be chosen."""
        return self.min_select >= 1

    def option(self, modifier_id: str) -> Modifier | None:
        """The option with this id, or None when the group does not offer it."""
        return next((m for m in self.options if m.id == modifier_id), None)


@dataclass(frozen=True, slots=True)
class Product:
    """A product with its variants, modifier groups, tax codes and kitchen station."""

    id: str
    name: str
    category_id: str | None
    variants: tuple[Variant, ...]
    modifier_group_ids: tuple[str, ...] = ()
    tax_codes: tuple[str, ...] = ()
    station: str | None = None

    def __post_init__(self) -> None:
        if not self.variants:
            raise InvalidValue(f"product {self.id!r} has no variant")
        if any(v.product_id != self.id for v in self.variants):
            raise InvalidValue(f"product {self.id!r} holds another product's variant")


@dataclass(frozen=True, slots=True)
class Catalog:
    """Every reference item of the catalog, indexed by id (tax rates by code)."""

    categories: Mapping[str, Category] = field(default_factory=dict)
    products: Mapping[str, Product] = field(default_factory=dict)
    modifier_groups: Mapping[str, ModifierGroup] = field(default_factory=dict)
    stations: Mapping[str, KitchenStation] = field(default_factory=dict)
    price_books: Mapping[str, PriceBook] = field(default_factory=dict)
    tax_rates: Mapping[str, TaxRate] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        *,
        categories: Iterable[Category] = (),
        products: Iterable[Product] = (),
        modifier_groups: Iterable[ModifierGroup] = (),
        stations: Iterable[KitchenStation] = (),
        price_books: Iterable[PriceBook] = (),
        tax_rates: Iterable[TaxRate] = (),
    ) -> Catalog:
        """Index lists of catalog items by id.

        Raises:
            InvalidValue: two items of a kind share an id.
        """
        return cls(
            categories=_index(categories, "category"),
            products=_index(products, "product"),
            modifier_groups=_index(modifier_groups, "modifier group"),
            stations=_index(stations, "kitchen station"),
            price_books=_index(price_books, "price book"),
            tax_rates={r.code: r for r in _unique(tax_rates, lambda r: r.code, "tax rate")},
        )

    def category(self, category_id: str) -> Category:
        """The category with this id.

        Raises:
            CategoryNotFound: there is none.
        """
        return _get(self.categories, category_id, CategoryNotFound)

    def product(self, product_id: str) -> Product:
        """The product with this id.

        Raises:
            ProductNotFound: there is none.
        """
        return _get(self.products, product_id, ProductNotFound)

    def modifier_group(self, group_id: str) -> ModifierGroup:
        """The modifier group with this id.

        Raises:
            ModifierGroupNotFound: there is none.
        """
        return _get(self.modifier_groups, group_id, ModifierGroupNotFound)

    def station(self, station_id: str) -> KitchenStation:
        """The kitchen station with this id.

        Raises:
            StationNotFound: there is none.
        """
        return _get(self.stations, station_id, StationNotFound)

    def price_book(self, book_id: str) -> PriceBook:
        """The price book with this id.

        Raises:
            PriceBookNotFound: there is none.
        """
        return _get(self.price_books, book_id, PriceBookNotFound)

    def tax_rate(self, code: str) -> TaxRate:
        """The tax rate with this code.

        Raises:
            TaxRateNotFound: there is none.
        """
        return _get(self.tax_rates, code, TaxRateNotFound)

    def variant(self, variant_id: str) -> Variant:
        """Find a variant by id in any product.

        Raises:
            VariantNotFound: no product has it.
        """
        for product in self.products.values():
            for variant in product.variants:
                if variant.id == variant_id:
                    return variant
        raise VariantNotFound(variant_id)

    def variant_by_code(self, code: str) -> Variant:
        """Find a variant by barcode or SKU (a scanner reads either).

        Raises:
            VariantNotFound: no variant has this barcode or SKU.
        """
        for product in self.products.values():
            for variant in product.variants:
                if code in (variant.barcode, variant.sku):
                    return variant
        raise VariantNotFound(code)

    def modifier_groups_for(self, product: Product) -> tuple[ModifierGroup, ...]:
        """The product's modifier groups, in the product's order.

        Raises:
            ModifierGroupNotFound: the product names a group the catalog lacks.
        """
        return tuple(self.modifier_group(g) for g in product.modifier_group_ids)

    def tax_rates_for(self, product: Product) -> tuple[TaxRate, ...]:
        """The product's tax rates, in the product's order.

        Raises:
            TaxRateNotFound: the product names a tax code the catalog lacks.
        """
        return tuple(self.tax_rate(code) for code in product.tax_codes)


__all__ = [
    "Catalog",
    "Category",
    "KitchenStation",
    "Modifier",
    "ModifierGroup",
    "PriceBook",
    "Product",
    "TimeWindow",
    "Variant",
]

T = TypeVar("T")


class _Identified(Protocol):
    @property
    def id(self) -> str: ...


ItemT = TypeVar("ItemT", bound=_Identified)


def _unique(items: Iterable[T], key: Callable[[T], str], kind: str) -> list[T]:
    seen: set[str] = set()
    result = []
    for item in items:
        k = key(item)
        if k in seen:
            raise InvalidValue(f"duplicate {kind} {k!r}")
        seen.add(k)
        result.append(item)
    return result


def _index(items: Iterable[ItemT], kind: str) -> dict[str, ItemT]:
    return {item.id: item for item in _unique(items, lambda item: item.id, kind)}


def _get(items: Mapping[str, T], key: str, error: type[NotFound]) -> T:
    try:
        return items[key]
    except KeyError:
        raise error(key) from None
