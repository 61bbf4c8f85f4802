"""What the op log adds up to, kept so that no request re-folds or counts the whole log.

Triggers on ``ops`` (migration 14) write, in the transaction of every op stored, changed
or removed (own or pulled, discarded, scrubbed, superseded by a successor identity):

- ``log_summary.ops``, the number of ops held;
- a stale mark on the entity's row in ``entity_digests`` and on the state hash in
  ``log_summary``;
- the entity in ``conflict_checks`` when a field write of it changed.

From those marks, this module keeps:

- **open conflicts** (:func:`settle_conflicts`, called by the store at the end of every
  write transaction): each marked entity edited by more than one writer is folded from
  its own ops (an index lookup, tens of ops) and its unresolved field conflicts replace
  its rows in ``open_conflicts``. A write made outside the store (a restore) leaves its
  marks, which :func:`open_field_conflicts` folds on read and the next write settles.
- **the state hash** (:func:`state_hash`): stale entity hashes are refolded from their
  own ops on demand, then the canonical hash (``sync_protocol.state_hash``: every
  entity's hash in (entity, entity_id) order) is taken over the kept hashes and kept
  until the next op. Refolding on demand rather than at every write keeps a sale and a
  sign-in free of the cost of a long history (a staff member's sign-ins are one entity).
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from dataclasses import dataclass

from edge_agent.store import oplog
from sync_protocol import EntityState, MergeError, apply_op, entity_hash

log = logging.getLogger(__name__)
#: The kept hash of an entity none of whose ops is folded (all discarded).
NO_LIVE_OP = ""


@dataclass(frozen=True, slots=True)
class FieldConflict:
    """An unresolved conflict among concurrent writes of one field."""

    conflict_id: str
    entity: str
    entity_id: str
    field: str


@dataclass(frozen=True, slots=True)
class StateHash:
    """The canonical hash over every op the device holds, with what it covers."""

    state_hash: str
    entities: int
    ops: int


def fold(conn: sqlite3.Connection, entity: str, entity_id: str) -> EntityState:
    """The merged state of one entity from every op the device holds (but discarded).

    An op the merge refuses (a hub bug) is skipped and logged: it stays in the log, but it
    must not wedge every later read.
    """
    state = EntityState(entity, entity_id)
    for op in oplog.entity_ops(conn, entity, entity_id):
        try:
            apply_op(state, op)
        except MergeError:
            log.warning("op %s on %s/%s does not merge; skipped", op.op_id, entity, entity_id)
    return state


def ops_held(conn: sqlite3.Connection) -> int:
    """How many ops the log holds (own and pulled, discarded included)."""
    (count,) = conn.execute("SELECT ops FROM log_summary WHERE id = 1").fetchone()
    return int(count)


def _unresolved(conn: sqlite3.Connection, entity: str, entity_id: str) -> list[FieldConflict]:
    # A writer's own edits build on each other: only an entity edited by more than one
    # writer can hold a conflict, so only those are folded.
    (writers,) = conn.execute(
        "SELECT count(DISTINCT device_id) FROM ops WHERE entity = ? AND entity_id = ?"
        " AND kind = 'field'",
        (entity, entity_id),
    ).fetchone()
    if writers < 2:
        return []
    return [
        FieldConflict(c.conflict_id, entity, entity_id, c.field)
        for c in fold(conn, entity, entity_id).conflicts()
        if not c.resolved
    ]


def settle_conflicts(conn: sqlite3.Connection) -> int:
    """Refresh the kept open conflicts of every entity marked since; call inside a write
    transaction, after its ops. Returns how many entities were checked."""
    marked = conn.execute("SELECT entity, entity_id FROM conflict_checks").fetchall()
    for entity, entity_id in marked:
        conn.execute(
            "DELETE FROM open_conflicts WHERE entity = ? AND entity_id = ?", (entity, entity_id)
        )
        conn.executemany(
            "INSERT INTO open_conflicts (conflict_id, entity, entity_id, field)"
            " VALUES (?, ?, ?, ?)",
            [
                (c.conflict_id, c.entity, c.entity_id, c.field)
                for c in _unresolved(conn, entity, entity_id)
            ],
        )
    conn.execute("DELETE FROM conflict_checks")
    return len(marked)


def open_field_conflicts(conn: sqlite3.Connection) -> list[FieldConflict]:
    """Every unresolved field conflict, by entity: the kept ones, and those of entities a
    write outside the store marked and no write has settled yet (folded here)."""
    marked = {
        (entity, entity_id)
        for entity, entity_id in conn.execute("SELECT entity, entity_id FROM conflict_checks")
    }
    kept = [
        FieldConflict(*row)
        for row in conn.execute(
            "SELECT conflict_id, entity, entity_id, field FROM open_conflicts"
            " ORDER BY entity, entity_id, rowid"
        )
        if (row[1], row[2]) not in marked
    ]
    for entity, entity_id in marked:
        kept += _unresolved(conn, entity, entity_id)
    kept.sort(key=lambda c: (c.entity, c.entity_id))
    return kept


def state_hash(conn: sqlite3.Connection) -> StateHash:
    """The canonical state hash over every op held, from the kept entity hashes; call
    inside a write transaction (stale hashes are refolded and kept)."""
    stale = conn.execute(
        "SELECT entity, entity_id FROM entity_digests WHERE digest IS NULL"
    ).fetchall()
    for entity, entity_id in stale:
        state = fold(conn, entity, entity_id)
        conn.execute(
            "UPDATE entity_digests SET digest = ? WHERE entity = ? AND entity_id = ?",
            (NO_LIVE_OP if _empty(state) else entity_hash(state), entity, entity_id),
        )
    row = conn.execute("SELECT state_hash, entities, ops FROM log_summary WHERE id = 1").fetchone()
    if row[0] is not None:
        return StateHash(row[0], row[1], row[2])
    digest, entities = hashlib.sha256(), 0
    # The same bytes as sync_protocol.state_hash over the folded entities.
    for entity, entity_id, entity_digest in conn.execute(
        "SELECT entity, entity_id, digest FROM entity_digests WHERE digest != ?"
        " ORDER BY entity, entity_id",
        (NO_LIVE_OP,),
    ):
        digest.update(f"{entity}\x1f{entity_id}\x1f".encode())
        digest.update(entity_digest.encode())
        digest.update(b"\x1e")
        entities += 1
    kept = digest.hexdigest()
    conn.execute(
        "UPDATE log_summary SET state_hash = ?, entities = ? WHERE id = 1", (kept, entities)
    )
    return StateHash(kept, entities, row[2])


def _empty(state: EntityState) -> bool:
    # Every op that merges leaves a record; an empty state folded none (all discarded).
    return not (state.writes or state.events or state.marks or state.counters or state.tombstones)
