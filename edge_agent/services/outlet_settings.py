"""The outlet's cashier-day settings, read from its reference document (hub-authoritative).

- ``pay_out_limit`` (minor units): above it a pay-out takes ``pay_out_above_limit``, a
  manager's PIN for a cashier; absent, ``pay_out`` covers any amount.
- ``z_open_tickets``: ``"warn"`` (the default) issues a Z that lists the tickets still
  open; ``"refuse"`` refuses the Z until they are settled.
- ``tab_limit`` (minor units): the limit a bar tab takes when it names none (ADR 0030);
  absent, tabs have no limit.
- ``session_idle_minutes`` (30) and ``session_max_hours`` (12): an operator session ends
  after that long without a request, and that long after sign-in at most.
- ``kiosk_line_quantity_max`` (10) and ``kiosk_order_quantity_max`` (30): the most items
  a self-order kiosk puts on one line and on one order.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Literal

from edge_agent.domain.kiosk import (
    DEFAULT_LINE_QUANTITY_MAX,
    DEFAULT_ORDER_QUANTITY_MAX,
    KioskLimits,
)
from edge_agent.store import reference
from edge_agent.store.device import identity

ZOpenTicketsRule = Literal["warn", "refuse"]


def _outlet(conn: sqlite3.Connection) -> dict[str, Any]:
    return reference.get(conn, "outlet", identity(conn).outlet) or {}


def pay_out_limit(conn: sqlite3.Connection) -> int | None:
    """The largest pay-out ``pay_out`` allows on its own, or None for no limit."""
    limit = _outlet(conn).get("pay_out_limit")
    return None if limit is None else int(limit)


def tab_limit(conn: sqlite3.Connection) -> int | None:
    """The limit a new tab takes when it names none, or None for no limit."""
    limit = _outlet(conn).get("tab_limit")
    return None if limit is None else int(limit)


def z_open_tickets(conn: sqlite3.Connection) -> ZOpenTicketsRule:
    """What a Z report does while tickets are open: ``warn`` or ``refuse``."""
    return "refuse" if _outlet(conn).get("z_open_tickets") == "refuse" else "warn"


DEFAULT_SESSION_IDLE_MINUTES = 30
DEFAULT_SESSION_MAX_HOURS = 12


def session_limits_ms(conn: sqlite3.Connection) -> tuple[int, int]:
    """How long an operator session may stay idle, and live at most, in milliseconds."""
    outlet = _outlet(conn)
    idle = int(outlet.get("session_idle_minutes") or DEFAULT_SESSION_IDLE_MINUTES)
    longest = int(outlet.get("session_max_hours") or DEFAULT_SESSION_MAX_HOURS)
    return idle * 60_000, longest * 3_600_000


def kiosk_limits(conn: sqlite3.Connection) -> KioskLimits:
    """The outlet's quantity caps on self-order kiosk lines and orders.

    Raises:
        InvalidValue: the outlet's caps contradict each other (a line above the order).
    """
    outlet = _outlet(conn)
    return KioskLimits(
        int(outlet.get("kiosk_line_quantity_max") or DEFAULT_LINE_QUANTITY_MAX),
        int(outlet.get("kiosk_order_quantity_max") or DEFAULT_ORDER_QUANTITY_MAX),
    )
