"""What the hub keeps of each entity's merge, so a push merges only its own ops (ADR 0027).

The merge rules (``sync_protocol.merge``) derive an entity's visible state from the set of
its ops. Most of that set only matters through a few winners: the write each field holds,
the status mark, whether a tombstone exists, each counter's total and the conflicts an
edit resolved. The hub keeps exactly those (:class:`Kept`, MessagePack in
``entities.merged``), bounded by the entity's fields and counters, never by its history.

A push resumes each entity from what is kept (:func:`resume`): an
:class:`~sync_protocol.EntityState` that holds the winners and none of the history, on
which ``sync_protocol.apply_op`` merges the new ops by the very same rules as a full
fold. Its ``writes`` then hold only the push's own field writes: the conflicts they take
part in are found by their base among the writes the hub recorded before
(:func:`conflicts_among`), not by refolding the entity.

A ticket is folded whole instead (:data:`FOLDED_WHOLE`): its money
(``sync_protocol.ticket_money``) is a fold over its events in stamp order, which a late
event can reorder. A ticket's history is its own lines and tenders.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from sync_protocol import Conflict, EntityState
from sync_protocol.merge import Stamped, Write

#: Entity kinds whose read models need every op, folded whole at each push.
FOLDED_WHOLE = frozenset({"ticket"})


class _Write(msgspec.Struct, array_like=True, frozen=True):
    op_id: str
    hlc: int
    device_id: str
    value: Any
    base: str | None


class _Stamp(msgspec.Struct, array_like=True, frozen=True):
    op_id: str
    hlc: int
    device_id: str
    name: str
    data: Any


class Kept(msgspec.Struct, array_like=True):
    """An entity's merge, less its history.

    Attributes:
        winners: field name -> the write the field holds.
        status: the mark that stands for the entity's status.
        tombstone: the earliest tombstone (any one makes the entity deleted for good).
        counters: counter name -> the sum of its deltas.
        resolutions: the conflict ids edits have resolved, sorted.
    """

    winners: dict[str, _Write]
    status: _Stamp | None
    tombstone: _Stamp | None
    counters: dict[str, int]
    resolutions: list[str]


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(Kept)


@dataclass(slots=True)
class Resumed:
    """An entity's state to merge a push's ops into.

    Attributes:
        state: the state; ``complete`` says whether it holds every op of the entity
            (folded whole, or new to the hub) or only the kept winners and what was
            merged into it since.
        complete: see ``state``.
        counted: counter totals the kept merge holds (the state's own deltas come on top).
        resolved: the kept resolutions, to tell which ones the push added.
    """

    state: EntityState
    complete: bool
    counted: dict[str, int] = field(default_factory=dict)
    resolved: frozenset[str] = frozenset()

    def keep(self) -> bytes:
        """What to keep of the state once the push's ops are merged into it."""
        state = self.state
        totals = dict(self.counted)
        for name in state.counters:
            totals[name] = totals.get(name, 0) + state.counter(name)
        tombstones = sorted(state.tombstones.values(), key=lambda t: t.order_key)
        kept = Kept(  # names in order: the same merge is kept as the same bytes
            winners={
                name: _Write(*_write_fields(state.winners[name])) for name in sorted(state.winners)
            },
            status=_stamp(state.status_mark),
            tombstone=_stamp(tombstones[0] if tombstones else None),
            counters={name: totals[name] for name in sorted(totals)},
            resolutions=sorted(state.resolutions),
        )
        return _encoder.encode(kept)

    @property
    def new_resolutions(self) -> set[str]:
        """Conflict ids resolved by the ops merged since the state was resumed."""
        return self.state.resolutions - self.resolved


def resume(entity: str, entity_id: str, merged: bytes) -> Resumed:
    """The state of an entity from what the hub kept of it."""
    kept = _decoder.decode(merged)
    state = EntityState(entity, entity_id)
    state.winners = {name: Write(*_write_fields(w)) for name, w in kept.winners.items()}
    if kept.status is not None:
        mark = Stamped(*_stamp_fields(kept.status))
        state.status_mark = mark
        state.marks[mark.op_id] = mark
    if kept.tombstone is not None:
        tombstone = Stamped(*_stamp_fields(kept.tombstone))
        state.tombstones[tombstone.op_id] = tombstone
    state.resolutions = set(kept.resolutions)
    return Resumed(state, False, dict(kept.counters), frozenset(kept.resolutions))


def conflicts_among(resumed: Resumed, recorded: Mapping[str, Iterable[Write]]) -> list[Conflict]:
    """The conflicts the state's new writes take part in.

    Args:
        resumed: a resumed (not complete) state, the push's ops merged into it.
        recorded: field name -> writes of the entity the hub recorded before that share
            a base with one of the new writes of that field (values are not needed).
    """
    state = resumed.state
    grouped = EntityState(state.entity, state.entity_id, resolutions=state.resolutions)
    for name, new in state.writes.items():
        grouped.writes[name] = dict(new)
    for name, earlier in recorded.items():
        grouped.writes.setdefault(name, {}).update((write.op_id, write) for write in earlier)
    return grouped.conflicts()


def _write_fields(write: Write | _Write) -> tuple[str, int, str, Any, str | None]:
    return (write.op_id, write.hlc, write.device_id, write.value, write.base)


def _stamp_fields(stamp: Stamped | _Stamp) -> tuple[str, int, str, str, Any]:
    return (stamp.op_id, stamp.hlc, stamp.device_id, stamp.name, stamp.data)


def _stamp(stamp: Stamped | None) -> _Stamp | None:
    return _Stamp(*_stamp_fields(stamp)) if stamp is not None else None
