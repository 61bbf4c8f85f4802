"""Running a creating command once per ``Idempotency-Key``.

The stored answer commits in the same transaction as the command's effects, so a retried
request (a double tap, a lost response) gets the first answer back and changes nothing.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable

from edge_agent.services.errors import IdempotencyKeyReused
from edge_agent.store.gateway import Store


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """What identifies a request for idempotency: method, path and body."""
    return hashlib.sha256(b"\x1f".join((method.encode(), path.encode(), body))).hexdigest()


def run_once(
    store: Store,
    key: str | None,
    fingerprint: str,
    command: Callable[[sqlite3.Connection], bytes],
    now_ms: int,
    status: int = 201,
) -> tuple[int, bytes]:
    """Run ``command`` in one write transaction, at most once per key.

    Returns:
        The status and body of the answer: the command's, or the stored first answer.

    Raises:
        IdempotencyKeyReused: the key came with a different request before.
    """
    with store.write() as conn:
        if key:
            row = conn.execute(
                "SELECT request_hash, status, body FROM idempotency WHERE key = ?", (key,)
            ).fetchone()
            if row is not None:
                if row[0] != fingerprint:
                    raise IdempotencyKeyReused(
                        f"Idempotency-Key {key!r} was used for another request"
                    )
                return int(row[1]), bytes(row[2])
        body = command(conn)
        if key:
            conn.execute(
                "INSERT INTO idempotency (key, request_hash, status, body, created_ms)"
                " VALUES (?, ?, ?, ?, ?)",
                (key, fingerprint, status, body, now_ms),
            )
        return status, body
