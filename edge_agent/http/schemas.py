"""Request and response bodies of the agent API (separate from domain types and rows)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

import msgspec

from edge_agent.domain.ticket import TicketTotals
from edge_agent.http.bounds import (
    Course,
    Covers,
    Id,
    Note,
    Parts,
    Pin,
    Quantity,
    Reason,
    Reference,
    Seat,
    SignedAmount,
)
from edge_agent.services import references, refund_lines
from edge_agent.services.ticket_view import TicketView


class PinLogin(msgspec.Struct, forbid_unknown_fields=True):
    pin: Pin


class Session(msgspec.Struct):
    token: str
    staff_id: str
    name: str
    role: str


class OpenTicket(msgspec.Struct, forbid_unknown_fields=True):
    kind: Literal["counter", "takeaway", "table", "tab", "kiosk", "online"] = "counter"
    table: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    name: Annotated[str, msgspec.Meta(max_length=80)] | None = None
    covers: Covers | None = None


class AddLine(msgspec.Struct, forbid_unknown_fields=True):
    variant_id: Id
    quantity: Quantity = 1
    modifier_ids: Annotated[list[Id], msgspec.Meta(max_length=50)] = []
    notes: Note = ""
    seat: Seat | None = None
    course: Course = 1
    price: SignedAmount | None = None
    price_reason: Reason = ""
    manager_pin: Pin | None = None


class ChangeLine(msgspec.Struct, forbid_unknown_fields=True):
    """Fields left out stay as they are; ``seat: null`` takes the line off its seat."""

    quantity: Quantity | msgspec.UnsetType = msgspec.UNSET
    notes: Note | msgspec.UnsetType = msgspec.UNSET
    seat: Seat | msgspec.UnsetType | None = msgspec.UNSET
    course: Course | msgspec.UnsetType = msgspec.UNSET
    reason: Reason = ""
    manager_pin: Pin | None = None

    def changes(self) -> dict[str, Any]:
        fields = ("quantity", "notes", "seat", "course")
        return {f: getattr(self, f) for f in fields if getattr(self, f) is not msgspec.UNSET}


class SplitRequest(msgspec.Struct, forbid_unknown_fields=True):
    by: Literal["items", "seat", "evenly"]
    groups: Annotated[
        list[Annotated[list[Id], msgspec.Meta(max_length=200)]], msgspec.Meta(max_length=50)
    ] = []
    parts: Parts | None = None


class MergeRequest(msgspec.Struct, forbid_unknown_fields=True):
    from_ticket_ids: Annotated[list[Id], msgspec.Meta(min_length=1, max_length=20)]


class TransferRequest(msgspec.Struct, forbid_unknown_fields=True):
    table: Annotated[str, msgspec.Meta(min_length=1, max_length=32)] | None = None
    server_id: Id | None = None
    line_ids: Annotated[list[Id], msgspec.Meta(max_length=200)] = []
    to_ticket_id: Id | None = None


class VoidRequest(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason
    manager_pin: Pin | None = None


class DiscountRequest(msgspec.Struct, forbid_unknown_fields=True):
    kind: Literal["percent", "amount"]
    value: SignedAmount
    reason: Reason
    line_id: Id | None = None
    manager_pin: Pin | None = None


class SendRequest(msgspec.Struct, forbid_unknown_fields=True):
    course: Course | None = None


class PaymentRequest(msgspec.Struct, forbid_unknown_fields=True):
    method: Literal["cash", "card", "mobile_money"]
    amount: SignedAmount
    tip: SignedAmount = 0
    reference: Reference | None = None


class ReturnedLine(msgspec.Struct, forbid_unknown_fields=True):
    line_id: Id
    quantity: Quantity


class RefundRequest(msgspec.Struct, forbid_unknown_fields=True):
    """``line_ids``: lines returned whole; ``lines``: lines returned in part."""

    method: Literal["cash", "card", "mobile_money"]
    amount: SignedAmount
    reason: Reason
    line_ids: Annotated[list[Id], msgspec.Meta(max_length=200)] = []
    manager_pin: Pin | None = None
    lines: Annotated[list[ReturnedLine], msgspec.Meta(max_length=200)] = []


class ConfirmPayment(msgspec.Struct, forbid_unknown_fields=True):
    """The terminal slip's authorization or the customer's SMS reference, if any."""

    reference: Reference | None = None
    manager_pin: Pin | None = None


class DeclinePayment(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason
    manager_pin: Pin | None = None


class ErrorBody(msgspec.Struct):
    code: str
    message: str
    detail: Any = None


def totals_document(totals: TicketTotals) -> dict[str, Any]:
    """A ticket's totals without the per-line breakdown."""
    document = asdict(totals)
    document.pop("lines")
    return document


def ticket_document(view: TicketView) -> dict[str, Any]:
    """The JSON shape of a ticket."""
    totals = view.totals()
    flags = references.flags(view)
    flagged = {flag["payment_id"] for flag in flags}
    returned = refund_lines.by_refund(view)
    return {
        "id": view.id,
        "status": view.status,
        **{
            key: view.header.get(key)
            for key in (
                "kind",
                "receipt_no",
                "order_no",
                "currency",
                "table",
                "name",
                "covers",
                "server",
            )
        },
        "held": view.held,
        "merged_into": view.merged_into,
        "shares": view.shares,
        "lines": [
            {
                "id": line.id,
                "variant_id": line.variant_id,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "modifiers": [m.name for m in line.modifiers],
                "notes": line.notes,
                "seat": line.seat,
                "course": line.course,
                "subtotal": line.subtotal,
                "voided": line.voided,
                "sent": line.sent,
            }
            for line in view.lines.values()
        ],
        "payments": [
            {
                "id": p.id,
                "method": p.method,
                "amount": p.amount,
                "tip": p.tip,
                "tendered": p.tendered,
                "change": p.change,
                "status": p.status,
                "pending_confirmation": p.status == "pending",
                "duplicate_reference": p.id in flagged,
            }
            for p in view.payments
        ],
        "refunds": [
            {
                "id": r.id,
                "method": r.payment_method,
                "amount": r.amount,
                "reason": r.reason,
                "lines": [
                    {"line_id": line_id, "quantity": quantity}
                    for line_id, quantity in returned.get(r.id, {}).items()
                ],
            }
            for r in view.refunds
        ],
        "totals": totals_document(totals),
        "conflicts": view.conflicts,
        "money_conflicts": [
            {
                "conflict_id": c.conflict_id,
                "kind": c.kind,
                "amount": c.amount,
                "resolutions": list(c.resolutions),
            }
            for c in view.money_conflicts
        ],
        "reinstated": view.reinstated,
        "flags": flags,
        "warnings": [{"code": f["code"], "message": f["message"]} for f in flags],
    }
