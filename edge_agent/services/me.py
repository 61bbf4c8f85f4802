"""Who is calling and the outlet's rules, for ``GET /api/v1/me``: what a till's screen
needs before it takes money (currency and its cash step, time zone, limits)."""

from __future__ import annotations

import sqlite3
from typing import Any

from edge_agent.domain.money import currency
from edge_agent.services import outlet_settings, staff
from edge_agent.services.catalog import offline_card_policy
from edge_agent.store import reference
from edge_agent.store.device import identity

DEFAULT_BUSINESS_DAY_START = "00:00"


def whoami(conn: sqlite3.Connection, token: str | None, service: bool) -> dict[str, Any]:
    """The operator of ``token`` (none for the device's service token), their role's
    permissions and limits, and the outlet's money rules, as plain data.

    Raises:
        NotSignedIn: not the service, and no open session for ``token``.
    """
    device = identity(conn)
    money = currency(device.currency)
    outlet = reference.get(conn, "outlet", device.outlet) or {}
    card = offline_card_policy(conn, device.outlet)
    idle_ms, longest_ms = outlet_settings.session_limits_ms(conn)
    document: dict[str, Any] = {
        "operator": None,
        "service": service,
        "permissions": [],
        "limits": None,
        "outlet": {
            "outlet": device.outlet,
            "device_code": device.device_code,
            "currency": money.code,
            "currency_exponent": money.exponent,
            "cash_increment": money.cash_increment,
            "timezone": device.timezone,
            "business_day_start": outlet.get("business_day_start") or DEFAULT_BUSINESS_DAY_START,
            "offline_card": None
            if card is None
            else {
                "per_transaction_limit": card.per_transaction_limit,
                "cumulative_limit": card.cumulative_limit,
                "expiry_hours": card.expiry_hours,
            },
        },
    }
    if service:
        return document
    who = staff.operator(conn, token)
    document["operator"] = {"staff_id": who.staff_id, "name": who.name, "role": who.role.name}
    document["permissions"] = sorted(p.value for p in who.role.permissions)
    document["limits"] = {
        "discount_limit_bp": who.role.discount_limit_bp,
        "pay_out_limit": outlet_settings.pay_out_limit(conn),
        "session_idle_minutes": idle_ms // 60_000,
        "session_max_hours": longest_ms // 3_600_000,
    }
    return document
