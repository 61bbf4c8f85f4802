"""Answers of the drawer and the X/Z reports."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from edge_agent.http.schemas.tickets import TicketStatus
from edge_agent.http.schemas.units import (
    ByKey,
    Count,
    Denominations,
    Ident,
    Money,
    Ms,
    Text,
    deprecated,
)


class Movement(msgspec.Struct, kw_only=True):
    """Cash put in or taken out of the drawer, or a no-sale opening."""

    kind: Annotated[
        Literal["pay_in", "pay_out", "drop", "cash_sale", "cash_refund", "no_sale"],
        msgspec.Meta(description="What moved the cash."),
    ]
    amount: Money
    reason: Text


class DrawerSession(msgspec.Struct, kw_only=True):
    """A drawer session as a cashier sees it: no expected cash (the close is blind)."""

    id: Ident
    status: Annotated[Literal["open", "closed"], msgspec.Meta(description="open or closed.")]
    opened_by: Annotated[str, msgspec.Meta(description="The staff id that opened it.")]
    opened_ms: Ms
    currency: Annotated[str, msgspec.Meta(description="ISO 4217 code.", examples=["KES"])]
    opening_float: Money
    movements: list[Movement]


class Override(msgspec.Struct, kw_only=True):
    """A permission a manager's PIN granted for this request."""

    permission: Text
    manager_id: Ident


class DrawerClose(msgspec.Struct, kw_only=True):
    """The blind count, then what was expected and the variance."""

    session: DrawerSession
    counts: Denominations
    counted: Annotated[int, msgspec.Meta(description="Cash counted, in minor units.")]
    expected: Annotated[
        int, msgspec.Meta(description="Cash the drawer should hold, in minor units.")
    ]
    variance: Annotated[
        int, msgspec.Meta(description="counted - expected, in minor units (negative: short).")
    ]
    unsynced_ops: Annotated[int, msgspec.Meta(description="Ops not yet at the hub when it closed.")]
    overrides: list[Override]


class ShiftFigures(msgspec.Struct, kw_only=True):
    """A shift's figures, all money in minor units."""

    opening_float: Money
    pay_ins: Money
    pay_outs: Money
    drops: Money
    cash_sales: Money
    cash_refunds: Money
    no_sales: Count
    expected_cash: Money
    sales_by_method: ByKey
    refunds_by_method: ByKey
    gross_sales: Money
    refunds_total: Money
    net_sales: Money
    tickets_count: Count
    voids_count: Count
    discounts_total: Money
    tips_by_method: ByKey
    tips_total: Money
    tax_by_rate: ByKey
    tax_total: Money
    refunds_count: Count
    voids_total: Money
    pending_by_method: ByKey
    pending_total: Money
    settled_tickets: Count


class UnsettledTicket(msgspec.Struct, kw_only=True):
    """A ticket not yet closed or voided when the report was made."""

    id: Ident
    receipt_no: Annotated[str | None, msgspec.Meta(description="The receipt number.")]
    status: TicketStatus
    total: Money
    balance: Annotated[int, deprecated("Still to pay, in minor units.", "balance_due")]
    balance_due: Annotated[int, msgspec.Meta(description="Still to pay, in minor units.")]


class ReportWarning(msgspec.Struct, kw_only=True):
    """Something the manager should see on the report."""

    code: Annotated[str, msgspec.Meta(description="What kind of warning (open_tickets).")]
    message: Text


class XReport(msgspec.Struct, kw_only=True):
    """The open session's figures so far (resets nothing)."""

    session: DrawerSession
    report: ShiftFigures
    open_tickets: list[UnsettledTicket]
    warnings: list[ReportWarning]


class ZReport(msgspec.Struct, kw_only=True):
    """The numbered end-of-day report of a closed session."""

    number: Annotated[int, msgspec.Meta(description="The Z number, consecutive per device.")]
    session: DrawerSession
    counts: Denominations
    counted: Annotated[int, msgspec.Meta(description="Cash counted, in minor units.")]
    variance: Annotated[int, msgspec.Meta(description="counted - expected, in minor units.")]
    report: ShiftFigures
    open_tickets: list[UnsettledTicket]
    warnings: list[ReportWarning]
    issued_ms: Ms | None


class IssuedZ(ZReport, kw_only=True, omit_defaults=True):
    """A Z report as issuing or reprinting it answers: with the print job it queued."""

    print_job: Annotated[
        str | None, msgspec.Meta(description="The print job of this Z; null: no printer.")
    ]
    copy: Annotated[bool, msgspec.Meta(description="A reprint, marked COPY.")] = False
