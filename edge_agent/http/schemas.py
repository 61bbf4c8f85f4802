"""Request and response bodies of the agent API (separate from domain types and rows)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

import msgspec

from edge_agent.domain.ticket import TicketTotals
from edge_agent.services.ticket_view import TicketView

Pin = Annotated[str, msgspec.Meta(min_length=4, max_length=8, pattern=r"^[0-9]+$")]
Reason = Annotated[str, msgspec.Meta(max_length=500)]
Positive = Annotated[int, msgspec.Meta(ge=1)]


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
    covers: Positive | None = None


class AddLine(msgspec.Struct, forbid_unknown_fields=True):
    variant_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    quantity: int = 1
    modifier_ids: list[str] = []
    notes: Annotated[str, msgspec.Meta(max_length=200)] = ""
    seat: int | None = None
    course: int = 1
    price: int | None = None
    price_reason: Reason = ""
    manager_pin: Pin | None = None


class ChangeLine(msgspec.Struct, forbid_unknown_fields=True):
    """Fields left out stay as they are; ``seat: null`` takes the line off its seat."""

    quantity: int | msgspec.UnsetType = msgspec.UNSET
    notes: Annotated[str, msgspec.Meta(max_length=200)] | msgspec.UnsetType = msgspec.UNSET
    seat: int | msgspec.UnsetType | None = msgspec.UNSET
    course: int | msgspec.UnsetType = msgspec.UNSET
    reason: Reason = ""
    manager_pin: Pin | None = None

    def changes(self) -> dict[str, Any]:
        fields = ("quantity", "notes", "seat", "course")
        return {f: getattr(self, f) for f in fields if getattr(self, f) is not msgspec.UNSET}


class SplitRequest(msgspec.Struct, forbid_unknown_fields=True):
    by: Literal["items", "seat", "evenly"]
    groups: Annotated[list[list[str]], msgspec.Meta(max_length=50)] = []
    parts: int | None = None


class MergeRequest(msgspec.Struct, forbid_unknown_fields=True):
    from_ticket_ids: Annotated[list[str], msgspec.Meta(min_length=1, max_length=20)]


class TransferRequest(msgspec.Struct, forbid_unknown_fields=True):
    table: Annotated[str, msgspec.Meta(min_length=1, max_length=32)] | None = None
    server_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)] | None = None
    line_ids: list[str] = []
    to_ticket_id: str | None = None


class VoidRequest(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason
    manager_pin: Pin | None = None


class DiscountRequest(msgspec.Struct, forbid_unknown_fields=True):
    kind: Literal["percent", "amount"]
    value: int
    reason: Reason
    line_id: str | None = None
    manager_pin: Pin | None = None


class SendRequest(msgspec.Struct, forbid_unknown_fields=True):
    course: Positive | None = None


class PaymentRequest(msgspec.Struct, forbid_unknown_fields=True):
    method: Literal["cash", "card", "mobile_money"]
    amount: int
    tip: int = 0
    reference: Annotated[str, msgspec.Meta(max_length=64)] | None = None


class RefundRequest(msgspec.Struct, forbid_unknown_fields=True):
    method: Literal["cash", "card", "mobile_money"]
    amount: int
    reason: Reason
    line_ids: list[str] = []
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
            }
            for p in view.payments
        ],
        "refunds": [
            {"id": r.id, "method": r.payment_method, "amount": r.amount, "reason": r.reason}
            for r in view.refunds
        ],
        "totals": totals_document(totals),
        "conflicts": view.conflicts,
    }
