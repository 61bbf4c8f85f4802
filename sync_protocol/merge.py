"""Merge rules: one deterministic function per kind of data.

Every rule stores what it receives keyed by op id and derives the visible state from the
*set* of operations, never from their order. So any replica that has received the same
operations, in any order and with any duplicates, holds the same state:

- field edits: per-field last-writer-wins by ``(hlc, device_id, op_id)``; two writes made
  on the same version of a field (the same ``base``) were concurrent and form a
  :class:`Conflict`, kept visible until an edit ``resolves`` it;
- events: append-only, a set keyed by op id;
- status changes: the highest-ranked status in the entity's lifecycle wins, so a status
  never moves back; edits stamped after a terminal status are kept and flagged as late;
- counter deltas: a set of deltas keyed by op id, summed;
- tombstones: deletion wins and is final.

The functions mutate an :class:`EntityState` and return whether the op was new.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sync_protocol.errors import MergeError
from sync_protocol.lifecycle import DEFAULT_LIFECYCLES, Lifecycle
from sync_protocol.operations import CounterDelta, Event, FieldEdit, Op, StatusChange, Tombstone

OrderKey = tuple[int, str, str]


@dataclass(frozen=True, slots=True)
class Write:
    """One write of one field."""

    op_id: str
    hlc: int
    device_id: str
    value: Any
    base: str | None

    @property
    def order_key(self) -> OrderKey:
        return (self.hlc, self.device_id, self.op_id)


@dataclass(frozen=True, slots=True)
class Stamped:
    """An event, status mark or counter delta with the stamp of the op that made it."""

    op_id: str
    hlc: int
    device_id: str
    name: str
    data: Any

    @property
    def order_key(self) -> OrderKey:
        return (self.hlc, self.device_id, self.op_id)


@dataclass(frozen=True, slots=True)
class Conflict:
    """Concurrent writes of one field, all made on the same version of it.

    Attributes:
        conflict_id: stable id, the same on every replica.
        entity, entity_id, field: where.
        base: the version the writers all saw (None: the field was unset).
        op_ids: the concurrent writes, sorted.
        winner: the op id whose value the field holds for this group.
        values: op id -> the value that write set.
        resolved: whether an edit has settled it.
    """

    conflict_id: str
    entity: str
    entity_id: str
    field: str
    base: str | None
    op_ids: tuple[str, ...]
    winner: str
    values: Mapping[str, Any]
    resolved: bool


def conflict_id(entity: str, entity_id: str, field_name: str, base: str | None) -> str:
    """The stable id of the conflict among writes of a field made on ``base``."""
    key = "\x1f".join((entity, entity_id, field_name, base or ""))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


@dataclass(slots=True)
class EntityState:
    """Everything a replica knows about one entity, keyed by op id."""

    entity: str
    entity_id: str
    writes: dict[str, dict[str, Write]] = field(default_factory=dict)
    winners: dict[str, Write] = field(default_factory=dict)
    events: dict[str, Stamped] = field(default_factory=dict)
    marks: dict[str, Stamped] = field(default_factory=dict)
    status_mark: Stamped | None = None
    counters: dict[str, dict[str, Stamped]] = field(default_factory=dict)
    tombstones: dict[str, Stamped] = field(default_factory=dict)
    resolutions: set[str] = field(default_factory=set)

    @property
    def fields(self) -> dict[str, Any]:
        """Field name -> winning value."""
        return {name: write.value for name, write in self.winners.items()}

    def version(self, field_name: str) -> str | None:
        """The op id of the write a field holds, to send as ``base`` with an edit."""
        winner = self.winners.get(field_name)
        return winner.op_id if winner else None

    @property
    def status(self) -> str | None:
        """The highest-ranked status reached, or None before any status change."""
        return self.status_mark.name if self.status_mark else None

    def counter(self, name: str) -> int:
        """The sum of every delta applied to a counter."""
        return sum(delta.data for delta in self.counters.get(name, {}).values())

    @property
    def deleted(self) -> bool:
        return bool(self.tombstones)

    def conflicts(self) -> list[Conflict]:
        """Every group of concurrent writes, sorted by field then base."""
        found = []
        for name in sorted(self.writes):
            by_base: dict[str | None, list[Write]] = {}
            for write in self.writes[name].values():
                by_base.setdefault(write.base, []).append(write)
            for base, group in sorted(by_base.items(), key=lambda item: item[0] or ""):
                if len(group) < 2:
                    continue
                cid = conflict_id(self.entity, self.entity_id, name, base)
                found.append(
                    Conflict(
                        conflict_id=cid,
                        entity=self.entity,
                        entity_id=self.entity_id,
                        field=name,
                        base=base,
                        op_ids=tuple(sorted(write.op_id for write in group)),
                        winner=max(group, key=lambda write: write.order_key).op_id,
                        values={write.op_id: write.value for write in group},
                        resolved=cid in self.resolutions,
                    )
                )
        return found

    def late_op_ids(self, lifecycle: Lifecycle | None) -> list[str]:
        """Ops stamped after the entity first reached a terminal status, sorted.

        They are kept (the hub never rejects a fact from the counter) but flagged.
        """
        if lifecycle is None:
            return []
        closing = [m.hlc for m in self.marks.values() if m.name in lifecycle.terminal]
        if not closing:
            return []
        closed_at = min(closing)
        late = {
            write.op_id
            for writes in self.writes.values()
            for write in writes.values()
            if write.hlc > closed_at
        }
        late.update(
            event.op_id
            for event in self.events.values()
            if event.hlc > closed_at and event.name not in lifecycle.allowed_after_terminal
        )
        late.update(
            delta.op_id
            for deltas in self.counters.values()
            for delta in deltas.values()
            if delta.hlc > closed_at
        )
        return sorted(late)


def merge_field_edit(state: EntityState, op: FieldEdit) -> bool:
    """Record a field edit; each field keeps the write with the greatest order key."""
    op_id, device_id = str(op.op_id), str(op.device_id)
    for name, value in op.changes.items():
        if op_id in state.writes.get(name, {}):
            return False
        base = op.base.get(name)
        write = Write(op_id, op.hlc, device_id, value, str(base) if base else None)
        state.writes.setdefault(name, {})[op_id] = write
        current = state.winners.get(name)
        if current is None or write.order_key > current.order_key:
            state.winners[name] = write
    state.resolutions.update(op.resolves)
    return True


def merge_event(state: EntityState, op: Event) -> bool:
    """Record an append-only event once."""
    op_id = str(op.op_id)
    if op_id in state.events:
        return False
    state.events[op_id] = Stamped(op_id, op.hlc, str(op.device_id), op.name, op.data)
    return True


def merge_status(state: EntityState, op: StatusChange, lifecycle: Lifecycle | None) -> bool:
    """Record a status change; the entity's status is the highest-ranked one seen.

    Raises:
        MergeError: if the entity has no lifecycle.
        UnknownStatusError: if the status is not in the entity's lifecycle.
    """
    if lifecycle is None:
        raise MergeError(f"entity {op.entity!r} has no lifecycle")
    rank = lifecycle.rank(op.status)
    op_id = str(op.op_id)
    if op_id in state.marks:
        return False
    mark = Stamped(op_id, op.hlc, str(op.device_id), op.status, rank)
    state.marks[op_id] = mark
    current = state.status_mark
    # Among marks of the same status the earliest stands for it, so every replica
    # agrees on which op reached the status first.
    if (
        current is None
        or rank > current.data
        or (rank == current.data and mark.order_key < current.order_key)
    ):
        state.status_mark = mark
    return True


def merge_counter(state: EntityState, op: CounterDelta) -> bool:
    """Record a counter delta once; the counter is the sum of its deltas."""
    op_id = str(op.op_id)
    deltas = state.counters.setdefault(op.counter, {})
    if op_id in deltas:
        return False
    deltas[op_id] = Stamped(op_id, op.hlc, str(op.device_id), op.counter, op.delta)
    return True


def merge_tombstone(state: EntityState, op: Tombstone) -> bool:
    """Record a deletion; an entity with any tombstone is deleted for good."""
    op_id = str(op.op_id)
    if op_id in state.tombstones:
        return False
    state.tombstones[op_id] = Stamped(op_id, op.hlc, str(op.device_id), "tombstone", op.reason)
    return True


def apply_op(
    state: EntityState,
    op: Op,
    lifecycles: Mapping[str, Lifecycle] = DEFAULT_LIFECYCLES,
) -> bool:
    """Apply any operation to the state of its entity; return False for a duplicate.

    Raises:
        MergeError: if the op names another entity or cannot be merged.
    """
    if (op.entity, op.entity_id) != (state.entity, state.entity_id):
        raise MergeError(f"op for {op.entity}/{op.entity_id} applied to {state.entity}")
    match op:
        case FieldEdit():
            return merge_field_edit(state, op)
        case Event():
            return merge_event(state, op)
        case StatusChange():
            return merge_status(state, op, lifecycles.get(op.entity))
        case CounterDelta():
            return merge_counter(state, op)
        case Tombstone():
            return merge_tombstone(state, op)
    raise MergeError(f"unknown operation kind {type(op).__name__}")  # pragma: no cover
