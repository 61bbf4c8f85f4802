"""Request examples of the main operations, shown in the OpenAPI document."""

from __future__ import annotations

from typing import Any

from litestar.openapi.spec import Example
from litestar.params import Body


def _body(*examples: tuple[str, dict[str, Any]]) -> Any:
    return Body(examples=[Example(summary=summary, value=value) for summary, value in examples])


PIN = _body(("A cashier signs in", {"pin": "1111"}))
OPEN_TICKET = _body(
    ("A counter sale", {}), ("Table 4, two guests", {"kind": "table", "table": "T4", "covers": 2})
)
ADD_LINE = _body(
    ("A regular latte with oat milk", {"variant_id": "latte-r", "modifier_ids": ["milk-oat"]}),
    ("Two samosas for seat 2", {"variant_id": "samosa", "quantity": 2, "seat": 2}),
)
DISCOUNT = _body(
    ("10% off the ticket", {"kind": "percent", "value": 1000, "reason": "regular"}),
    (
        "KES 50.00 off a line",
        {"kind": "amount", "value": 5000, "reason": "late", "line_id": "<line id>"},
    ),
)
PAYMENT = _body(
    (
        "KES 450 cash handed over for a KES 350 bill with a KES 50 tip (KES 50 change)",
        {"method": "cash", "amount": 45000, "tip": 5000},
    ),
    (
        "A card charged KES 350, tip KES 30",
        {"method": "card", "amount": 35000, "tip": 3000, "reference": "AUTH-829114"},
    ),
)
DRAWER_OPEN = _body(("A KES 5,000 float", {"float": 500000}))
DRAWER_CLOSE = _body(
    (
        "Counted four KES 1,000 notes and two KES 50 coins",
        {"counted": {"100000": 4, "5000": 2}},
    ),
    (
        "A cashier's close, authorised by a manager",
        {"counted": {"100000": 4}, "manager_pin": "9999"},
    ),
)
