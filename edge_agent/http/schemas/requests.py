"""Request bodies of the agent API, with the units of every figure.

Money is in minor units of the outlet currency (KES cents: 35000 is KES 350.00). The
bounds of each value come from :mod:`edge_agent.http.bounds`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from edge_agent.http.bounds import (
    Amount,
    Count,
    Course,
    Covers,
    Denomination,
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

ManagerPin = Annotated[
    Pin | None,
    msgspec.Meta(
        description=(
            "A manager's PIN authorising this one request when the operator's role lacks "
            "the permission (4-8 digits). Wrong PINs count towards the PIN lockout."
        ),
        examples=["9999"],
    ),
]
Method = Annotated[
    Literal["cash", "card", "mobile_money"], msgspec.Meta(description="The tender type.")
]
Why = Annotated[Reason, msgspec.Meta(description="Why, for the audit trail.")]


class PinLogin(msgspec.Struct, forbid_unknown_fields=True):
    """A staff PIN."""

    pin: Annotated[Pin, msgspec.Meta(description="The staff PIN, 4-8 digits.", examples=["1111"])]


class Preauth(msgspec.Struct, forbid_unknown_fields=True):
    """A card pre-authorisation: a payment intent held against a tab, not money taken."""

    amount: Annotated[
        SignedAmount,
        msgspec.Meta(description="The amount held on the card, in minor units (at least 1)."),
    ]
    reference: Annotated[
        Reference | None,
        msgspec.Meta(description="The card terminal's pre-authorisation reference (required)."),
    ] = None


class OpenTicket(msgspec.Struct, forbid_unknown_fields=True):
    """A new ticket; every field may be left out."""

    kind: Annotated[
        Literal["counter", "takeaway", "table", "tab", "kiosk", "online"],
        msgspec.Meta(description="How the sale is served.", examples=["counter"]),
    ] = "counter"
    table: Annotated[
        Annotated[str, msgspec.Meta(max_length=32)] | None,
        msgspec.Meta(description="The table, for a table ticket.", examples=["T4"]),
    ] = None
    name: Annotated[
        Annotated[str, msgspec.Meta(max_length=80)] | None,
        msgspec.Meta(description="A customer's or tab's name."),
    ] = None
    covers: Annotated[Covers | None, msgspec.Meta(description="Guests at the table.")] = None
    tab_limit: Annotated[
        SignedAmount | None,
        msgspec.Meta(
            description=(
                "A tab's limit in minor units (at least 1), instead of the outlet's "
                "`tab_limit` setting; only for a tab."
            ),
            examples=[500000],
        ),
    ] = None
    preauth: Annotated[
        Preauth | None,
        msgspec.Meta(description="A card pre-authorisation held against the tab; only for a tab."),
    ] = None


class AddLine(msgspec.Struct, forbid_unknown_fields=True):
    """A line to add: a variant, how many, and its modifiers."""

    variant_id: Annotated[
        Id, msgspec.Meta(description="The catalog variant sold.", examples=["latte-r"])
    ]
    quantity: Annotated[Quantity, msgspec.Meta(description="Units, at least 1.")] = 1
    modifier_ids: Annotated[
        Annotated[list[Id], msgspec.Meta(max_length=50)],
        msgspec.Meta(
            description="Chosen modifier options (ids of the catalog's modifier groups).",
            examples=[["milk-oat"]],
        ),
    ] = []
    notes: Annotated[Note, msgspec.Meta(description="A note for the kitchen.")] = ""
    seat: Annotated[Seat | None, msgspec.Meta(description="The seat it is for.")] = None
    course: Annotated[Course, msgspec.Meta(description="The course it is served in.")] = 1
    price: Annotated[
        SignedAmount | None,
        msgspec.Meta(
            description=(
                "A unit price that overrides the catalog's, in minor units (needs "
                "`price_reason` and the price override permission)."
            )
        ),
    ] = None
    price_reason: Annotated[Reason, msgspec.Meta(description="Why the price is overridden.")] = ""
    manager_pin: ManagerPin = None


class ChangeLine(msgspec.Struct, forbid_unknown_fields=True):
    """Fields left out stay as they are; ``seat: null`` takes the line off its seat."""

    quantity: Annotated[
        Quantity | msgspec.UnsetType,
        msgspec.Meta(description="New units (less of a sent line is a void)."),
    ] = msgspec.UNSET
    notes: Annotated[Note | msgspec.UnsetType, msgspec.Meta(description="New note.")] = (
        msgspec.UNSET
    )
    seat: Annotated[
        Seat | msgspec.UnsetType | None, msgspec.Meta(description="New seat; null: none.")
    ] = msgspec.UNSET
    course: Annotated[Course | msgspec.UnsetType, msgspec.Meta(description="New course.")] = (
        msgspec.UNSET
    )
    reason: Annotated[Reason, msgspec.Meta(description="Why (needed for a void).")] = ""
    manager_pin: ManagerPin = None

    def changes(self) -> dict[str, Any]:
        fields = ("quantity", "notes", "seat", "course")
        return {f: getattr(self, f) for f in fields if getattr(self, f) is not msgspec.UNSET}


class SplitRequest(msgspec.Struct, forbid_unknown_fields=True):
    """How to split: by items (groups of line ids), by seat, or evenly in parts."""

    by: Annotated[Literal["items", "seat", "evenly"], msgspec.Meta(description="How to split.")]
    groups: Annotated[
        Annotated[
            list[Annotated[list[Id], msgspec.Meta(max_length=200)]], msgspec.Meta(max_length=50)
        ],
        msgspec.Meta(description="For `items`: the line ids of each new check."),
    ] = []
    parts: Annotated[Parts | None, msgspec.Meta(description="For `evenly`: how many shares.")] = (
        None
    )


class MergeRequest(msgspec.Struct, forbid_unknown_fields=True):
    """The open tickets to merge into this one."""

    from_ticket_ids: Annotated[
        Annotated[list[Id], msgspec.Meta(min_length=1, max_length=20)],
        msgspec.Meta(description="Tickets whose lines move here; they end `merged`."),
    ]


class TransferRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Another table or server for the ticket, or some lines to another ticket."""

    table: Annotated[
        Annotated[str, msgspec.Meta(min_length=1, max_length=32)] | None,
        msgspec.Meta(description="The new table."),
    ] = None
    server_id: Annotated[Id | None, msgspec.Meta(description="The new server's staff id.")] = None
    line_ids: Annotated[
        Annotated[list[Id], msgspec.Meta(max_length=200)],
        msgspec.Meta(description="Lines to move to `to_ticket_id`."),
    ] = []
    to_ticket_id: Annotated[Id | None, msgspec.Meta(description="Where the lines go.")] = None


class VoidRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Why, and a manager's PIN when the role lacks the permission."""

    reason: Why
    manager_pin: ManagerPin = None


class DiscountRequest(msgspec.Struct, forbid_unknown_fields=True):
    """A discount of a line (``line_id``) or of the whole ticket."""

    kind: Annotated[
        Literal["percent", "amount"],
        msgspec.Meta(description="percent: `value` in basis points; amount: in minor units."),
    ]
    value: Annotated[
        SignedAmount,
        msgspec.Meta(
            description=(
                "For `percent`, basis points (1000 = 10%, at most 10000); for `amount`, "
                "minor units. Above the role's limit it needs `discount_above_limit`."
            ),
            examples=[1000],
        ),
    ]
    reason: Why
    line_id: Annotated[Id | None, msgspec.Meta(description="The line; null: the ticket.")] = None
    manager_pin: ManagerPin = None


class SendRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Which course to send (all unsent lines when left out)."""

    course: Annotated[Course | None, msgspec.Meta(description="The course to send.")] = None


class PaymentRequest(msgspec.Struct, forbid_unknown_fields=True):
    """A tender."""

    method: Method
    amount: Annotated[
        SignedAmount,
        msgspec.Meta(
            description=(
                "Minor units. Cash: the cash handed over, tip included, in steps of the "
                "currency's smallest coin (`/me` outlet.cash_increment); change is given "
                "from it. Card and mobile money: the amount charged to the ticket, tip "
                "excluded. Cards taken offline are bounded by the outlet's offline limits."
            ),
            examples=[45000],
        ),
    ]
    tip: Annotated[SignedAmount, msgspec.Meta(description="The tip, in minor units.")] = 0
    reference: Annotated[
        Reference | None,
        msgspec.Meta(description="Card slip authorization or mobile-money SMS reference."),
    ] = None
    preauth_id: Annotated[
        Id | None,
        msgspec.Meta(
            description=(
                "A card tender capturing the tab's pre-authorisation of this id: taken "
                "pending under its reference, up to the amount held (tip included)."
            )
        ),
    ] = None


class ReturnedLine(msgspec.Struct, forbid_unknown_fields=True):
    """Part of a line returned."""

    line_id: Annotated[Id, msgspec.Meta(description="The line returned.")]
    quantity: Annotated[Quantity, msgspec.Meta(description="Units returned.")]


class RefundRequest(msgspec.Struct, forbid_unknown_fields=True):
    """``line_ids``: lines returned whole; ``lines``: lines returned in part."""

    method: Method
    amount: Annotated[SignedAmount, msgspec.Meta(description="Money back, in minor units.")]
    reason: Why
    line_ids: Annotated[
        Annotated[list[Id], msgspec.Meta(max_length=200)],
        msgspec.Meta(description="Lines returned whole."),
    ] = []
    manager_pin: ManagerPin = None
    lines: Annotated[
        Annotated[list[ReturnedLine], msgspec.Meta(max_length=200)],
        msgspec.Meta(description="Lines returned in part."),
    ] = []


class ConfirmPayment(msgspec.Struct, forbid_unknown_fields=True):
    """The terminal slip's authorization or the customer's SMS reference, if any."""

    reference: Annotated[
        Reference | None, msgspec.Meta(description="The slip's or the SMS's reference.")
    ] = None
    manager_pin: ManagerPin = None


class DeclinePayment(msgspec.Struct, forbid_unknown_fields=True):
    """Why the pending tender is declined."""

    reason: Why
    manager_pin: ManagerPin = None


class OpenDrawer(msgspec.Struct, forbid_unknown_fields=True):
    """The float the drawer opens with."""

    float_amount: Annotated[
        Amount, msgspec.Meta(description="Opening float, in minor units.", examples=[500000])
    ] = msgspec.field(name="float")


class MovementRequest(msgspec.Struct, forbid_unknown_fields=True):
    """Cash in or out of the drawer, or a no-sale opening."""

    kind: Annotated[
        Literal["pay_in", "pay_out", "drop", "no_sale"],
        msgspec.Meta(description="pay_in, pay_out, drop (to the safe) or no_sale."),
    ]
    amount: Annotated[Amount, msgspec.Meta(description="Cash moved, in minor units.")] = 0
    reason: Annotated[Reason, msgspec.Meta(description="Why (needed but for no_sale).")] = ""
    manager_pin: ManagerPin = None


class CloseRequest(msgspec.Struct, forbid_unknown_fields=True):
    """The blind count of the drawer."""

    counted: Annotated[
        Annotated[dict[Denomination, Count], msgspec.Meta(max_length=40)],
        msgspec.Meta(
            description=(
                "How many of each note and coin were counted: the key is the denomination "
                'in minor units written as text (JSON keys are text), e.g. "100000" for a '
                "KES 1,000 note."
            ),
            examples=[{"100000": 2, "5000": 3}],
        ),
    ]
    manager_pin: ManagerPin = None
    force_unsynced: Annotated[
        bool, msgspec.Meta(description="Close although ops are not yet at the hub.")
    ] = False


class ZRequest(msgspec.Struct, forbid_unknown_fields=True):
    """A manager's PIN, when the operator lacks the ``reports`` permission."""

    manager_pin: ManagerPin = None


class PrintRequest(msgspec.Struct, forbid_unknown_fields=True):
    """What to print."""

    what: Annotated[
        Literal["receipt", "kitchen"],
        msgspec.Meta(description="The receipt (a bill while unpaid) or kitchen copies."),
    ] = "receipt"
    copy: Annotated[bool, msgspec.Meta(description="A reprint, marked COPY.")] = False
