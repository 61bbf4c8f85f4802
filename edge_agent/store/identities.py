"""The device's identities over time, and the ops a new identity re-issued.

A data directory changes device identity when the hub gives a restored device a
successor, or when it is enrolled again. The old identity is recorded in ``identities``;
its ops the hub already holds stay in the op log as anybody's pulled ops (``local = 0``);
its ops the hub never got are re-issued under the new identity and the originals are
moved to ``superseded_ops``, each linked to its new op id, so they are kept for audit but
never replayed (their money would count twice). Every writer here runs inside the
caller's write transaction.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from edge_agent.store import oplog
from sync_protocol import Op


@dataclass(frozen=True, slots=True)
class Recovery:
    """The restore mark and what the last change of identity did."""

    restored_ms: int | None
    recovered_ms: int | None
    note: str | None
    proposed_device_id: str | None
    previous: list[tuple[str, str, str]]  # (device id, device code, reason), oldest first


def own_op_id(conn: sqlite3.Connection, device_id: str, seq: int) -> str | None:
    """The id of this identity's own op at ``seq`` (None: no such op)."""
    if seq < 1:
        return None
    row = conn.execute(
        "SELECT op_id FROM ops WHERE device_id = ? AND device_seq = ? AND local = 1",
        (device_id, seq),
    ).fetchone()
    return None if row is None else str(row[0])


def own_ops(conn: sqlite3.Connection, device_id: str) -> list[Op]:
    """Every op of this identity in its log, in ``device_seq`` order."""
    rows = conn.execute(
        "SELECT body FROM ops WHERE device_id = ? AND local = 1 ORDER BY device_seq", (device_id,)
    )
    return [oplog.decode(row[0]) for row in rows]


def supersede(conn: sqlite3.Connection, original: Op, successor_op_id: str, now_ms: int) -> None:
    """Move an op out of the op log, linked to the op that re-issued it."""
    row = conn.execute("SELECT body FROM ops WHERE op_id = ?", (str(original.op_id),)).fetchone()
    conn.execute(
        "INSERT INTO superseded_ops (op_id, device_id, device_seq, body, successor_op_id,"
        " moved_ms) VALUES (?, ?, ?, ?, ?, ?)",
        (
            str(original.op_id),
            str(original.device_id),
            original.device_seq,
            row[0],
            successor_op_id,
            now_ms,
        ),
    )
    conn.execute("DELETE FROM ops WHERE op_id = ?", (str(original.op_id),))


def successor_of(conn: sqlite3.Connection, op_id: str) -> str | None:
    """The op id that re-issued ``op_id`` (None: it was never superseded)."""
    row = conn.execute(
        "SELECT successor_op_id FROM superseded_ops WHERE op_id = ?", (op_id,)
    ).fetchone()
    return None if row is None else str(row[0])


def record_identity(
    conn: sqlite3.Connection,
    *,
    device_id: str,
    device_code: str,
    last_seq: int,
    successor_id: str,
    reason: str,
    now_ms: int,
) -> None:
    """Remember an identity this data directory no longer uses."""
    conn.execute(
        "INSERT OR REPLACE INTO identities (device_id, device_code, last_seq, successor_id,"
        " reason, replaced_ms) VALUES (?, ?, ?, ?, ?, ?)",
        (device_id, device_code, last_seq, successor_id, reason, now_ms),
    )


def mark_restored(conn: sqlite3.Connection, now_ms: int) -> None:
    """Mark the device restored: its next sync checks its log against the hub's first."""
    conn.execute("UPDATE sync_state SET restored_ms = ? WHERE id = 1", (now_ms,))


def clear_restored(conn: sqlite3.Connection, now_ms: int, note: str) -> None:
    """The restore is dealt with: record what was done."""
    conn.execute(
        "UPDATE sync_state SET restored_ms = NULL, recovered_ms = ?, recovery_note = ?"
        " WHERE id = 1",
        (now_ms, note[:2000]),
    )


def propose_device_id(conn: sqlite3.Connection, device_id: str | None) -> None:
    """Keep (or forget, with None) the device id proposed to the hub for a new identity."""
    conn.execute("UPDATE sync_state SET proposed_device_id = ? WHERE id = 1", (device_id,))


def recovery(conn: sqlite3.Connection) -> Recovery:
    """The restore mark, the last recovery and the identities this directory had."""
    restored, recovered, note, proposed = conn.execute(
        "SELECT restored_ms, recovered_ms, recovery_note, proposed_device_id FROM sync_state"
        " WHERE id = 1"
    ).fetchone()
    previous = conn.execute(
        "SELECT device_id, device_code, reason FROM identities ORDER BY replaced_ms, device_id"
    ).fetchall()
    return Recovery(restored, recovered, note, proposed, [tuple(row) for row in previous])
