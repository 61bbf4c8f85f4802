"""Cash drawer use cases: open with a float, movements, blind close, X and Z reports.

A drawer session is the ``drawer_session`` entity in the op log, one open at a time per
device: ``drawer_opened`` and ``status open`` start it, ``cash_movement`` events record
pay-ins, pay-outs, drops and no-sales, and ``drawer_counted`` plus ``status closed`` end
it. Cash sales and refunds are not copied into the session: they are read from this
device's ticket events stamped between the session's opening and its count. Z reports
are ``z_report_issued`` events on a ``z_report`` entity, numbered per device from 1
without gaps; every command runs in the caller's write transaction (``BEGIN IMMEDIATE``),
so two Z reports can never draw the same number. No table beyond ``ops`` and ``device``
is needed.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from edge_agent.domain.drawer import (
    DrawerMovement,
    XReport,
    ZReport,
    build_shift_report,
    build_z_report,
    count_denominations,
    variance,
)
from edge_agent.domain.errors import InvalidValue
from edge_agent.domain.rbac import Override, Permission, Role
from edge_agent.services import printing, staff
from edge_agent.services.errors import (
    DrawerAlreadyOpen,
    DrawerNotOpen,
    UnsyncedOps,
    ZAlreadyIssued,
    ZBeforeClose,
)
from edge_agent.services.tickets import Context, load
from edge_agent.store import oplog
from edge_agent.store.device import identity
from sync_protocol import EntityState, apply_op, uuid7
from sync_protocol.operations import Event, StatusChange

ENTITY = "drawer_session"
Z_ENTITY = "z_report"
MOVEMENT_KINDS = frozenset({"pay_in", "pay_out", "drop", "no_sale"})


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


@dataclass(frozen=True, slots=True)
class ShiftSummary:
    """An X report of the open session."""

    session: Session
    report: XReport


@dataclass(frozen=True, slots=True)
class ZSummary:
    """A numbered Z report of a closed session, with its blind count."""

    session: Session
    report: ZReport
    counts: dict[int, int] = field(default_factory=dict)


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
    row = conn.execute(
        "SELECT entity_id FROM ops WHERE entity = ? AND device_id = ? AND kind = 'status'"
        " ORDER BY hlc DESC LIMIT 1",
        (ENTITY, str(identity(conn).device_id)),
    ).fetchone()
    return None if row is None else load_session(conn, row[0])


def current_session(conn: sqlite3.Connection) -> Session:
    """The open drawer session of this device.

    Raises:
        DrawerNotOpen: no session is open.
    """
    session = latest_session(conn)
    if session is None or session.status != "open":
        raise DrawerNotOpen("open the drawer with a float first")
    return session


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

    A no-sale opens the drawer for no cash: it needs ``no_sale`` or a manager override.

    Raises:
        DrawerNotOpen, InvalidValue (unknown kind), InvalidAmount, ReasonRequired,
        PermissionDenied, WrongPin.
    """
    session = current_session(ctx.conn)
    if kind not in MOVEMENT_KINDS:
        raise InvalidValue(f"unknown drawer movement {kind!r}; use one of {sorted(MOVEMENT_KINDS)}")
    move = DrawerMovement(kind, amount, reason)  # type: ignore[arg-type]
    overrides: tuple[Override, ...] = ()
    if kind == "no_sale":
        override = staff.authorize(ctx.conn, ctx.who, Permission.NO_SALE, manager_pin)
        overrides = () if override is None else (override,)
    data = {
        "movement_id": str(uuid7(ctx.clock())),
        "kind": move.kind,
        "amount": move.amount,
        "reason": move.reason,
        "by": ctx.who.staff_id,
        **_audit(overrides),
    }
    oplog.append(ctx.conn, [_event(ENTITY, session.id, "cash_movement", data)], ctx.clock)
    if kind == "no_sale":
        printing.kick_drawer(ctx.conn, ctx.clock, data["movement_id"])  # same transaction
    return current_session(ctx.conn)


@dataclass(slots=True)
class _TicketFigures:
    cash_in: int = 0
    cash_out: int = 0
    sales: Counter[str] = field(default_factory=Counter)
    refunds: Counter[str] = field(default_factory=Counter)
    tickets: int = 0
    voids: int = 0
    discounted: set[str] = field(default_factory=set)


def _ticket_figures(
    conn: sqlite3.Connection, start_hlc: int, end_hlc: int | None
) -> _TicketFigures:
    figures = _TicketFigures()
    pending: dict[str, str] = {}  # payment id -> ticket id, for tenders taken pending
    rows = conn.execute(
        "SELECT body FROM ops WHERE entity = 'ticket' AND device_id = ? AND hlc >= ?"
        " AND hlc <= ? ORDER BY hlc",
        (str(identity(conn).device_id), start_hlc, end_hlc if end_hlc is not None else 2**63 - 1),
    )
    for (body,) in rows:
        op = oplog.decode(body)
        if isinstance(op, StatusChange) and op.status == "open":
            figures.tickets += 1
        if not isinstance(op, Event):
            continue
        data = op.data
        match op.name:
            case "payment_taken":
                figures.sales[data["method"]] += data["amount"]
                if data.get("status") == "pending":
                    pending[data["payment_id"]] = op.entity_id
                if data["method"] == "cash":
                    # The drawer keeps what was handed over less the change: the amount
                    # applied plus any cash tip and cash rounding.
                    figures.cash_in += data.get("tendered", data["amount"]) - data.get("change", 0)
            case "refund_issued":
                figures.refunds[data["method"]] += data["amount"]
                if data["method"] == "cash":
                    figures.cash_out += data["amount"]
            case "ticket_voided" | "line_voided":
                figures.voids += 1
            case "discount_applied":
                figures.discounted.add(op.entity_id)
    # A tender declined since (here or on the hub) took nothing.
    for ticket_id in sorted(set(pending.values())):
        for payment in load(conn, ticket_id).payments:
            if payment.id in pending and payment.status == "declined":
                figures.sales[payment.method] -= payment.amount
    return figures


def _shift(conn: sqlite3.Connection, session: Session) -> XReport:
    figures = _ticket_figures(conn, session.opened_hlc, session.closed_hlc)
    moves = list(session.movements)
    if figures.cash_in:
        moves.append(DrawerMovement("cash_sale", figures.cash_in))
    if figures.cash_out:
        moves.append(DrawerMovement("cash_refund", figures.cash_out))
    discounts = 0
    for ticket_id in sorted(figures.discounted):
        totals = load(conn, ticket_id).totals()
        discounts += totals.line_discounts + totals.ticket_discount
    return build_shift_report(
        moves, figures.sales, figures.refunds, figures.tickets, figures.voids, discounts
    )


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
    expected = _shift(ctx.conn, session).expected_cash
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


def x_report(
    conn: sqlite3.Connection,
    who: staff.Operator | None = None,
    manager_pin: str | None = None,
) -> ShiftSummary:
    """The open session's figures so far; changes nothing.

    Args:
        who: the operator asking; when given, they need ``reports`` or a manager PIN
            (the X report shows the expected cash a blind count must not know).
            The command line, run by whoever holds the device, passes None.

    Raises:
        DrawerNotOpen: no session is open.
        PermissionDenied, WrongPin: ``who`` may not see reports.
    """
    if who is not None:
        staff.authorize(conn, who, Permission.REPORTS, manager_pin)
    session = current_session(conn)
    return ShiftSummary(session, _shift(conn, session))


def _issued(conn: sqlite3.Connection) -> list[Mapping[str, Any]]:
    rows = conn.execute(
        "SELECT body FROM ops WHERE entity = ? AND device_id = ? AND kind = 'event'",
        (Z_ENTITY, str(identity(conn).device_id)),
    )
    return [op.data for (body,) in rows if isinstance(op := oplog.decode(body), Event)]


def z_report(ctx: Context, manager_pin: str | None = None) -> ZSummary:
    """Issue the numbered Z report of the last closed session.

    Numbers run 1, 2, 3... per device with no gap, and each is used once. Needs the
    ``reports`` permission or a manager override, recorded in the op.

    Raises:
        PermissionDenied, WrongPin: the operator may not issue reports.
        ZBeforeClose: the drawer is open, or no session was ever closed.
        ZAlreadyIssued: the last closed session already has its Z report.
    """
    override = staff.authorize(ctx.conn, ctx.who, Permission.REPORTS, manager_pin)
    session = latest_session(ctx.conn)
    if session is None or session.count is None:
        raise ZBeforeClose("close the drawer before the Z report")
    issued = _issued(ctx.conn)
    for earlier in issued:
        if earlier["session_id"] == session.id:
            raise ZAlreadyIssued(earlier["number"])
    number = max((z["number"] for z in issued), default=0) + 1
    report = build_z_report(number, _shift(ctx.conn, session), session.count["counted"])
    shift = report.shift
    data = {
        "number": number,
        "session_id": session.id,
        "by": ctx.who.staff_id,
        "counted": report.counted_cash,
        "expected": shift.expected_cash,
        "variance": report.variance,
        "net_sales": shift.net_sales,
        "sales_by_method": shift.sales_by_method,
        "refunds_by_method": shift.refunds_by_method,
        **_audit(() if override is None else (override,)),
    }
    z_id = str(uuid7(ctx.clock()))
    oplog.append(ctx.conn, [_event(Z_ENTITY, z_id, "z_report_issued", data)], ctx.clock)
    counts = {int(d): n for d, n in session.count["counts"].items()}
    return ZSummary(session, report, counts)
