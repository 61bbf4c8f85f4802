"""Request bodies of the agent API."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

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


class PinLogin(msgspec.Struct, forbid_unknown_fields=True):
    pin: Pin


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
