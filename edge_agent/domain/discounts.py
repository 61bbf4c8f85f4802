"""Line and ticket discounts: percent (in basis points) or a fixed amount, with a reason.

A ticket discount is prorated across the lines by :func:`money.allocate` in proportion
to their subtotals after line discounts, so each line's taxes are computed on what is
really charged for it (taxes come after discounts).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .errors import InvalidAmount, InvalidDiscount, ReasonRequired
from .money import allocate, round_half_up

DiscountKind = Literal["percent", "amount"]
DISCOUNT_KINDS: frozenset[str] = frozenset({"percent", "amount"})
FULL_BP = 10_000


@dataclass(frozen=True, slots=True)
class Discount:
    """A discount and why it was given.

    Attributes:
        kind: ``"percent"`` or ``"amount"``.
        value: basis points for a percent (1000 = 10 %), minor units for an amount.
        reason: why; required, it is audited.
    """

    kind: DiscountKind
    value: int
    reason: str

    def __post_init__(self) -> None:
        if self.kind not in DISCOUNT_KINDS:
            raise InvalidDiscount(f"unknown discount kind {self.kind!r}")
        if self.value < 0:
            raise InvalidDiscount("a discount cannot be negative")
        if self.kind == "percent" and self.value > FULL_BP:
            raise InvalidDiscount("a discount cannot exceed 100 %")
        if not self.reason.strip():
            raise ReasonRequired("a discount needs a reason")


def discount_amount(subtotal: int, discount: Discount | None) -> int:
    """What a discount takes off a subtotal, in minor units.

    A percent is rounded half up; an amount is capped at the subtotal, so a total never
    goes below zero.

    Raises:
        InvalidAmount: the subtotal is negative.
    """
    if subtotal < 0:
        raise InvalidAmount("cannot discount a negative subtotal")
    if discount is None:
        return 0
    if discount.kind == "percent":
        return round_half_up(subtotal * discount.value, FULL_BP)
    return min(discount.value, subtotal)


def effective_bp(subtotal: int, discount: Discount) -> int:
    """The discount as basis points of the subtotal, rounded up, to check a role's limit.

    A KES 150 discount on KES 1,000 is 1500 bp; on a zero subtotal any discount is 0 bp.

    Raises:
        InvalidAmount: the subtotal is negative.
    """
    if discount.kind == "percent":
        return discount.value
    taken = discount_amount(subtotal, discount)
    if subtotal == 0:
        return 0
    # Rounded up so that a limit cannot be dodged by a fraction of a basis point.
    return -(-taken * FULL_BP // subtotal)


def prorate(total_discount: int, line_subtotals: Sequence[int]) -> list[int]:
    """Spread a ticket discount over lines in proportion to their subtotals.

    The shares sum exactly to ``total_discount`` (largest remainder, ties to the first
    line); with no line or only zero subtotals every share is zero.

    Raises:
        InvalidAmount: the discount exceeds the sum of the subtotals.
    """
    if total_discount > sum(line_subtotals):
        raise InvalidAmount("a ticket discount cannot exceed the ticket")
    if not line_subtotals or sum(line_subtotals) == 0:
        return [0] * len(line_subtotals)
    return allocate(total_discount, line_subtotals)
