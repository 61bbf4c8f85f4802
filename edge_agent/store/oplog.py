"""The transactional outbox: this device's operations, written with the change they record.

:func:`append` runs inside the caller's write transaction. It stamps each draft with the
next gapless ``device_seq`` and a fresh hybrid-logical timestamp, checks it against the
wire schema (so the device never logs an op the hub would quarantine), and inserts it in
``ops``. If the transaction rolls back, the ops and the change vanish together.

Stamps follow **trusted time** (:func:`edge_agent.store.sync_state.trusted_clock`): the
wall clock, corrected by the skew the last handshake measured while that skew is beyond
the drift bound. A persisted HLC more than the drift bound ahead of trusted time is
**re-based** before anything is stamped: an audit event (entity ``device_clock``, name
``hlc_rebased``, with the stamps it moved from and to) is logged first, and the HLC
carries on from trusted time, or from the latest stamp the device holds within the
bound, whichever is later. Own ops a manager discarded on the hub stay in the log but
are never folded (``discarded = 1``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import msgspec

from edge_agent.store import sync_state
from edge_agent.store.device import DeviceIdentity, identity
from sync_protocol import MSGPACK, HybridLogicalClock, Op, Replica, uuid7
from sync_protocol.hlc import (
    DEFAULT_MAX_DRIFT_MS,
    LOGICAL_MASK,
    MAX_WALL_MS,
    format_timestamp,
    is_far_ahead,
    pack,
)
from sync_protocol.operations import CounterDelta, Event, FieldEdit, StatusChange, Tombstone

KINDS: Mapping[str, type[Op]] = {
    "field": FieldEdit,
    "event": Event,
    "status": StatusChange,
    "counter": CounterDelta,
    "tombstone": Tombstone,
}
#: The audit event of a re-based HLC: entity and event name.
REBASE_ENTITY = "device_clock"
REBASE_EVENT = "hlc_rebased"


@dataclass(frozen=True, slots=True)
class Draft:
    """An operation before the outbox numbers and stamps it.

    Attributes:
        kind: ``field``, ``event``, ``status``, ``counter`` or ``tombstone``.
        entity: e.g. ``ticket``.
        entity_id: which one.
        payload: the kind's fields (``changes``/``base``, ``name``/``data``, ``status``...).
    """

    kind: str
    entity: str
    entity_id: str
    payload: Mapping[str, Any] = field(default_factory=dict)


def decode(body: bytes) -> Op:
    """Decode a stored op body."""
    op: Op = MSGPACK.decode(body, Op)  # type: ignore[arg-type]
    return op


def append(
    conn: sqlite3.Connection, drafts: Iterable[Draft], wall_clock: Callable[[], int]
) -> list[Op]:
    """Number, stamp, validate and log drafts; call inside a write transaction.

    Returns:
        The drafts' ops (a re-base's audit op, logged first, is not among them).

    Raises:
        sync_protocol.DecodeError: if a draft does not make a valid operation.
        LookupError: if the device is not initialised.
    """
    drafts = list(drafts)
    ops = _stamp(conn, drafts, wall_clock)
    return ops[len(ops) - len(drafts) :]


def rebase_if_ahead(conn: sqlite3.Connection, wall_clock: Callable[[], int]) -> Op | None:
    """Re-base the HLC now if it is far ahead of trusted time and return the audit op;
    call inside a write transaction, after a handshake measured the clock."""
    ops = _stamp(conn, [], wall_clock)
    return ops[0] if ops else None


def _stamp(
    conn: sqlite3.Connection, drafts: list[Draft], wall_clock: Callable[[], int]
) -> list[Op]:
    me = identity(conn)
    hlc_last, seq = conn.execute("SELECT hlc, last_seq FROM device").fetchone()
    trusted = sync_state.trusted_clock(conn, wall_clock)
    now_ms = trusted()
    if is_far_ahead(hlc_last, now_ms):
        rebased = _rebase_target(conn, now_ms)
        drafts = [_rebase(conn, me, hlc_last, rebased, now_ms, wall_clock()), *drafts]
        hlc_last = rebased
    clock = HybridLogicalClock(trusted, last=hlc_last)
    ops: list[Op] = []
    for draft in drafts:
        seq += 1
        stamp = clock.now()
        candidate = KINDS[draft.kind](
            op_id=uuid7(stamp >> 16),
            tenant=me.tenant,
            outlet=me.outlet,
            device_id=me.device_id,
            device_seq=seq,
            hlc=stamp,
            entity=draft.entity,
            entity_id=draft.entity_id,
            **draft.payload,
        )
        body = MSGPACK.encode(candidate)
        op = decode(body)
        insert(conn, op, body, local=True)
        ops.append(op)
    conn.execute("UPDATE device SET hlc = ?, last_seq = ?", (clock.last, seq))
    return ops


def _rebase_target(conn: sqlite3.Connection, now_ms: int) -> int:
    """Trusted time, or the latest stamp the device holds within the drift bound: the
    HLC never goes behind an op it has seen and could have been caused by."""
    ceiling = pack(min(now_ms + DEFAULT_MAX_DRIFT_MS, MAX_WALL_MS), LOGICAL_MASK)
    (latest,) = conn.execute("SELECT max(hlc) FROM ops WHERE hlc <= ?", (ceiling,)).fetchone()
    return max(pack(now_ms, 0), latest or 0)


def _rebase(
    conn: sqlite3.Connection,
    me: DeviceIdentity,
    from_hlc: int,
    to_hlc: int,
    now_ms: int,
    wall_ms: int,
) -> Draft:
    sync_state.record_rebase(conn, from_hlc, to_hlc, wall_ms)
    ahead_ms = (from_hlc >> 16) - now_ms
    # Kept beside a problem the handshake recorded (a wrong wall clock): both are true.
    known = sync_state.read(conn).clock_problem
    sync_state.record_clock_problem(
        conn,
        wall_ms,
        (f"{known}; " if known else "")
        + f"this device's stamps ran {ahead_ms} ms ahead of trusted time; its clock was "
        f"re-based from {format_timestamp(from_hlc)} to {format_timestamp(to_hlc)}",
    )
    data = {
        "from_hlc": from_hlc,
        "to_hlc": to_hlc,
        "ahead_ms": ahead_ms,
        "trusted_ms": now_ms,
        "wall_ms": wall_ms,
    }
    payload = {"name": REBASE_EVENT, "data": data}
    return Draft("event", REBASE_ENTITY, str(me.device_id), payload)


def discard(conn: sqlite3.Connection, op_id: str) -> tuple[str, str] | None:
    """Mark one of this device's own ops discarded (by a manager on the hub): it stays in
    the log and is never folded again. Returns its entity, to refresh its read model."""
    row = conn.execute(
        "SELECT entity, entity_id FROM ops WHERE op_id = ? AND local = 1", (op_id,)
    ).fetchone()
    if row is None:
        return None
    conn.execute("UPDATE ops SET discarded = 1 WHERE op_id = ?", (op_id,))
    return row[0], row[1]


def insert(conn: sqlite3.Connection, op: Op, body: bytes, *, local: bool) -> bool:
    """Store an op (own or pulled); return False if it was already stored."""
    cursor = conn.execute(
        "INSERT OR IGNORE INTO ops (op_id, device_id, device_seq, hlc, entity, entity_id,"
        " kind, body, local) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            str(op.op_id),
            str(op.device_id),
            op.device_seq,
            op.hlc,
            op.entity,
            op.entity_id,
            op.kind,
            body,
            int(local),
        ),
    )
    return cursor.rowcount == 1


def scrub_field(
    conn: sqlite3.Connection, entity: str, entity_id: str, key: str, keep_op_id: str | None
) -> int:
    """Remove ``key`` from the ``doc`` of every pulled edit of an entity but one.

    For secrets in superseded versions (a staff member's old PIN hash): the merged state
    is unchanged, since only the kept op's value wins. Call inside a write transaction.

    Returns:
        How many stored ops were rewritten.
    """
    rows = conn.execute(
        "SELECT op_id, body FROM ops WHERE entity = ? AND entity_id = ? AND local = 0"
        " AND kind = 'field' AND op_id IS NOT ?",
        (entity, entity_id, keep_op_id),
    ).fetchall()
    rewritten = 0
    for op_id, body in rows:
        op = decode(body)
        doc = op.changes.get("doc") if isinstance(op, FieldEdit) else None
        if isinstance(op, FieldEdit) and isinstance(doc, dict) and key in doc:
            bare = {name: value for name, value in doc.items() if name != key}
            plain = msgspec.structs.replace(op, changes={**op.changes, "doc": bare})
            conn.execute("UPDATE ops SET body = ? WHERE op_id = ?", (MSGPACK.encode(plain), op_id))
            rewritten += 1
    return rewritten


def entity_ops(conn: sqlite3.Connection, entity: str, entity_id: str) -> list[Op]:
    """Every op stored for one entity (but discarded ones), in HLC order."""
    rows = conn.execute(
        "SELECT body FROM ops WHERE entity = ? AND entity_id = ? AND discarded = 0"
        " ORDER BY hlc, device_id",
        (entity, entity_id),
    )
    return [decode(row[0]) for row in rows]


def local_ops(conn: sqlite3.Connection, after_seq: int = 0, limit: int | None = None) -> list[Op]:
    """This device's own ops after ``after_seq``, in ``device_seq`` order."""
    sql = "SELECT body FROM ops WHERE local = 1 AND device_seq > ? ORDER BY device_seq"
    params: tuple[int, ...] = (after_seq,)
    if limit is not None:
        sql += " LIMIT ?"
        params += (limit,)
    return [decode(row[0]) for row in conn.execute(sql, params)]


def replay(conn: sqlite3.Connection) -> Replica:
    """A replica holding every op the device has stored, own and pulled (but discarded)."""
    replica = Replica()
    for (body,) in conn.execute("SELECT body FROM ops WHERE discarded = 0 ORDER BY rowid"):
        replica.apply(decode(body))
    return replica
