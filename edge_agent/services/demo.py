"""The demo outlet: a café catalog, two tax rates, a cashier and a manager.

Written as reference data, as the hub would replicate it, by ``pos-agent init --demo``.
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any

from edge_agent.domain.rbac import Permission, hash_pin
from edge_agent.store import reference

TENANT = "demo"
OUTLET = "DEMO1"
CURRENCY = "KES"
TIMEZONE = "Africa/Nairobi"
CASHIER_PIN = "1111"
MANAGER_PIN = "9999"
KITCHEN_PIN = "5555"

_CATALOG: dict[str, dict[str, dict[str, Any]]] = {
    "tax_rate": {
        "VAT16": {"code": "VAT16", "name": "VAT 16%", "rate_bp": 1600, "inclusive": True},
        "CTL2": {"code": "CTL2", "name": "Catering levy 2%", "rate_bp": 200, "inclusive": True},
    },
    "category": {"coffee": {"name": "Coffee"}, "tea": {"name": "Tea"}, "food": {"name": "Food"}},
    "station": {"bar": {"name": "Bar"}, "kitchen": {"name": "Kitchen"}},
    "modifier_group": {
        "milk": {
            "name": "Milk",
            "min_select": 1,
            "max_select": 1,
            "options": [
                {"id": "milk-whole", "name": "Whole milk", "price_delta": 0},
                {"id": "milk-oat", "name": "Oat milk", "price_delta": 5000},
                {"id": "milk-almond", "name": "Almond milk", "price_delta": 6000},
            ],
        },
        "extras": {
            "name": "Extras",
            "min_select": 0,
            "max_select": 2,
            "options": [
                {"id": "extra-shot", "name": "Extra shot", "price_delta": 4000},
                {"id": "extra-syrup", "name": "Vanilla syrup", "price_delta": 3000},
            ],
        },
    },
    "product": {
        "latte": {
            "name": "Caffè latte",
            "category_id": "coffee",
            "station": "bar",
            "tax_codes": ["VAT16"],
            "modifier_group_ids": ["milk", "extras"],
            "variants": [
                {
                    "id": "latte-r",
                    "name": "Regular",
                    "sku": "LAT-R",
                    "barcode": "600100",
                    "price": 35000,
                },
                {
                    "id": "latte-l",
                    "name": "Large",
                    "sku": "LAT-L",
                    "barcode": "600101",
                    "price": 42000,
                },
            ],
        },
        "espresso": {
            "name": "Espresso",
            "category_id": "coffee",
            "station": "bar",
            "tax_codes": ["VAT16"],
            "modifier_group_ids": ["extras"],
            "variants": [
                {
                    "id": "espresso",
                    "name": "Single",
                    "sku": "ESP",
                    "barcode": "600110",
                    "price": 25000,
                }
            ],
        },
        "chai": {
            "name": "Kenyan chai",
            "category_id": "tea",
            "station": "bar",
            "tax_codes": ["VAT16"],
            "variants": [
                {"id": "chai", "name": "Cup", "sku": "CHAI", "barcode": "600120", "price": 15000}
            ],
        },
        "samosa": {
            "name": "Beef samosa",
            "category_id": "food",
            "station": "kitchen",
            "tax_codes": ["VAT16", "CTL2"],
            "variants": [
                {"id": "samosa", "name": "Piece", "sku": "SAM", "barcode": "600130", "price": 12000}
            ],
        },
        "croissant": {
            "name": "Croissant",
            "category_id": "food",
            "station": "kitchen",
            "tax_codes": ["VAT16", "CTL2"],
            "variants": [
                {
                    "id": "croissant",
                    "name": "Piece",
                    "sku": "CRO",
                    "barcode": "600140",
                    "price": 22000,
                }
            ],
        },
    },
    "price_book": {
        "happy-hour": {
            "name": "Happy hour",
            "priority": 10,
            "outlet_code": None,
            "windows": [{"weekdays": [0, 1, 2, 3, 4], "start": "16:00", "end": "18:00"}],
            "prices": {"latte-r": 30000, "latte-l": 36000, "espresso": 20000},
        }
    },
    "outlet": {
        OUTLET: {
            "name": "Demo Café",
            "currency": CURRENCY,
            "timezone": TIMEZONE,
            "offline_card": {
                "per_transaction_limit": 1_000_000,
                "cumulative_limit": 5_000_000,
                "expiry_hours": 72,
            },
            "pay_out_limit": 200_000,
            "z_open_tickets": "warn",
        }
    },
    "role": {
        "cashier": {
            "name": "Cashier",
            "permissions": [Permission.DRAWER_OPEN.value, Permission.PAY_OUT.value],
            "discount_limit_bp": 1000,
        },
        "manager": {
            "name": "Manager",
            "permissions": [p.value for p in Permission],
            "discount_limit_bp": 10000,
        },
        "kitchen": {
            "name": "Kitchen",
            "permissions": [Permission.KITCHEN.value],
            "discount_limit_bp": 0,
            "sells": False,
        },
    },
}


def seed(conn: sqlite3.Connection) -> None:
    """Write the demo reference data; call inside a write transaction."""
    for entity, items in _CATALOG.items():
        for item_id, data in items.items():
            reference.put(conn, entity, item_id, data)
    for staff_id, name, role, pin in (
        ("staff-cashier", "Demo Cashier", "cashier", CASHIER_PIN),
        ("staff-manager", "Demo Manager", "manager", MANAGER_PIN),
        ("staff-kitchen", "Demo Kitchen", "kitchen", KITCHEN_PIN),
    ):
        reference.put(
            conn,
            "staff",
            staff_id,
            {"name": name, "role": role, "pin_hash": hash_pin(pin, os.urandom(16))},
        )
