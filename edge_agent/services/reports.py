"""X and Z reports of a drawer session: figures, issue, read again, print (COPY).

Cash sales and refunds are not copied into the session: they are read from this
device's ticket events stamped between the session's opening and its count, and every
cash tender and refund also names its session. Tips, taxes per rate and discounts are
those of the tickets settled (paid or closed) in the session and not voided since; a
tender still waiting for the hub's confirmation is listed as pending.

Z reports are ``z_report_issued`` events on a ``z_report`` entity, numbered per device
from 1 without gaps; the event keeps the whole report, so an issued Z reads and prints
again exactly as issued (a reprint is marked COPY). Issuing runs in the caller's write
transaction (``BEGIN IMMEDIATE``), so two Z reports never draw the same number. A Z
lists the device's tickets still open; the outlet's ``z_open_tickets`` setting says
whether it only warns or refuses.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from edge_agent.domain.drawer import (
    DrawerMovement,
    ShiftExtras,
    XReport,
    ZReport,
    build_shift_report,
    build_z_report,
)
from edge_agent.domain.rbac import Permission
from edge_agent.services import outlet_settings, staff
from edge_agent.services.drawer_sessions import Session, current_session, latest_session
from edge_agent.services.drawer_sessions import load_session as load_session
from edge_agent.services.errors import ZAlreadyIssued, ZBeforeClose, ZNotFound, ZOpenTickets
from edge_agent.services.ticket_view import TicketView
from edge_agent.services.tickets import Context, load
from edge_agent.store import oplog
from edge_agent.store.device import identity
from sync_protocol import uuid7
from sync_protocol.lifecycle import TICKET
from sync_protocol.operations import Event, StatusChange

Z_ENTITY = "z_report"
SETTLED = frozenset({"paid", "closed"})


@dataclass(frozen=True, slots=True)
class ShiftSummary:
    """An X report of the open session, and the tickets still open."""

    session: Session
    report: XReport
    open_tickets: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ZSummary:
    """A numbered Z report of a closed session, with its blind count."""

    session: Session
    report: ZReport
    counts: dict[int, int] = field(default_factory=dict)
    open_tickets: list[dict[str, Any]] = field(default_factory=list)
    issued_ms: int | None = None


@dataclass(slots=True)
class _Figures:
    cash_in: int = 0
    cash_out: int = 0
    sales: Counter[str] = field(default_factory=Counter)
    refunds: Counter[str] = field(default_factory=Counter)
    refunds_count: int = 0
    tips: Counter[str] = field(default_factory=Counter)
    tickets: int = 0
    voids: int = 0
    voided_lines: list[tuple[str, str]] = field(default_factory=list)
    voided_tickets: list[str] = field(default_factory=list)
    settled: set[str] = field(default_factory=set)
    payments: list[tuple[str, str]] = field(default_factory=list)


def _ticket_ops(conn: sqlite3.Connection, start_hlc: int, end_hlc: int | None) -> _Figures:
    figures = _Figures()
    rows = conn.execute(
        "SELECT body FROM ops WHERE entity = 'ticket' AND device_id = ? AND hlc >= ?"
        " AND hlc <= ? ORDER BY hlc",
        (str(identity(conn).device_id), start_hlc, end_hlc if end_hlc is not None else 2**63 - 1),
    )
    for (body,) in rows:
        op = oplog.decode(body)
        if isinstance(op, StatusChange):
            figures.tickets += op.status == "open"
            if op.status in SETTLED:
                figures.settled.add(op.entity_id)
        if not isinstance(op, Event):
            continue
        data = op.data
        match op.name:
            case "payment_taken":
                figures.sales[data["method"]] += data["amount"]
                figures.tips[data["method"]] += data.get("tip", 0)
                figures.payments.append((op.entity_id, data["payment_id"]))
                if data["method"] == "cash":
                    # The drawer keeps what was handed over less the change: the amount
                    # applied plus any cash tip and cash rounding.
                    figures.cash_in += data.get("tendered", data["amount"]) - data.get("change", 0)
            case "refund_issued":
                figures.refunds[data["method"]] += data["amount"]
                figures.refunds_count += 1
                if data["method"] == "cash":
                    figures.cash_out += data["amount"]
            case "line_voided":
                figures.voids += 1
                figures.voided_lines.append((op.entity_id, data["line_id"]))
            case "ticket_voided":
                figures.voids += 1
                figures.voided_tickets.append(op.entity_id)
    return figures


def _extras(conn: sqlite3.Connection, figures: _Figures) -> tuple[int, ShiftExtras]:
    views: dict[str, TicketView] = {}

    def view(ticket_id: str) -> TicketView:
        if ticket_id not in views:
            views[ticket_id] = load(conn, ticket_id)
        return views[ticket_id]

    discounts, taxes, settled = 0, Counter[str](), 0
    for ticket_id in sorted(figures.settled):
        if view(ticket_id).status == "voided":
            continue
        totals = view(ticket_id).totals()
        settled += 1
        discounts += totals.promotion_discount + totals.line_discounts + totals.ticket_discount
        taxes.update(totals.tax_by_code)
    voided = sum(view(t).lines[line].subtotal for t, line in figures.voided_lines)
    for ticket_id in figures.voided_tickets:
        voided += sum(x.subtotal for x in view(ticket_id).lines.values() if not x.voided)
    pending: Counter[str] = Counter()
    for ticket_id, payment_id in figures.payments:
        for payment in view(ticket_id).payments:
            if payment.id == payment_id and payment.status == "pending":
                pending[payment.method] += payment.amount
            elif payment.id == payment_id and payment.status == "declined":
                # Declined since it was taken (here or on the hub): it took nothing.
                figures.sales[payment.method] -= payment.amount
    extras = ShiftExtras(
        tips_by_method={m: t for m, t in figures.tips.items() if t},
        tax_by_rate=dict(taxes),
        refunds_count=figures.refunds_count,
        voids_total=voided,
        pending_by_method=dict(pending),
        settled_tickets=settled,
    )
    return discounts, extras


def shift(conn: sqlite3.Connection, session: Session) -> XReport:
    """The session's figures: drawer movements, cash and tender totals, and the rest."""
    figures = _ticket_ops(conn, session.opened_hlc, session.closed_hlc)
    moves = list(session.movements)
    if figures.cash_in:
        moves.append(DrawerMovement("cash_sale", figures.cash_in))
    if figures.cash_out:
        moves.append(DrawerMovement("cash_refund", figures.cash_out))
    discounts, extras = _extras(conn, figures)
    return build_shift_report(
        moves, figures.sales, figures.refunds, figures.tickets, figures.voids, discounts, extras
    )


def open_tickets(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """This device's tickets not closed or voided yet, oldest first."""
    # By the status index, then each open ticket's own ops (``+device_id`` keeps SQLite on
    # the ticket's index rather than all the device's ticket ops): settled tickets are never read.
    unsettled = [status for status in TICKET.statuses if status not in TICKET.terminal]
    rows = conn.execute(
        "SELECT id, receipt_no, status, total, balance FROM tickets"
        f" WHERE status IN ({', '.join('?' for _ in unsettled)}) AND EXISTS (SELECT 1 FROM ops"
        " WHERE entity = 'ticket' AND entity_id = tickets.id AND +device_id = ?"
        " AND kind = 'status') ORDER BY opened_ms",
        (*unsettled, str(identity(conn).device_id)),
    )
    return [
        {"id": i, "receipt_no": r, "status": s, "total": t, "balance": b, "balance_due": b}
        for i, r, s, t, b in rows
    ]


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
    return ShiftSummary(session, shift(conn, session), open_tickets(conn))


def _issued(conn: sqlite3.Connection) -> list[Mapping[str, Any]]:
    rows = conn.execute(
        "SELECT body FROM ops WHERE entity = ? AND device_id = ? AND kind = 'event'",
        (Z_ENTITY, str(identity(conn).device_id)),
    )
    return [op.data for (body,) in rows if isinstance(op := oplog.decode(body), Event)]


def _summary(conn: sqlite3.Connection, data: Mapping[str, Any], issued_ms: int | None) -> ZSummary:
    session = load_session(conn, data["session_id"])
    assert session is not None
    assert session.count is not None
    stored = data.get("report")
    # Z reports issued before the whole report was kept are computed again.
    shift_report = (
        XReport(**{k: v for k, v in stored.items() if k in XReport.__dataclass_fields__})
        if stored
        else shift(conn, session)
    )
    report = build_z_report(data["number"], shift_report, data["counted"])
    counts = {int(d): n for d, n in session.count["counts"].items()}
    return ZSummary(session, report, counts, list(data.get("open_tickets", ())), issued_ms)


def z_report(ctx: Context, manager_pin: str | None = None) -> ZSummary:
    """Issue the numbered Z report of the last closed session.

    Numbers run 1, 2, 3... per device with no gap, and each is used once. Needs the
    ``reports`` permission or a manager override, recorded in the op. Tickets still
    open are listed in it, or refuse it when the outlet says so.

    Raises:
        PermissionDenied, WrongPin: the operator may not issue reports.
        ZBeforeClose: the drawer is open, or no session was ever closed.
        ZAlreadyIssued: the last closed session already has its Z report.
        ZOpenTickets: tickets are open and the outlet refuses a Z until they are settled.
    """
    override = staff.authorize(ctx.conn, ctx.who, Permission.REPORTS, manager_pin)
    session = latest_session(ctx.conn)
    if session is None or session.count is None:
        raise ZBeforeClose("close the drawer before the Z report")
    issued = _issued(ctx.conn)
    for earlier in issued:
        if earlier["session_id"] == session.id:
            raise ZAlreadyIssued(earlier["number"])
    still_open = open_tickets(ctx.conn)
    if still_open and outlet_settings.z_open_tickets(ctx.conn) == "refuse":
        numbers = ", ".join(t["receipt_no"] for t in still_open)
        raise ZOpenTickets(
            f"{len(still_open)} ticket(s) still open ({numbers}): settle or void them first",
            still_open,
        )
    number = max((z["number"] for z in issued), default=0) + 1
    now_ms = ctx.clock()
    report = build_z_report(number, shift(ctx.conn, session), session.count["counted"])
    data = {
        "number": number,
        "session_id": session.id,
        "by": ctx.who.staff_id,
        "counted": report.counted_cash,
        "expected": report.shift.expected_cash,
        "variance": report.variance,
        "net_sales": report.shift.net_sales,
        "sales_by_method": report.shift.sales_by_method,
        "refunds_by_method": report.shift.refunds_by_method,
        "overrides": []
        if override is None
        else [{"permission": override.permission.value, "manager_id": override.manager_id}],
        "report": asdict(report.shift),
        "open_tickets": still_open,
        "issued_ms": now_ms,
    }
    z_id = str(uuid7(ctx.clock()))
    draft = oplog.Draft("event", Z_ENTITY, z_id, {"name": "z_report_issued", "data": data})
    oplog.append(ctx.conn, [draft], ctx.clock)
    return _summary(ctx.conn, data, now_ms)


def issued_z(
    conn: sqlite3.Connection, number: int, who: staff.Operator | None, manager_pin: str | None
) -> ZSummary:
    """An issued Z report, as it was issued; changes nothing.

    Raises:
        PermissionDenied, WrongPin: ``who`` may not see reports.
        ZNotFound: no Z report with this number on this device.
    """
    if who is not None:
        staff.authorize(conn, who, Permission.REPORTS, manager_pin)
    for data in _issued(conn):
        if data["number"] == number:
            return _summary(conn, data, data.get("issued_ms"))
    raise ZNotFound(str(number))
