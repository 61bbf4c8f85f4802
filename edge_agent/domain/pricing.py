"""Line prices: chosen modifiers, the winning price book, and quantity.

Price book rule: among the books that apply to the outlet, are active at the local time
and price the variant, the highest ``priority`` wins; at equal priority a book for this
outlet beats a tenant-wide one; a remaining tie goes to the lower price, then the lower
book id, so every device picks the same book. With no such book the variant's own price
applies.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from .catalog import Modifier, ModifierGroup, PriceBook, Product, Variant
from .errors import InvalidAmount, ModifierGroupNotFound, ModifierSelectionInvalid, NegativeQuantity


def choose_modifiers(
    product: Product, groups: Iterable[ModifierGroup], selected_ids: Sequence[str]
) -> tuple[Modifier, ...]:
    """Validate a modifier selection for a product and return the chosen modifiers.

    Every selected id must be an option of one of the product's groups (the first such
    group, in the product's order, takes it), chosen at most once, and every group's
    count must lie between its ``min_select`` and ``max_select``.

    Args:
        product: the product being sold.
        groups: modifier groups to look the product's groups up in (extra ones ignored).
        selected_ids: the option ids the cashier picked.

    Returns:
        The chosen modifiers, in group order then option order.

    Raises:
        ModifierSelectionInvalid: an option is unknown to the product or chosen twice, or
            a group has too few or too many choices (``group_id`` names it).
        ModifierGroupNotFound: the product names a group missing from ``groups``.
    """
    by_id = {g.id: g for g in groups}
    own: list[ModifierGroup] = []
    for group_id in product.modifier_group_ids:
        if group_id not in by_id:
            raise ModifierGroupNotFound(group_id)
        own.append(by_id[group_id])
    if len(set(selected_ids)) != len(selected_ids):
        raise ModifierSelectionInvalid("a modifier was chosen more than once")
    chosen: dict[str, set[str]] = {g.id: set() for g in own}
    for modifier_id in selected_ids:
        group = next((g for g in own if g.option(modifier_id) is not None), None)
        if group is None:
            raise ModifierSelectionInvalid(
                f"modifier {modifier_id!r} is not offered for product {product.id!r}"
            )
        chosen[group.id].add(modifier_id)
    result: list[Modifier] = []
    for group in own:
        count = len(chosen[group.id])
        if not group.min_select <= count <= group.max_select:
            raise ModifierSelectionInvalid(
                f"{group.name!r} takes {group.min_select} to {group.max_select} "
                f"choices, got {count}",
                group_id=group.id,
            )
        result.extend(m for m in group.options if m.id in chosen[group.id])
    return tuple(result)


def active_price_book(
    variant: Variant, price_books: Iterable[PriceBook], outlet_code: str, local_dt: datetime
) -> PriceBook | None:
    """The price book that prices ``variant`` at this outlet and local time, if any."""
    candidates = [
        book
        for book in price_books
        if variant.id in book.prices and book.applies_to(outlet_code) and book.is_active(local_dt)
    ]
    if not candidates:
        return None
    return min(
        candidates,
        key=lambda b: (-b.priority, b.outlet_code is None, b.prices[variant.id], b.id),
    )


def unit_price(
    variant: Variant, price_books: Iterable[PriceBook], outlet_code: str, local_dt: datetime
) -> int:
    """The variant's unit price at this outlet and local wall-clock time.

    Args:
        variant: what is sold.
        price_books: every price book of the tenant; inactive or foreign ones are skipped.
        outlet_code: the selling outlet.
        local_dt: the outlet's local time (the caller reads the clock, not us).

    Returns:
        The winning book's price (see the module docstring), else ``variant.price``.
    """
    book = active_price_book(variant, price_books, outlet_code, local_dt)
    return variant.price if book is None else book.prices[variant.id]


def line_price(unit_price: int, modifiers: Iterable[Modifier], quantity: int) -> int:
    """``(unit price + modifier deltas) * quantity``, before discounts.

    Raises:
        NegativeQuantity: ``quantity`` is below one.
        InvalidAmount: the unit price, or the unit price with modifiers, is negative.
    """
    if quantity < 1:
        raise NegativeQuantity(f"quantity must be at least 1, got {quantity}")
    if unit_price < 0:
        raise InvalidAmount(f"unit price must not be negative, got {unit_price}")
    each = unit_price + sum(m.price_delta for m in modifiers)
    if each < 0:
        raise InvalidAmount(f"modifiers take the unit price below zero ({each})")
    return each * quantity
