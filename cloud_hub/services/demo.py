"""The demo tenant: the café the agent's ``pos-agent init --demo`` seeds, served by the hub.

Same tenant ``demo``, outlet ``DEMO1`` (Africa/Nairobi, KES), entity ids and document
shapes as ``edge_agent/services/demo.py`` (copied: the hub never imports the agent), so a
demo agent and one that pulls from the hub hold the same documents. Seeding is
idempotent; every run prints a fixed admin token and fresh enrollment codes for D01 and
D02 (a device code already enrolled gets none).

The fixed admin token is public, so it is never stored: the hub accepts it only while it
runs with ``--demo`` (``admin_tenant``) and answers ``demo_token_refused`` otherwise.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.services import enrollment, reference, registry, staff, tenancy
from cloud_hub.services.errors import DemoTokenRefused, DeviceCodeTaken, NotFound
from cloud_hub.services.tenancy import Tenant

TENANT = "demo"
OUTLET = "DEMO1"
CURRENCY = "KES"
TIMEZONE = "Africa/Nairobi"
#: Public on purpose: only a hub running with ``--demo`` accepts it; it is never stored.
ADMIN_TOKEN = "demo-admin-token-not-for-production"
DEVICE_CODES = ("D01", "D02")
OFFLINE_CARD = {
    "per_transaction_limit": 1_000_000,
    "cumulative_limit": 5_000_000,
    "expiry_hours": 72,
}
STAFF = (
    ("staff-cashier", "Demo Cashier", "cashier", "1111"),
    ("staff-manager", "Demo Manager", "manager", "9999"),
    ("staff-kitchen", "Demo Kitchen", "kitchen", "5555"),
)
ALL_PERMISSIONS = [
    "void",
    "discount_above_limit",
    "refund",
    "no_sale",
    "price_override",
    "drawer_close",
    "reports",
    "drawer_open",
    "manage_drawer",
    "confirm_payment",
    "pay_out",
    "pay_out_above_limit",
    "pair_devices",
    "cancel_print_job",
    "kitchen",
    "tab_over_limit",
]


def _variant(variant_id: str, name: str, sku: str, barcode: str, price: int) -> dict[str, Any]:
    return {"id": variant_id, "name": name, "sku": sku, "barcode": barcode, "price": price}


def _product(
    name: str, category: str, station: str, taxes: list[str], variants: list[dict[str, Any]]
) -> dict[str, Any]:
    doc = {"name": name, "category_id": category, "station": station, "tax_codes": taxes}
    return {**doc, "variants": variants}


def _options(*options: tuple[str, str, int]) -> list[dict[str, Any]]:
    return [{"id": i, "name": n, "price_delta": delta} for i, n, delta in options]


CATALOG: dict[str, dict[str, dict[str, Any]]] = {
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
            "options": _options(
                ("milk-whole", "Whole milk", 0),
                ("milk-oat", "Oat milk", 5000),
                ("milk-almond", "Almond milk", 6000),
            ),
        },
        "extras": {
            "name": "Extras",
            "min_select": 0,
            "max_select": 2,
            "options": _options(
                ("extra-shot", "Extra shot", 4000), ("extra-syrup", "Vanilla syrup", 3000)
            ),
        },
    },
    "product": {
        "latte": {
            **_product(
                "Caffè latte",
                "coffee",
                "bar",
                ["VAT16"],
                [
                    _variant("latte-r", "Regular", "LAT-R", "600100", 35000),
                    _variant("latte-l", "Large", "LAT-L", "600101", 42000),
                ],
            ),
            "modifier_group_ids": ["milk", "extras"],
        },
        "espresso": {
            **_product(
                "Espresso",
                "coffee",
                "bar",
                ["VAT16"],
                [_variant("espresso", "Single", "ESP", "600110", 25000)],
            ),
            "modifier_group_ids": ["extras"],
        },
        "chai": _product(
            "Kenyan chai",
            "tea",
            "bar",
            ["VAT16"],
            [_variant("chai", "Cup", "CHAI", "600120", 15000)],
        ),
        "samosa": _product(
            "Beef samosa",
            "food",
            "kitchen",
            ["VAT16", "CTL2"],
            [_variant("samosa", "Piece", "SAM", "600130", 12000)],
        ),
        "croissant": _product(
            "Croissant",
            "food",
            "kitchen",
            ["VAT16", "CTL2"],
            [_variant("croissant", "Piece", "CRO", "600140", 22000)],
        ),
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
    "role": {
        "cashier": {
            "name": "Cashier",
            "permissions": ["drawer_open", "pay_out"],
            "discount_limit_bp": 1000,
        },
        "manager": {"name": "Manager", "permissions": ALL_PERMISSIONS, "discount_limit_bp": 10000},
        "kitchen": {
            "name": "Kitchen",
            "permissions": ["kitchen"],
            "discount_limit_bp": 0,
            "sells": False,
        },
    },
}


@dataclass(frozen=True, slots=True)
class DemoInfo:
    """What ``pos-hub serve --demo`` prints: the admin token and enrollment codes."""

    tenant: str
    outlet: str
    admin_token: str
    codes: dict[str, str | None]


async def seed(conn: AsyncConnection, *, now_ms: int) -> DemoInfo:
    """Create or complete the demo tenant; call inside a transaction."""
    tenant = await _tenant(conn, now_ms)
    try:
        await tenancy.outlet_by_code(conn, tenant, OUTLET)
    except NotFound:
        settings = {
            "offline_card": OFFLINE_CARD,
            "pay_out_limit": 200_000,
            "z_open_tickets": "warn",
        }
        await registry.create_outlet(
            conn, tenant, OUTLET, "Demo Café", TIMEZONE, settings=settings, now_ms=now_ms
        )
    for entity, items in CATALOG.items():
        for item_id, doc in items.items():
            await reference.put(conn, tenant, entity, item_id, doc, now_ms=now_ms)
    for staff_id, name, role, pin in STAFF:
        salt = hashlib.sha256(f"bengobox-demo:{staff_id}".encode()).digest()[:16]
        await staff.put_staff(
            conn, tenant, staff_id, name=name, role=role, pin=pin, now_ms=now_ms, salt=salt
        )
    return DemoInfo(TENANT, OUTLET, ADMIN_TOKEN, await _codes(conn, tenant, now_ms))


async def admin_tenant(conn: AsyncConnection, token: str | None, *, running: bool) -> Tenant | None:
    """The demo tenant, if ``token`` is the demo's admin token; None for any other token.

    Args:
        running: whether this hub process runs with ``--demo``.

    Raises:
        DemoTokenRefused: the demo token, on a hub not running with ``--demo``.
    """
    if token is None or not hmac.compare_digest(token.encode(), ADMIN_TOKEN.encode()):
        return None
    if not running:
        raise DemoTokenRefused(
            "the demo admin token works only while the hub runs with --demo; "
            "issue a token with 'pos-hub token create'"
        )
    return await tenancy.tenant_by_slug(conn, TENANT)


async def _tenant(conn: AsyncConnection, now_ms: int) -> Tenant:
    try:
        return await tenancy.tenant_by_slug(conn, TENANT)
    except NotFound:
        tenant, _ = await registry.create_tenant(
            conn, TENANT, "Demo Café Ltd", CURRENCY, now_ms=now_ms, first_token=False
        )
        return tenant


async def _codes(conn: AsyncConnection, tenant: Tenant, now_ms: int) -> dict[str, str | None]:
    codes: dict[str, str | None] = {}
    for device_code in DEVICE_CODES:
        try:
            issued = await enrollment.issue(conn, tenant, OUTLET, device_code, now_ms=now_ms)
            codes[device_code] = issued.code
        except DeviceCodeTaken:
            codes[device_code] = None
    return codes
