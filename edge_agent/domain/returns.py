"""Which lines a refund takes back, and how many of each.

A refund may name lines returned whole (their whole quantity) or ``(line, quantity)``
pairs returned in part. What a line can still give back is its quantity less what
earlier refunds took; a voided line was never sold and cannot be returned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from .errors import InvalidValue, LineNotFound
from .ticket import TicketLine


def returned_lines(
    lines: Mapping[str, TicketLine],
    earlier: Iterable[Mapping[str, int]],
    whole: Sequence[str],
    partial: Sequence[tuple[str, int]],
) -> dict[str, int]:
    """The quantities a new refund takes back, by line id, in the order named.

    Args:
        lines: the ticket's lines by id.
        earlier: per earlier refund, the quantities it took back by line id.
        whole: lines returned whole (what is left of them).
        partial: ``(line id, quantity)`` returned in part.

    Raises:
        LineNotFound: a line the ticket lacks, or a voided one.
        InvalidValue: a line named twice, a quantity below one, or more than is left.
    """
    taken: dict[str, int] = {}
    for refund in earlier:
        for line_id, quantity in refund.items():
            taken[line_id] = taken.get(line_id, 0) + quantity
    asked: list[tuple[str, int | None]] = [(line_id, None) for line_id in whole]
    asked += partial
    result: dict[str, int] = {}
    for line_id, asked_quantity in asked:
        line = lines.get(line_id)
        if line is None or line.voided:
            raise LineNotFound(line_id)
        if line_id in result:
            raise InvalidValue(f"line {line_id!r} is named twice in one refund")
        left = line.quantity - taken.get(line_id, 0)
        wanted = left if asked_quantity is None else asked_quantity
        if wanted < 1 or wanted > left:
            raise InvalidValue(
                f"{line.name}: {left} of {line.quantity} can still be returned, not {wanted}"
            )
        result[line_id] = wanted
    return result
