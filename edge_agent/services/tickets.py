"""Ticket use cases: open, add, change and void lines, discount, send, hold and recall,
pay, close, void, refund. Moving lines between tickets (split, merge, transfer) lives in
:mod:`edge_agent.services.ticket_moves`.

Each command runs inside the caller's write transaction: it folds the ticket from its
ops, lets the domain decide, and appends the resulting ops through the outbox, so the
change and its ops commit together or not at all.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from edge_agent.domain.discounts import Discount, effective_bp
from edge_agent.domain.errors import InvalidAmount, InvalidValue, LineNotFound, ReasonRequired
from edge_agent.domain.numbering import daily_order_number, receipt_number
from edge_agent.domain.pricing import choose_modifiers, unit_price
from edge_agent.domain.rbac import Override, Permission
from edge_agent.domain.tabs import tab_name
from edge_agent.domain.tendering import tender
from edge_agent.domain.ticket import (
    Refund,
    TicketLine,
    ensure_can_close,
    ensure_open,
    ensure_refundable,
)
from edge_agent.services import (
    outlet_settings,
    printing,
    references,
    refund_lines,
    staff,
    tab_limits,
    tab_preauths,
)
from edge_agent.services.catalog import load_catalog, load_promotions, offline_card_policy
from edge_agent.services.drawer_sessions import cash_session
from edge_agent.services.errors import TicketHasPayments, TicketNotFound
from edge_agent.services.ticket_rows import refresh_money
from edge_agent.services.ticket_view import TicketView, fold, line_data
from edge_agent.store import oplog
from edge_agent.store.device import identity
from sync_protocol import EntityState, apply_op, uuid7
from sync_protocol.ticket_promotions import TicketPromotions

TICKET_KINDS = frozenset({"counter", "takeaway", "table", "tab", "kiosk", "online"})
LINE_CHANGES = frozenset({"quantity", "notes", "seat", "course"})
Clock = Callable[[], int]


@dataclass(frozen=True, slots=True)
class Context:
    """Who acts, when, and whether the hub is reachable."""

    conn: sqlite3.Connection
    who: staff.Operator
    clock: Clock
    online: bool = False


def load(conn: sqlite3.Connection, ticket_id: str) -> TicketView:
    """The ticket as its ops describe it.

    Raises:
        TicketNotFound: no op names this ticket.
    """
    ops = oplog.entity_ops(conn, "ticket", ticket_id)
    if not ops:
        raise TicketNotFound(ticket_id)
    state = EntityState("ticket", ticket_id)
    for op in ops:
        apply_op(state, op)
    return fold(state)


def record(ctx: Context, state: EntityState, drafts: list[oplog.Draft]) -> TicketView:
    """Log the drafts, apply them to the ticket's state and refresh the read model."""
    for op in oplog.append(ctx.conn, drafts, ctx.clock):
        apply_op(state, op)
    view = fold(state)
    totals = view.totals()
    ctx.conn.execute(
        "UPDATE tickets SET status = ?, total = ?, paid = ?, balance = ?, held = ?, table_no = ?,"
        " updated_ms = ?, merged_into = ?, kind = coalesce(?, kind) WHERE id = ?",
        (
            view.status,
            totals.total,
            totals.paid,
            totals.balance_due,
            int(view.held),
            view.header.get("table"),
            ctx.clock(),
            view.merged_into,
            view.header.get("kind"),
            view.id,
        ),
    )
    refresh_money(ctx.conn, view, ctx.clock())
    return view


def field_edit(view: TicketView, changes: dict[str, Any]) -> oplog.Draft:
    """Set header fields, naming the version of each that this replica holds as ``base``."""
    base = {name: v for name in changes if (v := view.state.version(name)) is not None}
    return oplog.Draft("field", "ticket", view.id, {"changes": changes, "base": base})


def event(ticket_id: str, name: str, data: dict[str, Any]) -> oplog.Draft:
    return oplog.Draft("event", "ticket", ticket_id, {"name": name, "data": data})


def status_change(ticket_id: str, status: str) -> oplog.Draft:
    return oplog.Draft("status", "ticket", ticket_id, {"status": status})


def audit(override: Override | None) -> dict[str, Any]:
    if override is None:
        return {}
    return {
        "override": {"permission": override.permission.value, "manager_id": override.manager_id}
    }


def priced(ctx: Context, view: TicketView, drafts: list[oplog.Draft]) -> list[oplog.Draft]:
    """``drafts`` that change the ticket's lines, after a ``promotions_priced`` event when
    the promotions that run now would price the ticket otherwise than its pinned ones.

    A ticket is priced under the latest pinned promotions on every replica (ADR 0028);
    a tenant without promotions pins nothing.
    """
    promotions = load_promotions(ctx.conn)
    if not promotions and view.promotions is None:
        return drafts
    me = identity(ctx.conn)
    group = view.header.get("customer_group")
    now = TicketPromotions.at(
        promotions,
        outlet_code=me.outlet,
        timezone=me.timezone,
        moment_ms=ctx.clock(),
        customer_group=group if isinstance(group, str) else None,
    )
    if now.same_pricing(view.promotions):
        return drafts
    return [event(view.id, "promotions_priced", now.data()), *drafts]


def _local_now(ctx: Context, timezone: str) -> datetime:
    """The outlet's wall-clock time now, without a zone (price books are in local time)."""
    return datetime.fromtimestamp(ctx.clock() / 1000, ZoneInfo(timezone)).replace(tzinfo=None)


def new_id(ctx: Context) -> str:
    return str(uuid7(ctx.clock()))


def open_ticket(
    ctx: Context,
    kind: str,
    *,
    table: str | None = None,
    name: str | None = None,
    covers: int | None = None,
    tab_limit: int | None = None,
) -> TicketView:
    """Open a ticket with the device's next receipt number and today's order number.

    A tab needs a name; it takes ``tab_limit``, else the outlet's ``tab_limit`` setting.

    Raises:
        InvalidValue: an unknown ticket kind, covers below one, a tab without a name, or
            a limit on a ticket that is no tab.
        InvalidAmount: a tab limit below one.
    """
    if kind not in TICKET_KINDS:
        raise InvalidValue(f"unknown ticket kind {kind!r}; use one of {sorted(TICKET_KINDS)}")
    if covers is not None and covers < 1:
        raise InvalidValue("covers must be at least 1")
    tab: dict[str, Any] = {}
    if kind == "tab":
        name = tab_name(name)
        limit = outlet_settings.tab_limit(ctx.conn) if tab_limit is None else tab_limit
        if limit is not None and limit < 1:
            raise InvalidAmount("a tab limit is at least 1")
        tab["tab_limit"] = limit
    elif tab_limit is not None:
        raise InvalidValue("only a tab has a limit")
    me = identity(ctx.conn)
    now_ms = ctx.clock()
    today = _local_now(ctx, me.timezone).date().isoformat()
    seq, day, day_seq = ctx.conn.execute(
        "SELECT receipt_seq, order_day, order_seq FROM device"
    ).fetchone()
    day_seq = day_seq + 1 if day == today else 1
    ctx.conn.execute(
        "UPDATE device SET receipt_seq = ?, order_day = ?, order_seq = ?", (seq + 1, today, day_seq)
    )
    ticket_id = new_id(ctx)
    receipt = receipt_number(me.outlet, me.device_code, seq + 1)
    order_no = daily_order_number(day_seq)
    header = {
        "kind": kind,
        "receipt_no": receipt,
        "order_no": order_no,
        "currency": me.currency,
        "opened_by": ctx.who.staff_id,
        "opened_ms": now_ms,
        "table": table,
        "name": name,
        "covers": covers,
        **tab,
    }
    ctx.conn.execute(
        "INSERT INTO tickets (id, receipt_no, order_no, kind, status, currency, opened_ms,"
        " updated_ms) VALUES (?, ?, ?, ?, 'open', ?, ?, ?)",
        (ticket_id, receipt, order_no, kind, me.currency, now_ms, now_ms),
    )
    drafts = [
        oplog.Draft("field", "ticket", ticket_id, {"changes": header}),
        status_change(ticket_id, "open"),
    ]
    return record(ctx, EntityState("ticket", ticket_id), drafts)


def add_line(
    ctx: Context,
    ticket_id: str,
    variant_id: str,
    quantity: int,
    *,
    modifier_ids: tuple[str, ...] = (),
    notes: str = "",
    seat: int | None = None,
    course: int = 1,
    price: int | None = None,
    price_reason: str = "",
    manager_pin: str | None = None,
) -> TicketView:
    """Add a line priced by the active price book, with its modifiers and taxes.

    On a tab, a line that takes the total above the tab's limit needs the
    ``tab_over_limit`` permission or a manager override (audited as
    ``tab_limit_overridden``).

    ``price`` overrides the unit price: it needs a reason and the price-override
    permission or a manager override, and the line records the catalog price beside it.

    Raises:
        TicketNotFound, TicketClosed, VariantNotFound, ModifierSelectionInvalid,
        NegativeQuantity, InvalidAmount, ReasonRequired, PermissionDenied, WrongPin,
        TabLimitExceeded.
    """
    view = load(ctx.conn, ticket_id)
    ensure_open(view.status)
    catalog = load_catalog(ctx.conn)
    variant = catalog.variant(variant_id)
    product = catalog.product(variant.product_id)
    modifiers = choose_modifiers(product, catalog.modifier_groups_for(product), modifier_ids)
    me = identity(ctx.conn)
    catalog_price = unit_price(
        variant, catalog.price_books.values(), me.outlet, _local_now(ctx, me.timezone)
    )
    extra: dict[str, Any] = {}
    if price is not None and price != catalog_price:
        if not price_reason.strip():
            raise ReasonRequired("a price override needs a reason")
        override = staff.authorize(ctx.conn, ctx.who, Permission.PRICE_OVERRIDE, manager_pin)
        extra["price_override"] = {
            "catalog_price": catalog_price,
            "reason": price_reason,
            "by": ctx.who.staff_id,
            **audit(override),
        }
    line = TicketLine(
        id=new_id(ctx),
        product_id=product.id,
        variant_id=variant.id,
        name=f"{product.name} ({variant.name})" if len(product.variants) > 1 else product.name,
        quantity=quantity,
        unit_price=catalog_price if price is None else price,
        modifiers=modifiers,
        notes=notes,
        seat=seat,
        course=course,
        tax_rates=catalog.tax_rates_for(product),
        station=product.station,
        category_id=product.category_id,
    )
    drafts = [event(ticket_id, "line_added", line_data(line) | extra)]
    view = record(ctx, view.state, priced(ctx, view, drafts))
    over = tab_limits.check(ctx.conn, ctx.who, view, manager_pin)  # raises: nothing is kept
    return record(ctx, view.state, over) if over else view


def void_line(
    ctx: Context, ticket_id: str, line_id: str, reason: str, manager_pin: str | None
) -> TicketView:
    """Void a line; needs the void permission or a manager override. A line that had
    gone to the kitchen prints a VOID ticket at its station.

    Raises:
        TicketNotFound, TicketClosed, LineNotFound, ReasonRequired, PermissionDenied, WrongPin.
    """
    view = load(ctx.conn, ticket_id)
    ensure_open(view.status)
    if line_id not in view.lines or view.lines[line_id].voided:
        raise LineNotFound(line_id)
    if not reason.strip():
        raise ReasonRequired("a void needs a reason")
    override = staff.authorize(ctx.conn, ctx.who, Permission.VOID, manager_pin)
    data = {"line_id": line_id, "reason": reason, "by": ctx.who.staff_id, **audit(override)}
    before = view.lines[line_id]
    view = record(ctx, view.state, priced(ctx, view, [event(ticket_id, "line_voided", data)]))
    printing.on_voided(ctx.conn, view, [before], ctx.clock)  # VOID at its station, same tx
    return view


def change_line(
    ctx: Context,
    ticket_id: str,
    line_id: str,
    changes: dict[str, Any],
    *,
    reason: str = "",
    manager_pin: str | None = None,
) -> TicketView:
    """Change a line's quantity, notes, seat or course.

    A line already sent to the kitchen can go down in quantity only as a partial void
    (reason, and the void permission or a manager override); more of it is a new line,
    so the kitchen sees what to make. A change to a sent line prints a CHANGE ticket
    at its station. More of a line on a tab is held to the tab's limit as a new line is.

    Raises:
        TicketNotFound, TicketClosed, LineNotFound, InvalidValue (nothing changes, or more
        of a sent line), NegativeQuantity, ReasonRequired, PermissionDenied, WrongPin,
        TabLimitExceeded.
    """
    view = load(ctx.conn, ticket_id)
    ensure_open(view.status)
    line = view.lines.get(line_id)
    if line is None or line.voided:
        raise LineNotFound(line_id)
    unknown = changes.keys() - LINE_CHANGES
    if unknown:
        raise InvalidValue(f"a line's {sorted(unknown)} cannot change; use {sorted(LINE_CHANGES)}")
    changes = {k: v for k, v in changes.items() if getattr(line, k) != v}
    if not changes:
        raise InvalidValue("the line already reads like that; nothing to change")
    replace(line, **changes)  # the line's own rules: quantity, seat and course from 1
    override = None
    quantity = changes.get("quantity", line.quantity)
    if line.sent and quantity > line.quantity:
        raise InvalidValue("this line is already with the kitchen; add a new line for more")
    if line.sent and quantity < line.quantity:
        if not reason.strip():
            raise ReasonRequired("taking back part of a sent line needs a reason")
        override = staff.authorize(ctx.conn, ctx.who, Permission.VOID, manager_pin)
    data = {
        "line_id": line_id,
        "changes": changes,
        "reason": reason,
        "by": ctx.who.staff_id,
        **audit(override),
    }
    view = record(ctx, view.state, priced(ctx, view, [event(ticket_id, "line_changed", data)]))
    over = tab_limits.check(ctx.conn, ctx.who, view, manager_pin)  # raises: nothing is kept
    if over:
        view = record(ctx, view.state, over)
    printing.on_changed(ctx.conn, view, line, ctx.clock, new_id(ctx))  # CHANGE ticket, same tx
    return view


def hold(ctx: Context, ticket_id: str) -> TicketView:
    """Park an unpaid ticket so the till can serve someone else; :func:`recall` resumes it.

    Raises:
        TicketNotFound, TicketClosed, InvalidValue (already on hold).
    """
    return _set_held(ctx, ticket_id, held=True)


def recall(ctx: Context, ticket_id: str) -> TicketView:
    """Bring a held ticket back to the till.

    Raises:
        TicketNotFound, TicketClosed, InvalidValue (not on hold).
    """
    return _set_held(ctx, ticket_id, held=False)


def _set_held(ctx: Context, ticket_id: str, *, held: bool) -> TicketView:
    view = load(ctx.conn, ticket_id)
    ensure_open(view.status)
    if view.held == held:
        raise InvalidValue("the ticket is already on hold" if held else "the ticket is not on hold")
    changes = {"held": held, "held_by": ctx.who.staff_id if held else None}
    return record(ctx, view.state, [field_edit(view, changes)])


def add_discount(
    ctx: Context,
    ticket_id: str,
    discount: Discount,
    *,
    line_id: str | None = None,
    manager_pin: str | None = None,
) -> TicketView:
    """Discount a line or the whole ticket; above the role's limit needs an override.

    Raises:
        TicketNotFound, TicketClosed, LineNotFound, InvalidDiscount, DiscountOverLimit,
        WrongPin.
    """
    view = load(ctx.conn, ticket_id)
    ensure_open(view.status)
    if line_id is not None and line_id not in view.lines:
        raise LineNotFound(line_id)
    base = view.lines[line_id].subtotal if line_id else view.totals().subtotal
    override = staff.authorize(
        ctx.conn,
        ctx.who,
        Permission.DISCOUNT_ABOVE_LIMIT,
        manager_pin,
        discount_bp=effective_bp(base, discount) if base else 0,
    )
    data = {
        "line_id": line_id,
        "kind": discount.kind,
        "value": discount.value,
        "reason": discount.reason,
        "by": ctx.who.staff_id,
        **audit(override),
    }
    return record(ctx, view.state, [event(ticket_id, "discount_applied", data)])


def send(ctx: Context, ticket_id: str, course: int | None = None) -> TicketView:
    """Send unsent lines (of one course, or all) to the kitchen.

    Raises:
        TicketNotFound, TicketClosed, InvalidValue (nothing to send).
    """
    view = load(ctx.conn, ticket_id)
    ensure_open(view.status)
    pending = [
        line.id
        for line in view.lines.values()
        if not line.sent and not line.voided and (course is None or line.course == course)
    ]
    if not pending:
        raise InvalidValue("nothing new to send to the kitchen")
    drafts = [event(ticket_id, "sent_to_kitchen", {"line_ids": pending, "course": course or 0})]
    if view.status == "open":
        drafts.append(status_change(ticket_id, "sent"))
    view = record(ctx, view.state, drafts)
    printing.on_sent(ctx.conn, view, pending, course, ctx.clock)  # kitchen tickets, same tx
    return view


def pay(
    ctx: Context,
    ticket_id: str,
    method: str,
    amount: int,
    *,
    tip: int = 0,
    reference: str | None = None,
    preauth_id: str | None = None,
) -> TicketView:
    """Take a tender; the ticket is paid once nothing is owed.

    A card tender naming a tab's pre-authorisation (``preauth_id``) captures it: taken
    pending under the pre-authorisation's reference for treasury to confirm, and outside
    the offline card limits, since the card issuer holds the money already (ADR 0030).

    A paid or closed ticket (or a reinstated one) that owes money again, because a
    round was added on another till or a tender was declined, takes the balance as a
    late payment (``late: true`` in the event) and keeps its status.
    Cash lands in this device's open drawer session, named in the payment. A reference
    already used by another payment is taken but flagged on both tickets.

    Raises:
        TicketNotFound, TicketClosed, NothingDue, InvalidAmount, OverTender,
        ReferenceRequired, OfflineCardLimit, DrawerNotOpen (cash, no open drawer),
        PreauthNotFound, PreauthCaptured, InvalidValue (a capture by another tender than
        card), InvalidAmount (a capture above the pre-authorisation).
    """
    view = load(ctx.conn, ticket_id)
    totals = view.totals()
    late = view.status in ("paid", "closed", "voided")
    if not (late and view.money is not None and view.money.settled and totals.balance_due):
        ensure_open(view.status)
    me = identity(ctx.conn)
    (offline_so_far,) = ctx.conn.execute(
        "SELECT coalesce(sum(amount), 0) FROM offline_card_payments WHERE confirmed_ms IS NULL"
    ).fetchone()
    result = tender(
        totals.balance_due,
        method,  # type: ignore[arg-type]
        amount,
        view.currency,
        tip=tip,
        reference=reference,
        online=ctx.online or preauth_id is not None,
        offline_card_total_so_far=offline_so_far,
        policy=offline_card_policy(ctx.conn, me.outlet),
    )
    if preauth_id is not None:
        preauth = tab_preauths.to_capture(view, preauth_id, result.method, result.tendered)
        result = replace(result, status="pending", reference=preauth.reference)
    data: dict[str, Any] = {
        "payment_id": new_id(ctx),
        "method": result.method,
        "amount": result.applied_amount,
        "tip": result.tip,
        "tendered": result.tendered,
        "change": result.change,
        "status": result.status,
        "reference": result.reference,
        "expires_in_hours": result.expires_in_hours,
        "by": ctx.who.staff_id,
        **({"late": True} if late else {}),
        **({"preauth_id": preauth_id} if preauth_id is not None else {}),
        **cash_session(ctx.conn, result.method),
    }
    earlier = references.earlier_uses(ctx.conn, result.method, result.reference)
    if earlier:
        data["duplicate_reference_of"] = earlier
    if result.method == "card" and result.status == "pending" and preauth_id is None:
        ctx.conn.execute(
            "INSERT INTO offline_card_payments (payment_id, ticket_id, amount) VALUES (?, ?, ?)",
            (data["payment_id"], ticket_id, result.tendered),
        )
    drafts = [event(ticket_id, "payment_taken", data)]
    if result.applied_amount >= totals.balance_due and not late:
        drafts.append(status_change(ticket_id, "paid"))
    view = record(ctx, view.state, drafts)
    references.remember(ctx.conn, view, data, ctx.clock)  # flags earlier uses; same tx
    printing.on_payment(ctx.conn, view, data, ctx.clock)  # drawer kick, receipt; same tx
    return view


def close(ctx: Context, ticket_id: str) -> TicketView:
    """Close a fully paid ticket.

    Raises:
        TicketNotFound, BalanceDue, TicketClosed (already closed or voided).
    """
    view = load(ctx.conn, ticket_id)
    if view.status in ("closed", "voided"):
        ensure_open(view.status)
    ensure_can_close(view.totals())
    return record(ctx, view.state, [status_change(ticket_id, "closed")])


def void(ctx: Context, ticket_id: str, reason: str, manager_pin: str | None) -> TicketView:
    """Void a ticket that took no payment; needs the void permission or an override.
    Its lines that had gone to the kitchen print a VOID ticket at their stations.

    Raises:
        TicketNotFound, TicketClosed, TicketHasPayments, ReasonRequired, PermissionDenied.
    """
    view = load(ctx.conn, ticket_id)
    ensure_open(view.status)
    if view.payments:
        raise TicketHasPayments("refund the payments before voiding the ticket")
    if not reason.strip():
        raise ReasonRequired("a void needs a reason")
    override = staff.authorize(ctx.conn, ctx.who, Permission.VOID, manager_pin)
    data = {"reason": reason, "by": ctx.who.staff_id, **audit(override)}
    lines = list(view.lines.values())
    view = record(
        ctx,
        view.state,
        [event(ticket_id, "ticket_voided", data), status_change(ticket_id, "voided")],
    )
    printing.on_voided(ctx.conn, view, lines, ctx.clock)  # VOID at each station, same tx
    return view


def refund(
    ctx: Context,
    ticket_id: str,
    method: str,
    amount: int,
    reason: str,
    *,
    line_ids: tuple[str, ...] = (),
    lines: tuple[tuple[str, int], ...] = (),
    manager_pin: str | None = None,
) -> TicketView:
    """Give money back to the tender type it was paid with; works on closed tickets.

    ``line_ids`` names lines returned whole, ``lines`` ``(line id, quantity)`` pairs
    returned in part; both are recorded. A refund slip prints, and cash given back
    comes out of this device's open drawer session, which opens.

    Raises:
        TicketNotFound, RefundExceedsPayment, ReasonRequired, PermissionDenied,
        LineNotFound, InvalidValue (more returned than sold), DrawerNotOpen (cash).
    """
    view = load(ctx.conn, ticket_id)
    returned = refund_lines.returned(view, line_ids, lines)
    line_ids = tuple(returned)
    new = Refund(new_id(ctx), method, amount, line_ids, reason)  # type: ignore[arg-type]
    ensure_refundable(view.payments, view.refunds, new)
    override = staff.authorize(ctx.conn, ctx.who, Permission.REFUND, manager_pin)
    data = {
        "refund_id": new.id,
        "method": new.payment_method,
        "amount": new.amount,
        "line_ids": list(new.line_ids),
        "reason": new.reason,
        "by": ctx.who.staff_id,
        **audit(override),
        "lines": [{"line_id": i, "quantity": q} for i, q in returned.items()],
        **cash_session(ctx.conn, new.payment_method),
    }
    view = record(ctx, view.state, [event(ticket_id, "refund_issued", data)])
    printing.on_refund(ctx.conn, view, data, ctx.clock)  # slip, drawer kick; same tx
    return view
