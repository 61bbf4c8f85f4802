"""Integer arithmetic on money in minor units, shared by every replica.

Two rules every price on every device and on the hub is computed with, so that a
promotion or a tax rounds the same wherever it runs. Callers check their inputs (the
edge agent's :mod:`edge_agent.domain.money` wraps these with its own errors).
"""

from __future__ import annotations

from collections.abc import Sequence


def round_half_up(numerator: int, denominator: int) -> int:
    """Divide two integers, rounding to the nearest integer with ties away from zero.

    ``round_half_up(5, 2) == 3`` and ``round_half_up(-5, 2) == -3``.

    Raises:
        ZeroDivisionError: the denominator is zero.
    """
    negative = (numerator < 0) != (denominator < 0)
    quotient, remainder = divmod(abs(numerator), abs(denominator))
    if 2 * remainder >= abs(denominator):
        quotient += 1
    return -quotient if negative else quotient


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Split a non-negative amount in proportion to non-negative weights.

    Largest remainder: the parts sum exactly to ``amount`` and each differs from its
    exact share by less than one unit; equal remainders go to the lowest index first.
    With no positive weight every part is zero.
    """
    total = sum(weights)
    if total == 0:
        return [0] * len(weights)
    parts = [amount * w // total for w in weights]
    remainders = [amount * w % total for w in weights]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in by_remainder[: amount - sum(parts)]:
        parts[i] += 1
    return parts
