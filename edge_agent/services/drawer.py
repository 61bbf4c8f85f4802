"""Cash drawer use cases: open with a float, movements, blind close.

Sessions are read by :mod:`edge_agent.services.drawer_sessions`; the X and Z reports
live in :mod:`edge_agent.services.reports`. Every command runs in the caller's write
transaction (``BEGIN IMMEDIATE``). Every movement opens the drawer (a kick queued in
the same transaction): cash goes in or out, or a no-sale asks for it. A pay-out needs
the ``pay_out`` permission, and above the outlet's ``pay_out_limit`` a manager's
``pay_out_above_limit`` (inline override, recorded in the op).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from edge_agent.domain.drawer import DrawerMovement, count_denominations, variance
from edge_agent.domain.errors import InvalidValue, PermissionDenied
from edge_agent.domain.money import format_money
from edge_agent.domain.rbac import Override, Permission, Role
from edge_agent.services import outlet_settings, printing, reports, staff
from edge_agent.services.drawer_sessions import (
    CASH_NEEDS_DRAWER,
    ENTITY,
    Session,
    current_session,
    latest_session,
    load_session,
)
from edge_agent.services.errors import DrawerAlreadyOpen, PayOutOverLimit, UnsyncedOps
from edge_agent.services.tickets import Context
from edge_agent.store import oplog
from edge_agent.store.device import identity
from sync_protocol import uuid7

MOVEMENT_KINDS = frozenset({"pay_in", "pay_out", "drop", "no_sale"})


@dataclass(frozen=True, slots=True)
class CloseResult:
    """What the cashier sees once the blind count is recorded."""

    session: Session
    counts: dict[int, int]
    counted: int
    expected: int
    variance: int
    overrides: tuple[Override, ...] = ()
    unsynced_ops: int = 0


def _audit(overrides: tuple[Override, ...]) -> dict[str, Any]:
    return {
        "overrides": [
            {"permission": o.permission.value, "manager_id": o.manager_id} for o in overrides
        ]
    }


def _event(entity: str, entity_id: str, name: str, data: dict[str, Any]) -> oplog.Draft:
    return oplog.Draft("event", entity, entity_id, {"name": name, "data": data})


def _status(session_id: str, status: str) -> oplog.Draft:
    return oplog.Draft("status", ENTITY, session_id, {"status": status})


def open_drawer(ctx: Context, float_amount: int) -> Session:
    """Open this device's drawer session with a float counted into it.

    Raises:
        PermissionDenied: the operator lacks ``drawer_open``.
        DrawerAlreadyOpen: a session is open on this device.
        InvalidAmount: the float is negative.
    """
    staff.authorize(ctx.conn, ctx.who, Permission.DRAWER_OPEN, None)
    latest = latest_session(ctx.conn)
    if latest is not None and latest.status == "open":
        raise DrawerAlreadyOpen(latest.id)
    DrawerMovement("float", float_amount)
    session_id = str(uuid7(ctx.clock()))
    data = {
        "float": float_amount,
        "by": ctx.who.staff_id,
        "opened_ms": ctx.clock(),
        "currency": identity(ctx.conn).currency,
    }
    drafts = [_event(ENTITY, session_id, "drawer_opened", data), _status(session_id, "open")]
    oplog.append(ctx.conn, drafts, ctx.clock)
    return current_session(ctx.conn)


def movement(
    ctx: Context, kind: str, amount: int, reason: str, manager_pin: str | None = None
) -> Session:
    """Record a pay-in, pay-out, drop or no-sale in the open session.

    Each opens the drawer. A no-sale opens it for no cash: it needs ``no_sale`` or a
    manager override. A pay-out needs ``pay_out``, and above the outlet's limit
    ``pay_out_above_limit`` (a manager's PIN for a cashier).

    Raises:
        DrawerNotOpen, InvalidValue (unknown kind), InvalidAmount, ReasonRequired,
        PermissionDenied, PayOutOverLimit, WrongPin.
    """
    session = current_session(ctx.conn, CASH_NEEDS_DRAWER)
    if kind not in MOVEMENT_KINDS:
        raise InvalidValue(f"unknown drawer movement {kind!r}; use one of {sorted(MOVEMENT_KINDS)}")
    move = DrawerMovement(kind, amount, reason)  # type: ignore[arg-type]
    overrides: tuple[Override, ...] = ()
    if kind == "no_sale":
        override = staff.authorize(ctx.conn, ctx.who, Permission.NO_SALE, manager_pin)
        overrides = () if override is None else (override,)
    elif kind == "pay_out":
        overrides = _pay_out_overrides(ctx, session, amount, manager_pin)
    data = {
        "movement_id": str(uuid7(ctx.clock())),
        "kind": move.kind,
        "amount": move.amount,
        "reason": move.reason,
        "by": ctx.who.staff_id,
        **_audit(overrides),
    }
    oplog.append(ctx.conn, [_event(ENTITY, session.id, "cash_movement", data)], ctx.clock)
    printing.kick_drawer(ctx.conn, ctx.clock, data["movement_id"])  # same transaction
    return current_session(ctx.conn)


def _pay_out_overrides(
    ctx: Context, session: Session, amount: int, manager_pin: str | None
) -> tuple[Override, ...]:
    found = [staff.authorize(ctx.conn, ctx.who, Permission.PAY_OUT, manager_pin)]
    limit = outlet_settings.pay_out_limit(ctx.conn)
    if limit is not None and amount > limit:
        try:
            found.append(
                staff.authorize(ctx.conn, ctx.who, Permission.PAY_OUT_ABOVE_LIMIT, manager_pin)
            )
        except PermissionDenied as denied:
            cur = session.currency
            raise PayOutOverLimit(
                f"a pay-out of {format_money(amount, cur)} is above this outlet's limit of"
                f" {format_money(limit, cur)}: a manager approves it with their PIN",
                denied.role,
                limit,
            ) from None
    return tuple(o for o in found if o is not None)


def _unsynced(conn: sqlite3.Connection) -> int:
    last, acked = conn.execute("SELECT last_seq, acked_seq FROM device").fetchone()
    return max(0, int(last) - int(acked))


def _force_override(ctx: Context, manager_pin: str | None) -> Override:
    # Forcing always takes a manager's PIN, even from a manager: the operator's own
    # rights are set aside so the override is explicit and lands in the audit trail.
    nobody = replace(ctx.who, role=Role(ctx.who.role.name, frozenset()))
    override = staff.authorize(ctx.conn, nobody, Permission.MANAGE_DRAWER, manager_pin)
    assert override is not None  # an empty role never authorizes on its own
    return override


def close_drawer(
    ctx: Context,
    counted: Mapping[int, int],
    manager_pin: str | None = None,
    *,
    force_unsynced: bool = False,
) -> CloseResult:
    """Close the open session with a blind count; the variance is shown only now.

    Args:
        counted: ``{denomination in minor units: how many}`` found in the drawer.
        manager_pin: for a cashier without ``drawer_close``, and to force a close.
        force_unsynced: close although ops are unsynced; takes a manager PIN whose role
            has ``manage_drawer``, recorded in the ``drawer_counted`` op.

    Raises:
        DrawerNotOpen, PermissionDenied, WrongPin, InvalidValue (bad count),
        UnsyncedOps (unsynced ops and no forced close).
    """
    session = current_session(ctx.conn)
    override = staff.authorize(ctx.conn, ctx.who, Permission.DRAWER_CLOSE, manager_pin)
    overrides: tuple[Override, ...] = () if override is None else (override,)
    counts = dict(sorted(counted.items()))
    total = count_denominations(counts)
    pending = _unsynced(ctx.conn)
    if pending and not force_unsynced:
        raise UnsyncedOps(pending)
    if pending:
        overrides = (*overrides, _force_override(ctx, manager_pin))
    expected = reports.shift(ctx.conn, session).expected_cash
    data = {
        "counts": {str(d): n for d, n in counts.items()},
        "counted": total,
        "expected": expected,
        "variance": variance(total, expected),
        "by": ctx.who.staff_id,
        "forced_unsynced": bool(pending),
        "unsynced_ops": pending,
        **_audit(overrides),
    }
    drafts = [_event(ENTITY, session.id, "drawer_counted", data), _status(session.id, "closed")]
    oplog.append(ctx.conn, drafts, ctx.clock)
    closed = load_session(ctx.conn, session.id)
    assert closed is not None
    return CloseResult(closed, counts, total, expected, data["variance"], overrides, pending)
