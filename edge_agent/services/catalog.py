"""Reading the replicated catalog and outlet settings into domain objects."""

from __future__ import annotations

import sqlite3
from datetime import time
from typing import Any

import msgspec

from edge_agent.domain.catalog import (
    Catalog,
    Category,
    KitchenStation,
    Modifier,
    ModifierGroup,
    Product,
    Variant,
)
from edge_agent.domain.price_books import PriceBook, TimeWindow
from edge_agent.domain.taxes import TaxRate
from edge_agent.domain.tendering import OfflineCardPolicy
from edge_agent.store import reference
from sync_protocol.promotions import AnyPromotion


def load_catalog(conn: sqlite3.Connection) -> Catalog:
    """The catalog as the device holds it now."""
    return Catalog.build(
        categories=[Category(i, d["name"]) for i, d in reference.load(conn, "category").items()],
        stations=[KitchenStation(i, d["name"]) for i, d in reference.load(conn, "station").items()],
        tax_rates=[
            TaxRate(d["code"], d["name"], d["rate_bp"], d["inclusive"])
            for d in reference.load(conn, "tax_rate").values()
        ],
        modifier_groups=[_group(i, d) for i, d in reference.load(conn, "modifier_group").items()],
        products=[_product(i, d) for i, d in reference.load(conn, "product").items()],
        price_books=[_price_book(i, d) for i, d in reference.load(conn, "price_book").items()],
    )


def catalog_document(conn: sqlite3.Connection) -> dict[str, list[dict[str, Any]]]:
    """The catalog as plain data for ``GET /catalog``."""
    return {
        f"{entity}s": [{"id": i, **d} for i, d in reference.load(conn, entity).items()]
        for entity in ("category", "product", "modifier_group", "price_book", "tax_rate", "station")
    }


def load_promotions(conn: sqlite3.Connection) -> list[AnyPromotion]:
    """The tenant's promotions as the device holds them now.

    A document this agent cannot read (a kind a newer hub added) is left out, as the
    ticket money fold leaves it out of a ticket's pinned promotions.
    """
    found = []
    for promotion_id, doc in reference.load(conn, "promotion").items():
        try:
            found.append(msgspec.convert({**doc, "id": promotion_id}, AnyPromotion))
        except msgspec.ValidationError:
            continue
    return found


def offline_card_policy(conn: sqlite3.Connection, outlet: str) -> OfflineCardPolicy | None:
    """The outlet's limits on cards taken offline, or None when it takes none."""
    settings = (reference.get(conn, "outlet", outlet) or {}).get("offline_card")
    if settings is None:
        return None
    return OfflineCardPolicy(
        settings["per_transaction_limit"], settings["cumulative_limit"], settings["expiry_hours"]
    )


def _group(group_id: str, data: dict[str, Any]) -> ModifierGroup:
    options = tuple(Modifier(o["id"], o["name"], o.get("price_delta", 0)) for o in data["options"])
    return ModifierGroup(group_id, data["name"], data["min_select"], data["max_select"], options)


def _product(product_id: str, data: dict[str, Any]) -> Product:
    variants = tuple(
        Variant(v["id"], product_id, v["name"], v.get("sku"), v.get("barcode"), v["price"])
        for v in data["variants"]
    )
    return Product(
        product_id,
        data["name"],
        data["category_id"],
        variants,
        tuple(data.get("modifier_group_ids", ())),
        tuple(data.get("tax_codes", ())),
        data.get("station"),
    )


def _price_book(book_id: str, data: dict[str, Any]) -> PriceBook:
    windows = tuple(
        TimeWindow(
            frozenset(w["weekdays"]), time.fromisoformat(w["start"]), time.fromisoformat(w["end"])
        )
        for w in data.get("windows", ())
    )
    return PriceBook(
        book_id, data["name"], data["priority"], data.get("outlet_code"), windows, data["prices"]
    )
