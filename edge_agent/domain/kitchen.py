"""Kitchen orders: where each line sent to the kitchen stands, per station.

A sent line is ``new`` until a kitchen device bumps it ``preparing``, then ``ready``.
A bump is an event on the ticket (``kitchen_bumped``) naming the lines it covers; a
line's status is the highest any bump gave it, so it never moves back and every
replica agrees whatever the order bumps arrive in (two kitchen screens, offline). A
station's status on a ticket is that of its least advanced line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .errors import InvalidValue
from .ticket import TicketLine

STATUSES = ("new", "preparing", "ready")
BUMPS = frozenset({"preparing", "ready"})


def rank(status: str) -> int:
    """Raises: InvalidValue for a status that is not one of :data:`STATUSES`."""
    if status not in STATUSES:
        raise InvalidValue(f"unknown kitchen status {status!r}; use one of {list(STATUSES)}")
    return STATUSES.index(status)


def bumped(statuses: Mapping[str, str], line_ids: Iterable[str], status: str) -> dict[str, str]:
    """The line statuses after a bump of ``line_ids`` to ``status`` (never backwards; a
    status this agent does not know, from a newer device, changes nothing)."""
    after = dict(statuses)
    if status not in STATUSES:
        return after
    for line_id in line_ids:
        if rank(status) > rank(after.get(line_id, "new")):
            after[line_id] = status
    return after


def at_station(lines: Iterable[TicketLine], station: str) -> list[TicketLine]:
    """The sent lines of a station, voided ones too (the kitchen sees the void)."""
    return [line for line in lines if line.sent and line.station == station]


def stations(lines: Iterable[TicketLine], statuses: Mapping[str, str]) -> dict[str, str]:
    """Each station's status: that of its least advanced live sent line."""
    found: dict[str, str] = {}
    for line in lines:
        if not line.sent or line.voided or line.station is None:
            continue
        status = statuses.get(line.id, "new")
        if line.station not in found or rank(status) < rank(found[line.station]):
            found[line.station] = status
    return dict(sorted(found.items()))


def to_bump(
    lines: Iterable[TicketLine], statuses: Mapping[str, str], station: str, status: str
) -> list[str]:
    """The live sent lines of ``station`` that a bump to ``status`` moves forward.

    Raises:
        InvalidValue: ``status`` is not a bump (``preparing`` or ``ready``).
    """
    if status not in BUMPS:
        raise InvalidValue(f"a kitchen order is bumped to one of {sorted(BUMPS)}")
    return [
        line.id
        for line in at_station(lines, station)
        if not line.voided and rank(statuses.get(line.id, "new")) < rank(status)
    ]
