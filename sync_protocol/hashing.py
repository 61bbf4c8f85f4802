"""Canonical state hashing: two replicas prove they hold the same state.

An entity's snapshot is a plain structure of everything the merge rules derive from its
operations (fields and their versions, events, status, counters, deletion, conflicts,
late ops). It is encoded as JSON with sorted keys and hashed with SHA-256. A replica's
hash covers its entities in sorted order, so it does not depend on the order the ops
arrived in, nor on anything local to the replica.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from sync_protocol.lifecycle import DEFAULT_LIFECYCLES, Lifecycle
from sync_protocol.merge import EntityState, Stamped

_encoder = msgspec.json.Encoder(order="sorted")


def _stamped(records: Mapping[str, Stamped]) -> dict[str, list[Any]]:
    return {
        op_id: [record.hlc, record.device_id, record.name, record.data]
        for op_id, record in records.items()
    }


def entity_snapshot(
    state: EntityState, lifecycles: Mapping[str, Lifecycle] = DEFAULT_LIFECYCLES
) -> dict[str, Any]:
    """Everything the merge rules derive for one entity, as plain data."""
    return {
        "entity": state.entity,
        "entity_id": state.entity_id,
        "fields": {
            name: {"value": write.value, "version": write.op_id}
            for name, write in state.winners.items()
        },
        "writes": {name: sorted(writes) for name, writes in state.writes.items()},
        "events": _stamped(state.events),
        "status": state.status,
        "status_op": state.status_mark.op_id if state.status_mark else None,
        "marks": sorted(state.marks),
        "counters": {
            name: {"total": state.counter(name), "ops": sorted(deltas)}
            for name, deltas in state.counters.items()
        },
        "deleted": sorted(state.tombstones),
        "conflicts": [
            [c.conflict_id, c.field, c.base, list(c.op_ids), c.winner, c.resolved]
            for c in state.conflicts()
        ],
        "late": state.late_op_ids(lifecycles.get(state.entity)),
    }


def entity_hash(
    state: EntityState, lifecycles: Mapping[str, Lifecycle] = DEFAULT_LIFECYCLES
) -> str:
    """SHA-256 hex digest of one entity's canonical snapshot."""
    return hashlib.sha256(_encoder.encode(entity_snapshot(state, lifecycles))).hexdigest()


def state_hash(
    states: Iterable[EntityState], lifecycles: Mapping[str, Lifecycle] = DEFAULT_LIFECYCLES
) -> str:
    """SHA-256 hex digest over every entity's hash, in (entity, entity_id) order."""
    digest = hashlib.sha256()
    for state in sorted(states, key=lambda s: (s.entity, s.entity_id)):
        digest.update(f"{state.entity}\x1f{state.entity_id}\x1f".encode())
        digest.update(entity_hash(state, lifecycles).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()
