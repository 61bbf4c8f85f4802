"""Drawer sessions as their ops describe them, and the rule that cash needs one open.

A drawer session is the ``drawer_session`` entity in the op log, one open at a time per
device: ``drawer_opened`` and ``status open`` start it, ``cash_movement`` events record
pay-ins, pay-outs, drops and no-sales, and ``drawer_counted`` plus ``status closed`` end
it. Cash taken or given back on a ticket must land in this device's open session, so
every cash tender and cash refund names it (``drawer_session`` in its event): without an
open session it is refused with :class:`DrawerNotOpen`. This module sits below both the
ticket and the drawer use cases, so each can ask it without importing the other.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from edge_agent.domain.drawer import DrawerMovement
from edge_agent.services.errors import DrawerNotOpen
from edge_agent.store import oplog
from edge_agent.store.device import identity
from sync_protocol import EntityState, apply_op

ENTITY = "drawer_session"
CASH_NEEDS_DRAWER = (
    "no drawer session is open on this till: open the drawer with a float"
    " (POST /api/v1/drawer/open) before taking or giving back cash"
)


@dataclass(frozen=True, slots=True)
class Session:
    """One drawer session as its ops describe it (no expected cash: the close is blind)."""

    id: str
    status: str
    opened_hlc: int
    opened_ms: int
    opened_by: str
    currency: str
    opening_float: int
    movements: tuple[DrawerMovement, ...] = ()
    count: Mapping[str, Any] | None = None
    closed_hlc: int | None = None


def _fold(state: EntityState) -> Session:
    events = sorted(state.events.values(), key=lambda e: e.order_key)
    opened = next(e for e in events if e.name == "drawer_opened")
    data = opened.data
    session = Session(
        id=state.entity_id,
        status=state.status or "open",
        opened_hlc=opened.hlc,
        opened_ms=data["opened_ms"],
        opened_by=data["by"],
        currency=data["currency"],
        opening_float=data["float"],
        movements=(DrawerMovement("float", data["float"]),),
    )
    for event in events:
        if event.name == "cash_movement":
            move = DrawerMovement(event.data["kind"], event.data["amount"], event.data["reason"])
            session = replace(session, movements=(*session.movements, move))
        elif event.name == "drawer_counted":
            session = replace(session, count=event.data, closed_hlc=event.hlc)
    return session


def load_session(conn: sqlite3.Connection, session_id: str) -> Session | None:
    """The drawer session with this id, or None when no op names it."""
    ops = oplog.entity_ops(conn, ENTITY, session_id)
    if not ops:
        return None
    state = EntityState(ENTITY, session_id)
    for op in ops:
        apply_op(state, op)
    return _fold(state)


def latest_session(conn: sqlite3.Connection) -> Session | None:
    """This device's most recent drawer session, open or closed (None: never opened)."""
    # Sessions of one device follow each other, so the newest status op names the newest.
    # The entity is spelled out so that SQLite reads the partial index of these ops
    # (migration 13) instead of every op of every session.
    row = conn.execute(
        f"SELECT entity_id FROM ops WHERE entity = '{ENTITY}' AND device_id = ?"
        " AND kind = 'status' ORDER BY hlc DESC LIMIT 1",
        (str(identity(conn).device_id),),
    ).fetchone()
    return None if row is None else load_session(conn, row[0])


def current_session(conn: sqlite3.Connection, message: str | None = None) -> Session:
    """The open drawer session of this device.

    Raises:
        DrawerNotOpen: no session is open (with ``message``, if given).
    """
    session = latest_session(conn)
    if session is None or session.status != "open":
        raise DrawerNotOpen(message or "open the drawer with a float first")
    return session


def cash_session(conn: sqlite3.Connection, method: str) -> dict[str, str]:
    """What a tender or refund of ``method`` records about the drawer: the open
    session's id for cash, nothing for other methods.

    Raises:
        DrawerNotOpen: cash, and no drawer session is open on this device.
    """
    if method != "cash":
        return {}
    return {"drawer_session": current_session(conn, CASH_NEEDS_DRAWER).id}
