"""The sync client's bookkeeping: hub, positions, outcomes, clock and quarantined ops.

Positions that must move with the ops they describe live on the ``device`` row
(``acked_seq``, ``pull_cursor``, ``hlc``) and are written in the transaction that stores
or acknowledges those ops. Everything else (last attempt, success, error, clock skew,
checkpoints) lives in the one-row ``sync_state`` table. Every writer here runs inside the
caller's write transaction.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SyncState:
    """What the device knows about its sync with the hub."""

    hub_url: str | None
    hub_epoch: str | None
    enrolled_ms: int | None
    last_attempt_ms: int | None
    last_success_ms: int | None
    last_error_ms: int | None
    last_error_code: str | None
    last_error_message: str | None
    clock_skew_ms: int | None
    clock_problem: str | None
    clock_problem_ms: int | None
    push_checkpoint: int
    pulled_checkpoint: int


@dataclass(frozen=True, slots=True)
class Positions:
    """The device's own log and how far it has synced, from the ``device`` row."""

    last_seq: int
    acked_seq: int
    hlc: int
    pull_cursor: str | None


@dataclass(frozen=True, slots=True)
class QuarantinedOp:
    """An op of this device the hub kept aside, with its reason."""

    op_id: str
    device_seq: int
    code: str
    reason: str
    recorded_ms: int


_COLUMNS = (
    "hub_url, hub_epoch, enrolled_ms, last_attempt_ms, last_success_ms, last_error_ms,"
    " last_error_code, last_error_message, clock_skew_ms, clock_problem, clock_problem_ms,"
    " push_checkpoint, pulled_checkpoint"
)


def read(conn: sqlite3.Connection) -> SyncState:
    """The sync state row (created by migration 4)."""
    row = conn.execute(f"SELECT {_COLUMNS} FROM sync_state WHERE id = 1").fetchone()
    return SyncState(*row)


def positions(conn: sqlite3.Connection) -> Positions:
    """The device's sync positions.

    Raises:
        LookupError: the device database was never initialised.
    """
    row = conn.execute("SELECT last_seq, acked_seq, hlc, pull_cursor FROM device").fetchone()
    if row is None:
        raise LookupError("the device database is not initialised; run `pos-agent init`")
    return Positions(*row)


def set_enrolled(conn: sqlite3.Connection, hub_url: str, hub_epoch: str, now_ms: int) -> None:
    """Remember the hub this device enrolled with."""
    conn.execute(
        "UPDATE sync_state SET hub_url = ?, hub_epoch = ?, enrolled_ms = ? WHERE id = 1",
        (hub_url, hub_epoch, now_ms),
    )


def record_attempt(conn: sqlite3.Connection, now_ms: int) -> None:
    conn.execute("UPDATE sync_state SET last_attempt_ms = ? WHERE id = 1", (now_ms,))


# Status orders a run's success and error by their stamps. A clock put back (it ran
# ahead) would order an older outcome after the newer one, so each writer brings the
# other stamp back to before its own: whichever was recorded last is the latest.


def record_success(conn: sqlite3.Connection, now_ms: int) -> None:
    conn.execute(
        "UPDATE sync_state SET last_success_ms = ?, last_error_ms = min(last_error_ms, ?)"
        " WHERE id = 1",
        (now_ms, now_ms - 1),
    )


def record_error(conn: sqlite3.Connection, now_ms: int, code: str, message: str) -> None:
    conn.execute(
        "UPDATE sync_state SET last_error_ms = ?, last_error_code = ?, last_error_message = ?,"
        " last_success_ms = min(last_success_ms, ?) WHERE id = 1",
        (now_ms, code, message[:2000], now_ms - 1),
    )


def record_handshake(conn: sqlite3.Connection, hub_epoch: str, clock_skew_ms: int) -> None:
    conn.execute(
        "UPDATE sync_state SET hub_epoch = ?, clock_skew_ms = ? WHERE id = 1",
        (hub_epoch, clock_skew_ms),
    )


def record_clock_problem(conn: sqlite3.Connection, now_ms: int, message: str) -> None:
    conn.execute(
        "UPDATE sync_state SET clock_problem = ?, clock_problem_ms = ? WHERE id = 1",
        (message[:2000], now_ms),
    )


def set_acked(conn: sqlite3.Connection, acked_seq: int, push_checkpoint: int | None) -> None:
    """Mark this device's ops synced up to ``acked_seq`` (it may go down: hub restored)."""
    conn.execute("UPDATE device SET acked_seq = ?", (acked_seq,))
    if push_checkpoint is not None:
        conn.execute("UPDATE sync_state SET push_checkpoint = ? WHERE id = 1", (push_checkpoint,))


def set_cursor(conn: sqlite3.Connection, cursor: str | None, checkpoint: int) -> None:
    """Store the pull cursor; call in the transaction that stored the page's ops."""
    conn.execute("UPDATE device SET pull_cursor = ?", (cursor,))
    conn.execute("UPDATE sync_state SET pulled_checkpoint = ? WHERE id = 1", (checkpoint,))


def set_hlc(conn: sqlite3.Connection, hlc: int) -> None:
    conn.execute("UPDATE device SET hlc = ?", (hlc,))


def quarantine(conn: sqlite3.Connection, op: QuarantinedOp) -> None:
    """Record (or refresh) the hub's quarantine verdict on one of this device's ops."""
    conn.execute(
        "INSERT INTO quarantined_ops (op_id, device_seq, code, reason, recorded_ms)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT (op_id) DO UPDATE SET code = excluded.code,"
        " reason = excluded.reason",
        (op.op_id, op.device_seq, op.code, op.reason[:2000], op.recorded_ms),
    )


def quarantined(conn: sqlite3.Connection, limit: int = 100) -> list[QuarantinedOp]:
    """The latest quarantined ops, newest ``device_seq`` first."""
    rows = conn.execute(
        "SELECT op_id, device_seq, code, reason, recorded_ms FROM quarantined_ops"
        " ORDER BY device_seq DESC LIMIT ?",
        (limit,),
    )
    return [QuarantinedOp(*row) for row in rows]


def quarantined_count(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM quarantined_ops").fetchone()[0])
