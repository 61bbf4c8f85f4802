"""The durable print queue: one ``print_jobs`` row per job, in the device database.

A job's id is its idempotency key: enqueueing the same id twice keeps the first job,
so a retried request or a double tap prints once. The rendered bytes are stored when
the job is queued and never rendered again, so a retry prints exactly what the
cashier saw. States: ``pending`` (waiting for its turn or its next attempt),
``printing`` (a worker is sending it), ``done`` (the printer confirmed it, or the line
drained it), ``unconfirmed`` (sent, but the printer never confirmed it: someone must
check, then :func:`resend` it or :func:`mark_printed`), ``failed`` (its printer is no
longer configured), ``expired`` (a drawer kick too old to replay) and ``cancelled`` (by
staff, with a reason, see :func:`cancel`).

Each printer's jobs go out in the order they were queued, except that drawer kicks go
first: a drawer must open while the customer is still there.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace

from edge_agent.printing.retry import KICK_TTL_MS

KICK = "drawer_kick"
STATES = ("pending", "printing", "done", "unconfirmed", "failed", "expired", "cancelled")
UNCONFIRMED = "unconfirmed"
_COLUMNS = (
    "id, printer, kind, ticket_id, copy, requested_by, state, attempts, next_attempt_ms,"
    " last_error, created_ms, expires_ms, finished_ms"
)


@dataclass(frozen=True, slots=True)
class JobInfo:
    """A job as listed: everything but the bytes."""

    id: str
    printer: str
    kind: str
    ticket_id: str | None
    copy: bool
    requested_by: str | None
    state: str
    attempts: int
    next_attempt_ms: int
    last_error: str | None
    created_ms: int
    expires_ms: int | None
    finished_ms: int | None


@dataclass(frozen=True, slots=True)
class Job:
    """A job a worker took, with its bytes."""

    info: JobInfo
    payload: bytes


def _info(row: sqlite3.Row | tuple[object, ...]) -> JobInfo:
    values = list(row)
    values[4] = bool(values[4])
    return JobInfo(*values)


def enqueue(
    conn: sqlite3.Connection,
    job_id: str,
    printer: str,
    kind: str,
    payload: bytes,
    now_ms: int,
    *,
    ticket_id: str | None = None,
    copy: bool = False,
    requested_by: str | None = None,
) -> bool:
    """Queue a job; call inside the write transaction of what caused it.

    Returns:
        False if a job with this id was queued before (nothing changes).
    """
    expires = now_ms + KICK_TTL_MS if kind == KICK else None
    cursor = conn.execute(
        "INSERT OR IGNORE INTO print_jobs (id, printer, kind, ticket_id, copy, requested_by,"
        " payload, next_attempt_ms, created_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            job_id,
            printer,
            kind,
            ticket_id,
            int(copy),
            requested_by,
            payload,
            now_ms,
            now_ms,
            expires,
        ),
    )
    return cursor.rowcount == 1


def expire_kicks(conn: sqlite3.Connection, now_ms: int) -> int:
    """Mark drawer kicks past their time ``expired``; return how many."""
    cursor = conn.execute(
        "UPDATE print_jobs SET state = 'expired', finished_ms = ?,"
        " last_error = coalesce(last_error, 'not sent within 15 s')"
        " WHERE kind = ? AND state = 'pending' AND expires_ms < ?",
        (now_ms, KICK, now_ms),
    )
    return cursor.rowcount


def claim(conn: sqlite3.Connection, printer: str, now_ms: int) -> Job | None:
    """Take the printer's next job if it is due, marking it ``printing``.

    The head of the queue is never overtaken (kitchen tickets stay in order); it is
    simply not due while it waits for its next attempt. Kicks go before other jobs.
    """
    expire_kicks(conn, now_ms)
    row = conn.execute(
        f"SELECT seq, {_COLUMNS}, payload FROM print_jobs WHERE printer = ? AND state = 'pending'"
        " ORDER BY kind != ?, seq LIMIT 1",
        (printer, KICK),
    ).fetchone()
    if row is None or row["next_attempt_ms"] > now_ms:
        return None
    conn.execute(
        "UPDATE print_jobs SET state = 'printing', attempts = attempts + 1 WHERE seq = ?",
        (row["seq"],),
    )
    info = _info(tuple(row)[1:-1])
    claimed = replace(info, state="printing", attempts=info.attempts + 1)
    return Job(claimed, bytes(row["payload"]))


def next_due_ms(conn: sqlite3.Connection, printer: str) -> int | None:
    """When the printer's head job is due, or None when nothing is pending."""
    row = conn.execute(
        "SELECT next_attempt_ms FROM print_jobs WHERE printer = ? AND state = 'pending'"
        " ORDER BY kind != ?, seq LIMIT 1",
        (printer, KICK),
    ).fetchone()
    return None if row is None else int(row[0])


def finish(
    conn: sqlite3.Connection, job_id: str, state: str, now_ms: int, error: str | None = None
) -> None:
    """End a job as ``done``, ``unconfirmed``, ``failed`` or ``expired``."""
    conn.execute(
        "UPDATE print_jobs SET state = ?, finished_ms = ?, last_error = coalesce(?, last_error)"
        " WHERE id = ?",
        (state, now_ms, error, job_id),
    )


def retry_later(conn: sqlite3.Connection, job_id: str, next_attempt_ms: int, error: str) -> None:
    """Put a job back in the queue for another attempt."""
    conn.execute(
        "UPDATE print_jobs SET state = 'pending', next_attempt_ms = ?, last_error = ? WHERE id = ?",
        (next_attempt_ms, error, job_id),
    )


def resend(conn: sqlite3.Connection, job_id: str, now_ms: int) -> bool:
    """Queue an unconfirmed or failed job again, now; False if it is not one.

    Drawer kicks are never sent again: a drawer opening late is worse than not at all.
    """
    return (
        conn.execute(
            "UPDATE print_jobs SET state = 'pending', next_attempt_ms = ?, finished_ms = NULL"
            " WHERE id = ? AND state IN ('unconfirmed', 'failed') AND kind != ?",
            (now_ms, job_id, KICK),
        ).rowcount
        == 1
    )


def cancel(conn: sqlite3.Connection, job_id: str, now_ms: int, reason: str) -> bool:
    """Give up a job still waiting, unconfirmed or failed; False if it is not one (a job a
    worker is sending cannot be called back)."""
    return (
        conn.execute(
            "UPDATE print_jobs SET state = 'cancelled', finished_ms = ?, last_error = ?"
            " WHERE id = ? AND state IN ('pending', 'unconfirmed', 'failed')",
            (now_ms, f"cancelled: {reason}", job_id),
        ).rowcount
        == 1
    )


def mark_printed(conn: sqlite3.Connection, job_id: str, now_ms: int) -> bool:
    """Record that someone saw an unconfirmed job on paper; False if it is not one."""
    return (
        conn.execute(
            "UPDATE print_jobs SET state = 'done', finished_ms = ?,"
            " last_error = 'confirmed by staff' WHERE id = ? AND state = 'unconfirmed'",
            (now_ms, job_id),
        ).rowcount
        == 1
    )


def requeue_interrupted(conn: sqlite3.Connection, printer: str) -> int:
    """Jobs left ``printing`` by a crash go back to ``pending``; return how many.

    We cannot know how much of such a job reached the printer, so it prints again:
    a duplicate beats a lost kitchen ticket.
    """
    return conn.execute(
        "UPDATE print_jobs SET state = 'pending' WHERE printer = ? AND state = 'printing'",
        (printer,),
    ).rowcount


def fail_orphans(conn: sqlite3.Connection, printers: set[str], now_ms: int) -> int:
    """Fail waiting jobs of printers no longer configured; return how many."""
    marks = ", ".join("?" for _ in printers) or "''"
    return conn.execute(
        f"UPDATE print_jobs SET state = 'failed', finished_ms = ?,"
        f" last_error = 'printer no longer configured'"
        f" WHERE state IN ('pending', 'printing') AND printer NOT IN ({marks})",
        (now_ms, *sorted(printers)),
    ).rowcount


def get(conn: sqlite3.Connection, job_id: str) -> JobInfo | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM print_jobs WHERE id = ?", (job_id,)).fetchone()
    return None if row is None else _info(row)


def payload(conn: sqlite3.Connection, job_id: str) -> bytes | None:
    """The stored bytes of a job."""
    row = conn.execute("SELECT payload FROM print_jobs WHERE id = ?", (job_id,)).fetchone()
    return None if row is None else bytes(row[0])


def listing(
    conn: sqlite3.Connection,
    *,
    printer: str | None = None,
    state: str | None = None,
    ticket_id: str | None = None,
    limit: int = 100,
) -> list[JobInfo]:
    """Jobs, newest first, optionally of one printer, state or ticket."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM print_jobs WHERE (?1 IS NULL OR printer = ?1)"
        " AND (?2 IS NULL OR state = ?2) AND (?3 IS NULL OR ticket_id = ?3)"
        " ORDER BY seq DESC LIMIT ?4",
        (printer, state, ticket_id, limit),
    )
    return [_info(row) for row in rows]


def waiting(conn: sqlite3.Connection) -> dict[str, int]:
    """Jobs not yet printed (pending or printing), by printer."""
    rows = conn.execute(
        "SELECT printer, count(*) FROM print_jobs WHERE state IN ('pending', 'printing')"
        " GROUP BY printer"
    )
    return {row[0]: int(row[1]) for row in rows}


def unconfirmed(conn: sqlite3.Connection) -> dict[str, int]:
    """Jobs sent but never confirmed, by printer."""
    rows = conn.execute(
        "SELECT printer, count(*) FROM print_jobs WHERE state = 'unconfirmed' GROUP BY printer"
    )
    return {row[0]: int(row[1]) for row in rows}


def has_original_receipt(conn: sqlite3.Connection, ticket_id: str) -> bool:
    """Whether the ticket's receipt was queued once already (printed or waiting)."""
    row = conn.execute(
        "SELECT 1 FROM print_jobs WHERE ticket_id = ? AND kind = 'receipt' AND copy = 0"
        " AND state != 'failed' LIMIT 1",
        (ticket_id,),
    ).fetchone()
    return row is not None
