"""The transactional outbox: this device's operations, written with the change they record.

:func:`append` runs inside the caller's write transaction. It stamps each draft with the
next gapless ``device_seq`` and a fresh hybrid-logical timestamp, checks it against the
wire schema (so the device never logs an op the hub would quarantine), and inserts it in
``ops``. If the transaction rolls back, the ops and the change vanish together.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from edge_agent.store.device import identity
from sync_protocol import MSGPACK, HybridLogicalClock, Op, Replica, uuid7
from sync_protocol.operations import CounterDelta, Event, FieldEdit, StatusChange, Tombstone

KINDS: Mapping[str, type[Op]] = {
    "field": FieldEdit,
    "event": Event,
    "status": StatusChange,
    "counter": CounterDelta,
    "tombstone": Tombstone,
}


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

    Raises:
        sync_protocol.DecodeError: if a draft does not make a valid operation.
        LookupError: if the device is not initialised.
    """
    me = identity(conn)
    hlc_last, seq = conn.execute("SELECT hlc, last_seq FROM device").fetchone()
    clock = HybridLogicalClock(wall_clock, last=hlc_last)
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


def entity_ops(conn: sqlite3.Connection, entity: str, entity_id: str) -> list[Op]:
    """Every op stored for one entity, in HLC order."""
    rows = conn.execute(
        "SELECT body FROM ops WHERE entity = ? AND entity_id = ? ORDER BY hlc, device_id",
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
    """A replica holding every op the device has stored, own and pulled."""
    replica = Replica()
    for (body,) in conn.execute("SELECT body FROM ops ORDER BY rowid"):
        replica.apply(decode(body))
    return replica
