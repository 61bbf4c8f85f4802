"""Taxes on a ticket line, inclusive or exclusive, with one named rounding rule.

The rule is **HALF_UP_PER_LINE**: each tax is rounded half up (ties away from zero) on
each line, separately for each rate, and a ticket's tax for a rate is the sum of its
lines' rounded taxes. Nothing is rounded twice and nothing is re-rounded on the total.

- *Exclusive* rates are added on top of the price:
  ``tax = round_half_up(net * bp, 10000)``, ``gross = net + taxes``.
- *Inclusive* rates are already inside the price. With ``S`` the sum of a line's
  inclusive basis points, ``tax_i = round_half_up(price * bp_i, 10000 + S)`` and
  ``net = price - sum(inclusive taxes)``, so ``net + inclusive taxes == price`` exactly.
- A line with both kinds computes the exclusive ones on that net.

Example: KES 116.00 with 16 % VAT inclusive is tax 16.00, net 100.00; adding a 2 %
exclusive catering levy makes tax 2.00 on the net and a gross of KES 118.00.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .errors import InvalidValue
from .money import round_half_up

ROUNDING_RULE = "HALF_UP_PER_LINE"
"""The name of the tax rounding rule, shown on reports and in the API."""

BASIS_POINTS = 10_000


@dataclass(frozen=True, slots=True)
class TaxRate:
    """A tax rate in basis points (1600 bp = 16 %).

    Attributes:
        code: stable code, e.g. ``"VAT16"``; taxes are reported per code.
        name: label for receipts.
        rate_bp: the rate in basis points, zero or more.
        inclusive: True when shelf prices already include this tax.
    """

    code: str
    name: str
    rate_bp: int
    inclusive: bool

    def __post_init__(self) -> None:
        if not self.code:
            raise InvalidValue("a tax rate needs a code")
        if self.rate_bp < 0:
            raise InvalidValue(f"tax rate {self.code!r} is negative")


@dataclass(frozen=True, slots=True)
class LineTax:
    """The taxes of one line.

    Attributes:
        net: the amount before any tax.
        taxes: tax per rate code, in the order the rates were given.
        gross: ``net`` plus every tax: what the customer pays for the line.
    """

    net: int
    taxes: dict[str, int]
    gross: int

    @property
    def tax_total(self) -> int:
        """All taxes of the line, inclusive and exclusive."""
        return sum(self.taxes.values())


def line_taxes(amount: int, rates: Sequence[TaxRate]) -> LineTax:
    """Compute a line's taxes under :data:`ROUNDING_RULE`.

    Args:
        amount: the line's price after discounts, as charged before exclusive taxes:
            it includes the inclusive taxes and excludes the exclusive ones. May be
            negative (a returned line); rounding is symmetric.
        rates: the line's tax rates, each code at most once.

    Returns:
        The net, the tax per rate code and the gross.

    Raises:
        InvalidValue: two rates share a code.
    """
    codes = [r.code for r in rates]
    if len(set(codes)) != len(codes):
        raise InvalidValue(f"duplicate tax codes in {codes}")
    inclusive_bp = sum(r.rate_bp for r in rates if r.inclusive)
    taxes: dict[str, int] = {}
    for rate in rates:
        if rate.inclusive:
            taxes[rate.code] = round_half_up(amount * rate.rate_bp, BASIS_POINTS + inclusive_bp)
    net = amount - sum(taxes.values())
    for rate in rates:
        if not rate.inclusive:
            taxes[rate.code] = round_half_up(net * rate.rate_bp, BASIS_POINTS)
    ordered = {code: taxes[code] for code in codes}
    return LineTax(net=net, taxes=ordered, gross=net + sum(ordered.values()))
