"""The sync client's bookkeeping: hub, positions, outcomes, clock and quarantined ops.

Positions that must move with the ops they describe live on the ``device`` row
(``acked_seq``, ``pull_cursor``, ``hlc``) and are written in the transaction that stores
or acknowledges those ops. Everything else (last attempt, success, error, clock skew,
checkpoints) lives in the one-row ``sync_state`` table. Every writer here runs inside the
caller's write transaction.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass

from edge_agent.domain.clock import ClockReading, trusted_ms

#: What the hub did with a quarantined op of this device: still holds it, or settled it.
HELD, RELEASED, DISCARDED = "held", "released", "discarded"


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
    hlc_skew_ms: int | None = None
    clock_measured_ms: int | None = None
    hlc_rebased_from: int | None = None
    hlc_rebased_to: int | None = None
    hlc_rebased_ms: int | None = None
    clock_measured_boot_ms: int | None = None


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
    state: str = HELD
    settled_ms: int | None = None
    settled_by: str | None = None


_COLUMNS = (
    "hub_url, hub_epoch, enrolled_ms, last_attempt_ms, last_success_ms, last_error_ms,"
    " last_error_code, last_error_message, clock_skew_ms, clock_problem, clock_problem_ms,"
    " push_checkpoint, pulled_checkpoint, hlc_skew_ms, clock_measured_ms, hlc_rebased_from,"
    " hlc_rebased_to, hlc_rebased_ms, clock_measured_boot_ms"
)
_QUARANTINED = "op_id, device_seq, code, reason, recorded_ms, state, settled_ms, settled_by"


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


def record_handshake(
    conn: sqlite3.Connection,
    hub_epoch: str,
    clock_skew_ms: int,
    *,
    hlc_skew_ms: int | None = None,
    measured_ms: int | None = None,
    measured_boot_ms: int | None = None,
) -> None:
    """Store the hub's epoch and the clock measured against the hub's: the wall clock's
    skew and the lead of the last stamp (both "this device minus the hub"), and the wall
    and boot clocks when measured."""
    conn.execute(
        "UPDATE sync_state SET hub_epoch = ?, clock_skew_ms = ?, hlc_skew_ms = ?,"
        " clock_measured_ms = ?, clock_measured_boot_ms = ? WHERE id = 1",
        (hub_epoch, clock_skew_ms, hlc_skew_ms, measured_ms, measured_boot_ms),
    )


def boot_clock_ms() -> int:
    """Milliseconds on the boot clock: it counts suspend and nobody sets it (Linux
    ``CLOCK_BOOTTIME``; the monotonic clock elsewhere)."""
    boottime = getattr(time, "CLOCK_BOOTTIME", None)
    if boottime is None:  # pragma: no cover - not Linux
        return time.monotonic_ns() // 1_000_000
    return time.clock_gettime_ns(boottime) // 1_000_000


def clock_reading(conn: sqlite3.Connection) -> ClockReading | None:
    """What the last handshake measured (None: never measured)."""
    row = conn.execute(
        "SELECT clock_skew_ms, clock_measured_ms, clock_measured_boot_ms FROM sync_state"
        " WHERE id = 1"
    ).fetchone()
    if row is None or row[0] is None:
        return None
    skew, wall_ms, boot_ms = row
    if wall_ms is None:  # measured before the clocks were recorded with the skew
        return ClockReading(skew, 0, None)
    return ClockReading(skew, wall_ms, boot_ms)


def trusted_clock(
    conn: sqlite3.Connection,
    wall_clock: Callable[[], int],
    boot_clock: Callable[[], int] = boot_clock_ms,
) -> Callable[[], int]:
    """Trusted time (:func:`edge_agent.domain.clock.trusted_ms`): the wall clock, or the
    hub's time the last handshake measured, carried on by the boot clock, while the wall
    clock is known to be wrong."""
    reading = clock_reading(conn)
    return lambda: trusted_ms(wall_clock(), boot_clock(), reading)


def record_clock_problem(conn: sqlite3.Connection, now_ms: int, message: str) -> None:
    conn.execute(
        "UPDATE sync_state SET clock_problem = ?, clock_problem_ms = ? WHERE id = 1",
        (message[:2000], now_ms),
    )


def clear_clock_problem(conn: sqlite3.Connection) -> None:
    """Forget the recorded clock problem: the clock is back within bounds."""
    conn.execute("UPDATE sync_state SET clock_problem = NULL, clock_problem_ms = NULL WHERE id = 1")


def record_rebase(conn: sqlite3.Connection, from_hlc: int, to_hlc: int, now_ms: int) -> None:
    """Remember the last re-base of the device's HLC (the audit op is in the op log)."""
    conn.execute(
        "UPDATE sync_state SET hlc_rebased_from = ?, hlc_rebased_to = ?, hlc_rebased_ms = ?"
        " WHERE id = 1",
        (from_hlc, to_hlc, now_ms),
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
    """Record (or refresh) the hub's quarantine verdict on one of this device's ops.

    A verdict never undoes a settlement: an op the hub released or discarded stays so.
    """
    conn.execute(
        f"INSERT INTO quarantined_ops ({_QUARANTINED}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (op_id) DO UPDATE SET code = excluded.code, reason = excluded.reason"
        " WHERE quarantined_ops.state = 'held'",
        _row(op),
    )


def settle(conn: sqlite3.Connection, op: QuarantinedOp) -> None:
    """Record that the hub released or discarded one of this device's held ops."""
    conn.execute(
        f"INSERT INTO quarantined_ops ({_QUARANTINED}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (op_id) DO UPDATE SET state = excluded.state,"
        " settled_ms = excluded.settled_ms, settled_by = excluded.settled_by",
        _row(op),
    )


def _row(op: QuarantinedOp) -> tuple[object, ...]:
    return (
        op.op_id,
        op.device_seq,
        op.code,
        op.reason[:2000],
        op.recorded_ms,
        op.state,
        op.settled_ms,
        op.settled_by,
    )


def quarantined(conn: sqlite3.Connection, limit: int = 100) -> list[QuarantinedOp]:
    """The latest quarantined ops (held or settled), newest ``device_seq`` first."""
    rows = conn.execute(
        f"SELECT {_QUARANTINED} FROM quarantined_ops ORDER BY device_seq DESC LIMIT ?",
        (limit,),
    )
    return [QuarantinedOp(*row) for row in rows]


def quarantined_count(conn: sqlite3.Connection, state: str | None = None) -> int:
    """How many of this device's ops the hub quarantined (in ``state``, when given)."""
    row = conn.execute(
        "SELECT count(*) FROM quarantined_ops WHERE ? IS NULL OR state = ?", (state, state)
    ).fetchone()
    return int(row[0])
