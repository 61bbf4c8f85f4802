"""Money: integers in minor units, the currencies we sell in, and exact rounding.

An amount is always an ``int`` of the currency's minor unit (cents for KES 2-decimal
amounts, whole shillings for UGX). Nothing here ever touches a float: every rounding is
done on integer numerators and denominators.

Rounding is ROUND_HALF_UP in the commercial sense: to the nearest integer, ties away
from zero, so a refund rounds exactly like the sale it mirrors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sync_protocol import minor_units

from .errors import InvalidAmount, InvalidValue, UnknownCurrency


@dataclass(frozen=True, slots=True)
class Currency:
    """An ISO 4217 currency as the till handles it.

    Attributes:
        code: ISO code, e.g. ``"KES"``.
        exponent: digits after the decimal point in the minor unit (2 for KES cents).
        cash_increment: the smallest amount payable in cash, in minor units (KES is
            paid in whole shillings, so 100).
    """

    code: str
    exponent: int
    cash_increment: int

    def __post_init__(self) -> None:
        if self.exponent < 0 or self.cash_increment < 1:
            raise InvalidValue(f"currency {self.code!r}: bad exponent or cash increment")


CURRENCIES: dict[str, Currency] = {
    c.code: c
    for c in (
        # Cents exist on paper, but cash changes hands in whole shillings.
        Currency("KES", 2, 100),
        Currency("UGX", 0, 1),
        Currency("TZS", 2, 100),
        Currency("USD", 2, 1),
        Currency("EUR", 2, 1),
    )
}


def currency(code: str) -> Currency:
    """Look up a currency by ISO code (case-insensitive).

    Raises:
        UnknownCurrency: the code is not in :data:`CURRENCIES`.
    """
    try:
        return CURRENCIES[code.upper()]
    except KeyError:
        raise UnknownCurrency(code) from None


def as_currency(value: Currency | str) -> Currency:
    """Return ``value`` itself if it is a :class:`Currency`, else look its code up.

    Raises:
        UnknownCurrency: ``value`` is a code that is not known.
    """
    return value if isinstance(value, Currency) else currency(value)


def round_half_up(numerator: int, denominator: int) -> int:
    """Divide two integers and round to the nearest integer, ties away from zero.

    ``round_half_up(5, 2) == 3`` and ``round_half_up(-5, 2) == -3``.

    Raises:
        InvalidValue: the denominator is zero.
    """
    if denominator == 0:
        raise InvalidValue("division by zero")
    return minor_units.round_half_up(numerator, denominator)


def round_cash(amount: int, currency: Currency | str) -> int:
    """Round an amount to the nearest amount payable in cash, half up.

    KES 1,234.50 is paid KES 1,235 in cash; KES 1,234.49 is paid KES 1,234.

    Raises:
        UnknownCurrency: ``currency`` is a code that is not known.
    """
    step = as_currency(currency).cash_increment
    return round_half_up(amount, step) * step


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Split an amount in proportion to weights, by largest remainder.

    The parts always sum exactly to ``amount`` and each differs from its exact share by
    less than one minor unit. Units left after the floor division go to the largest
    remainders; equal remainders go to the lowest index first. A negative amount is
    allocated like its absolute value, then negated.

    Raises:
        InvalidValue: no weights, a negative weight, or only zero weights.
    """
    if not weights:
        raise InvalidValue("nothing to allocate to")
    if any(w < 0 for w in weights):
        raise InvalidValue("allocation weights must not be negative")
    total = sum(weights)
    if total == 0:
        raise InvalidValue("allocation weights must not all be zero")
    if amount < 0:
        return [-part for part in allocate(-amount, weights)]
    return minor_units.allocate(amount, weights)


def split_evenly(amount: int, n: int) -> list[int]:
    """Split an amount into ``n`` parts that differ by at most one minor unit.

    The first parts carry the extra units: ``split_evenly(1000, 3) == [334, 333, 333]``.

    Raises:
        InvalidValue: ``n`` is below one.
    """
    if n < 1:
        raise InvalidValue("cannot split into fewer than one part")
    return allocate(amount, [1] * n)


def format_money(amount: int, currency: Currency | str) -> str:
    """Render an amount for people: ``format_money(123450, "KES") == "KES 1,234.50"``.

    Raises:
        UnknownCurrency: ``currency`` is a code that is not known.
    """
    cur = as_currency(currency)
    sign = "-" if amount < 0 else ""
    if cur.exponent == 0:
        return f"{cur.code} {sign}{abs(amount):,}"
    major, minor = divmod(abs(amount), 10**cur.exponent)
    return f"{cur.code} {sign}{major:,}.{minor:0{cur.exponent}d}"


def require_positive(amount: int, what: str = "amount") -> int:
    """Return ``amount`` if it is above zero.

    Raises:
        InvalidAmount: the amount is zero or negative.
    """
    if amount <= 0:
        raise InvalidAmount(f"{what} must be above zero, got {amount}")
    return amount
