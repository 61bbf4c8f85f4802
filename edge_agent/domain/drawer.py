"""The cash drawer of one session: movements, expected cash, blind count, variance, X/Z.

Every movement is an amount of cash, zero or more, whose sign comes from its kind:
the float, pay-ins and cash sales put cash in; pay-outs, drops (to the safe) and cash
refunds take it out; a no-sale opens the drawer and moves nothing. Pay-ins, pay-outs
and drops must say why. ``variance = counted - expected``: positive is over, negative
is short.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from .errors import InvalidAmount, InvalidValue, ReasonRequired

MovementKind = Literal["float", "pay_in", "pay_out", "drop", "cash_sale", "cash_refund", "no_sale"]
SIGNS: dict[str, int] = {
    "float": 1,
    "pay_in": 1,
    "cash_sale": 1,
    "pay_out": -1,
    "drop": -1,
    "cash_refund": -1,
    "no_sale": 0,
}
NEEDS_REASON: frozenset[str] = frozenset({"pay_in", "pay_out", "drop"})


@dataclass(frozen=True, slots=True)
class DrawerMovement:
    """Cash in or out of the drawer (``amount`` is never negative; ``kind`` gives the sign)."""

    kind: MovementKind
    amount: int
    reason: str = ""

    def __post_init__(self) -> None:
        if self.kind not in SIGNS:
            raise InvalidValue(f"unknown drawer movement {self.kind!r}")
        if self.amount < 0:
            raise InvalidAmount("a drawer movement amount must not be negative")
        if self.kind == "no_sale" and self.amount:
            raise InvalidAmount("a no-sale moves no cash")
        if self.kind not in ("float", "no_sale") and self.amount == 0:
            raise InvalidAmount(f"a {self.kind} must move some cash")
        if self.kind in NEEDS_REASON and not self.reason.strip():
            raise ReasonRequired(f"a {self.kind} needs a reason")

    @property
    def signed_amount(self) -> int:
        """The movement's effect on the cash in the drawer."""
        return SIGNS[self.kind] * self.amount


def expected_cash(movements: Iterable[DrawerMovement]) -> int:
    """The cash the drawer should hold: the sum of the movements' signed amounts."""
    return sum(m.signed_amount for m in movements)


def count_denominations(counts: Mapping[int, int]) -> int:
    """Total a blind count given as ``{denomination in minor units: how many}``.

    KES ``{100000: 3, 5000: 2, 1000: 4}`` (three 1,000 notes, two 50s, four 10s) is
    KES 3,140.00 = 314000.

    Raises:
        InvalidValue: a denomination is not above zero or a count is negative.
    """
    if any(d <= 0 for d in counts) or any(n < 0 for n in counts.values()):
        raise InvalidValue("denominations must be positive and counts not negative")
    return sum(d * n for d, n in counts.items())


def variance(counted: int, expected: int) -> int:
    """Counted minus expected: above zero the drawer is over, below zero it is short."""
    return counted - expected


@dataclass(frozen=True, slots=True)
class XReport:
    """A shift's figures so far (an X report prints mid-shift and resets nothing)."""

    opening_float: int
    pay_ins: int
    pay_outs: int
    drops: int
    cash_sales: int
    cash_refunds: int
    no_sales: int
    expected_cash: int
    sales_by_method: dict[str, int]
    refunds_by_method: dict[str, int]
    gross_sales: int
    refunds_total: int
    net_sales: int
    tickets_count: int
    voids_count: int
    discounts_total: int
    tips_by_method: dict[str, int] = field(default_factory=dict)
    tips_total: int = 0
    tax_by_rate: dict[str, int] = field(default_factory=dict)
    tax_total: int = 0
    refunds_count: int = 0
    voids_total: int = 0
    pending_by_method: dict[str, int] = field(default_factory=dict)
    pending_total: int = 0
    settled_tickets: int = 0


@dataclass(frozen=True, slots=True)
class ShiftExtras:
    """The figures of a shift beyond cash and sales: tips and taxes of what was settled,
    refunds and voids counted, tenders still waiting for confirmation (all in minor
    units, by tender method or by tax rate code)."""

    tips_by_method: Mapping[str, int] = field(default_factory=dict)
    tax_by_rate: Mapping[str, int] = field(default_factory=dict)
    refunds_count: int = 0
    voids_total: int = 0
    pending_by_method: Mapping[str, int] = field(default_factory=dict)
    settled_tickets: int = 0


@dataclass(frozen=True, slots=True)
class ZReport:
    """The numbered end-of-day report: the shift's figures, the blind count, the variance."""

    number: int
    shift: XReport
    counted_cash: int
    variance: int


def build_shift_report(
    movements: Iterable[DrawerMovement],
    sales_by_method: Mapping[str, int],
    refunds_by_method: Mapping[str, int],
    tickets_count: int,
    voids_count: int,
    discounts_total: int,
    extras: ShiftExtras | None = None,
) -> XReport:
    """Summarize a drawer session and its sales as an X report.

    ``discounts_total`` counts settled tickets only: a voided ticket gave nothing away.

    Raises:
        InvalidValue: a count or total is negative.
    """
    moves = list(movements)
    more = extras or ShiftExtras()
    figures = [*sales_by_method.values(), *refunds_by_method.values()]
    figures += [*more.tips_by_method.values(), *more.tax_by_rate.values()]
    figures += [*more.pending_by_method.values(), more.refunds_count, more.voids_total]
    if min([tickets_count, voids_count, discounts_total, more.settled_tickets, *figures]) < 0:
        raise InvalidValue("report counts and totals must not be negative")

    def total(kind: str) -> int:
        return sum(m.amount for m in moves if m.kind == kind)

    gross, refunded = sum(sales_by_method.values()), sum(refunds_by_method.values())
    return XReport(
        opening_float=total("float"),
        pay_ins=total("pay_in"),
        pay_outs=total("pay_out"),
        drops=total("drop"),
        cash_sales=total("cash_sale"),
        cash_refunds=total("cash_refund"),
        no_sales=sum(1 for m in moves if m.kind == "no_sale"),
        expected_cash=expected_cash(moves),
        sales_by_method=dict(sorted(sales_by_method.items())),
        refunds_by_method=dict(sorted(refunds_by_method.items())),
        gross_sales=gross,
        refunds_total=refunded,
        net_sales=gross - refunded,
        tickets_count=tickets_count,
        voids_count=voids_count,
        discounts_total=discounts_total,
        tips_by_method=dict(sorted(more.tips_by_method.items())),
        tips_total=sum(more.tips_by_method.values()),
        tax_by_rate=dict(sorted(more.tax_by_rate.items())),
        tax_total=sum(more.tax_by_rate.values()),
        refunds_count=more.refunds_count,
        voids_total=more.voids_total,
        pending_by_method=dict(sorted(more.pending_by_method.items())),
        pending_total=sum(more.pending_by_method.values()),
        settled_tickets=more.settled_tickets,
    )


def build_z_report(number: int, shift: XReport, counted_cash: int) -> ZReport:
    """Close a shift: the Z report with its number, the counted cash and the variance.

    Raises:
        InvalidValue: the number is below one or the counted cash is negative.
    """
    if number < 1 or counted_cash < 0:
        raise InvalidValue("Z reports are numbered from 1 and counted cash is not negative")
    return ZReport(number, shift, counted_cash, variance(counted_cash, shift.expected_cash))
