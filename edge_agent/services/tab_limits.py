"""A bar tab's limit, checked when a line is added (ADR 0030).

The limit is a header field of the tab (``tab_limit``), set when it opens from the one it
names or the outlet's ``tab_limit`` setting. A line that takes the tab above it needs the
``tab_over_limit`` permission or a manager's PIN; without either it is refused with
``tab_limit_exceeded`` (409), and with one it is kept beside a ``tab_limit_overridden``
event that audits who allowed it.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from edge_agent.domain.errors import TabLimitExceeded
from edge_agent.domain.rbac import Permission
from edge_agent.domain.tabs import over_limit
from edge_agent.services import staff
from edge_agent.services.ticket_view import TicketView
from edge_agent.store import oplog


def limit_of(view: TicketView) -> int | None:
    """The tab's limit, or None for a ticket that is no tab or a tab without one."""
    limit = view.header.get("tab_limit")
    if view.header.get("kind") != "tab" or not isinstance(limit, int):
        return None
    return limit


def check(
    conn: sqlite3.Connection, who: staff.Operator, view: TicketView, manager_pin: str | None
) -> list[oplog.Draft]:
    """The audit event a tab above its limit needs, after a line was added to ``view``.

    Returns:
        No draft within the limit or for a ticket that is no tab; else the
        ``tab_limit_overridden`` event naming who allowed it.

    Raises:
        TabLimitExceeded: above the limit, and neither the operator's role nor a manager
            PIN allows it.
        WrongPin, PermissionDenied: the manager PIN given matches nobody, or nobody who may.
    """
    limit = limit_of(view)
    total = view.totals().total
    if limit is None or not over_limit(total, limit):
        return []
    if manager_pin is None and Permission.TAB_OVER_LIMIT not in who.role.permissions:
        raise TabLimitExceeded(limit, total)
    override = staff.authorize(conn, who, Permission.TAB_OVER_LIMIT, manager_pin)
    data: dict[str, Any] = {"limit": limit, "total": total, "by": who.staff_id}
    if override is not None:
        data["override"] = {
            "permission": override.permission.value,
            "manager_id": override.manager_id,
        }
    return [oplog.Draft("event", "ticket", view.id, {"name": "tab_limit_overridden", "data": data})]
