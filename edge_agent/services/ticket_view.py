"""A ticket as its ops describe it: header fields, lines, discounts, payments, refunds.

The ticket's facts are events on the ``ticket`` entity, merged by sync_protocol; this
module folds them, in HLC order, into the domain's value objects and totals. A tender's
confirmation or decline (``payment_confirmed``), a reinstatement and the money
conflicts come from ``sync_protocol.ticket_money``, the fold the hub uses too.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, cast

from edge_agent.domain import kitchen
from edge_agent.domain.catalog import Modifier
from edge_agent.domain.discounts import Discount
from edge_agent.domain.money import split_evenly
from edge_agent.domain.taxes import TaxRate
from edge_agent.domain.tendering import PAYMENT_STATUSES, PaymentStatus
from edge_agent.domain.ticket import Payment, Refund, TicketLine, TicketTotals, compute_totals
from sync_protocol import DEFAULT_LIFECYCLES, EntityState, MoneyConflict, TicketMoney, ticket_money
from sync_protocol.hlc import unpack
from sync_protocol.ticket_promotions import TicketPromotions, from_event


@dataclass(slots=True)
class TicketView:
    """Everything known about one ticket, and the merged state it was folded from."""

    id: str
    state: EntityState
    header: dict[str, Any]
    status: str
    lines: dict[str, TicketLine] = field(default_factory=dict)
    ticket_discount: Discount | None = None
    payments: list[Payment] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)
    sent_courses: list[int] = field(default_factory=list)
    shares: list[int] = field(default_factory=list)
    merged_into: str | None = None
    conflicts: list[str] = field(default_factory=list)
    late_ops: list[str] = field(default_factory=list)
    money: TicketMoney | None = None
    promotions: TicketPromotions | None = None
    kitchen_lines: dict[str, str] = field(default_factory=dict)
    sent_ms: dict[str, int] = field(default_factory=dict)
    pay_at: str | None = None

    @property
    def kitchen(self) -> dict[str, str]:
        """Each station's kitchen status (new, preparing, ready) for its sent lines."""
        return kitchen.stations(self.lines.values(), self.kitchen_lines)

    @property
    def reinstated(self) -> bool:
        """A voided ticket brought back as a sale (its money is no longer held)."""
        return self.money is not None and self.money.reinstated

    @property
    def money_conflicts(self) -> list[MoneyConflict]:
        """The money invariants the merged ticket breaks (at most one)."""
        return self.money.conflicts() if self.money is not None else []

    @property
    def held(self) -> bool:
        return bool(self.header.get("held"))

    @property
    def currency(self) -> str:
        return str(self.header["currency"])

    def totals(self) -> TicketTotals:
        return compute_totals(
            self.lines.values(),
            self.ticket_discount,
            self.payments,
            self.refunds,
            self.currency,
            self.promotions,
        )


def line_data(line: TicketLine) -> dict[str, Any]:
    """The ``line_added`` event payload for a line (prices and taxes as sold)."""
    return {
        "line_id": line.id,
        "product_id": line.product_id,
        "variant_id": line.variant_id,
        "name": line.name,
        "quantity": line.quantity,
        "unit_price": line.unit_price,
        "modifiers": [
            {"id": m.id, "name": m.name, "price_delta": m.price_delta} for m in line.modifiers
        ],
        "notes": line.notes,
        "seat": line.seat,
        "course": line.course,
        "tax_rates": [
            {"code": t.code, "name": t.name, "rate_bp": t.rate_bp, "inclusive": t.inclusive}
            for t in line.tax_rates
        ],
        "station": line.station,
        "sent": line.sent,
        "discount": None if line.discount is None else _discount_data(line.discount),
        "category_id": line.category_id,
    }


def _discount_data(discount: Discount) -> dict[str, Any]:
    return {"kind": discount.kind, "value": discount.value, "reason": discount.reason}


def _line(data: dict[str, Any]) -> TicketLine:
    return TicketLine(
        id=data["line_id"],
        product_id=data["product_id"],
        variant_id=data["variant_id"],
        name=data["name"],
        quantity=data["quantity"],
        unit_price=data["unit_price"],
        modifiers=tuple(Modifier(m["id"], m["name"], m["price_delta"]) for m in data["modifiers"]),
        notes=data["notes"],
        seat=data["seat"],
        course=data["course"],
        tax_rates=tuple(
            TaxRate(t["code"], t["name"], t["rate_bp"], t["inclusive"]) for t in data["tax_rates"]
        ),
        station=data["station"],
        sent=data.get("sent", False),
        discount=_discount(data["discount"]) if data.get("discount") else None,
        category_id=data.get("category_id"),
    )


def _discount(data: dict[str, Any]) -> Discount:
    return Discount(data["kind"], data["value"], data["reason"])


def fold(state: EntityState) -> TicketView:
    """Build the view of a ticket from its merged state."""
    money = ticket_money(state)
    view = TicketView(
        id=state.entity_id,
        state=state,
        header=state.fields,
        status=state.status or "open",
        conflicts=[c.conflict_id for c in state.conflicts() if not c.resolved],
        late_ops=state.late_op_ids(DEFAULT_LIFECYCLES.get("ticket")),
        money=money,
    )
    split: tuple[int, int] | None = None
    for event in sorted(state.events.values(), key=lambda e: e.order_key):
        data = event.data
        match event.name:
            case "line_added":
                view.lines[data["line_id"]] = _line(data)
            case "line_changed" if data["line_id"] in view.lines:
                line = view.lines[data["line_id"]]
                view.lines[line.id] = replace(line, **data["changes"])
            case "line_moved":
                view.lines.pop(data["line_id"], None)
            case "split_evenly":
                # Shares follow the total: the parts are kept, the amounts recomputed.
                split = (data["parts"], sum(p.amount for p in view.payments))
            case "merged_into":
                view.merged_into = data["ticket_id"]
            case "line_voided" if data["line_id"] in view.lines:
                view.lines[data["line_id"]] = replace(view.lines[data["line_id"]], voided=True)
            case "discount_applied" if data.get("line_id") in view.lines:
                line = view.lines[data["line_id"]]
                view.lines[line.id] = replace(line, discount=_discount(data))
            case "discount_applied" if data.get("line_id") is None:
                view.ticket_discount = _discount(data)
            case "promotions_priced":
                view.promotions = from_event(data) or view.promotions
            case "sent_to_kitchen":
                for line_id in data["line_ids"]:
                    if line_id in view.lines:
                        view.lines[line_id] = replace(view.lines[line_id], sent=True)
                view.sent_courses.append(data["course"])
                sent_ms = unpack(event.hlc).wall_ms
                for line_id in data["line_ids"]:
                    view.sent_ms.setdefault(line_id, sent_ms)
            case "kitchen_bumped":
                view.kitchen_lines = kitchen.bumped(
                    view.kitchen_lines, data["line_ids"], data["status"]
                )
            case "kiosk_checked_out":
                view.pay_at = data["pay_at"]
            case "payment_taken":
                view.payments.append(
                    Payment(
                        data["payment_id"],
                        data["method"],
                        data["amount"],
                        data["tip"],
                        data["tendered"],
                        data["change"],
                        data["status"],
                        data.get("reference"),
                    )
                )
            case "refund_issued":
                view.refunds.append(
                    Refund(
                        data["refund_id"],
                        data["method"],
                        data["amount"],
                        tuple(data["line_ids"]),
                        data["reason"],
                    )
                )
    outcome = {t.payment_id: t.status for t in money.tenders if t.status in PAYMENT_STATUSES}
    view.payments = [
        replace(p, status=cast(PaymentStatus, outcome.get(p.id, p.status))) for p in view.payments
    ]
    view.conflicts += [c.conflict_id for c in money.conflicts()]
    if split is not None:
        parts, paid_before = split
        view.shares = split_evenly(max(0, view.totals().total - paid_before), parts)
    return view
