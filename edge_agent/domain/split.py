"""Splitting a bill: by item, by seat, or evenly.

A split decides which lines (or which share of the total) each new check gets; the
services layer then moves the lines and computes each check with
:func:`ticket.compute_totals`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from . import money
from .errors import InvalidSplit, LineNotFound
from .ticket import TicketLine


def split_by_items(
    lines: Sequence[TicketLine], groups_of_line_ids: Sequence[Sequence[str]]
) -> list[tuple[TicketLine, ...]]:
    """Split a ticket into checks by naming each check's lines.

    Every live (not voided) line must be named exactly once and no check may be empty.

    Returns:
        One tuple of lines per group, in the order given.

    Raises:
        LineNotFound: a group names a line the ticket lacks (or a voided one).
        InvalidSplit: a line is named twice or not at all, or a group is empty.
    """
    live = {line.id: line for line in lines if not line.voided}
    named: set[str] = set()
    checks: list[tuple[TicketLine, ...]] = []
    for group in groups_of_line_ids:
        if not group:
            raise InvalidSplit("a check of a split cannot be empty")
        for line_id in group:
            if line_id not in live:
                raise LineNotFound(line_id)
            if line_id in named:
                raise InvalidSplit(f"line {line_id!r} is in two checks")
            named.add(line_id)
        checks.append(tuple(live[i] for i in group))
    missing = sorted(live.keys() - named)
    if missing:
        raise InvalidSplit(f"lines {missing} are in no check")
    return checks


def split_by_seat(lines: Iterable[TicketLine]) -> dict[int | None, tuple[TicketLine, ...]]:
    """Group live lines by seat, seats in ascending order, lines without a seat last.

    The lines without a seat (``None`` key: shared plates) are left for the caller to
    assign or split evenly.
    """
    seats: dict[int | None, list[TicketLine]] = {}
    for line in lines:
        if not line.voided:
            seats.setdefault(line.seat, []).append(line)
    order = sorted(seats, key=lambda seat: (seat is None, seat or 0))
    return {seat: tuple(seats[seat]) for seat in order}


def split_evenly(total: int, n: int) -> list[int]:
    """Split a total into ``n`` amounts differing by at most one minor unit.

    Raises:
        InvalidValue: ``n`` is below one.
    """
    return money.split_evenly(total, n)
