"""Pairing LAN devices: make a one-time code, claim it, check, list and revoke clients.

Each step is audited in the op log (entity ``pairing``, synced like any manager action):
``pairing_code_created`` (by whom, until when), ``device_paired`` (name, code) and
``pairing_revoked`` (by whom). A code made for a self-order kiosk (``kiosk``) pairs a
kiosk client: its token alone is its credential, under the kiosk role (ADR 0031). The
rules of codes and the throttle are in :mod:`edge_agent.domain.pairing`.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from edge_agent.domain import pairing as rules
from edge_agent.services.errors import (
    PairingCodeInvalid,
    PairingNotFound,
    PairingRequired,
    PairingThrottled,
)
from edge_agent.store import oplog
from edge_agent.store.gateway import Store
from sync_protocol.ids import uuid7

AUDIT_ENTITY = "pairing"
_TOUCH_EVERY_MS = 60_000
_OPEN = "used_ms IS NULL AND cancelled_ms IS NULL AND expires_ms > ?"


@dataclass(frozen=True, slots=True)
class PairingCode:
    """A code just made: shown once, kept only as its hash."""

    id: str
    code: str
    expires_ms: int
    kiosk: bool = False


@dataclass(frozen=True, slots=True)
class Client:
    """The paired device a LAN request came from: a kiosk or a staff tablet."""

    id: str
    name: str
    kiosk: bool


@dataclass(frozen=True, slots=True)
class Claimed(Client):
    """A device just paired: its client token is shown once, kept only as its hash."""

    token: str


@dataclass(frozen=True, slots=True)
class PairedClient:
    """A paired device as a manager sees it."""

    id: str
    name: str
    paired_ms: int
    last_seen_ms: int | None
    revoked_ms: int | None
    revoked_by: str | None
    kiosk: bool


def _pairing_event(
    conn: sqlite3.Connection,
    entity_id: str,
    name: str,
    data: dict[str, object],
    clock: Callable[[], int],
) -> None:
    draft = oplog.Draft("event", AUDIT_ENTITY, entity_id, {"name": name, "data": data})
    oplog.append(conn, [draft], clock)


def create_code(
    store: Store, by: str, clock: Callable[[], int], *, kiosk: bool = False
) -> PairingCode:
    """Make a one-time pairing code, good for ``CODE_LIFE_MS``.

    Args:
        by: who asked (a staff id, or the device's service).
        kiosk: the code pairs a self-order kiosk.
    """
    now_ms = clock()
    with store.write() as conn:
        taken = {
            row[0]
            for row in conn.execute(f"SELECT code_hash FROM pairing_codes WHERE {_OPEN}", (now_ms,))
        }
        code = rules.code_from_number(secrets.randbelow(10**rules.CODE_DIGITS))
        while rules.digest(code) in taken:  # two open codes never share digits
            code = rules.code_from_number(secrets.randbelow(10**rules.CODE_DIGITS))
        made = PairingCode(str(uuid7(now_ms)), code, now_ms + rules.CODE_LIFE_MS, kiosk)
        conn.execute(
            "INSERT INTO pairing_codes (id, code_hash, created_by, created_ms, expires_ms, kiosk)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (made.id, rules.digest(code), by, now_ms, made.expires_ms, kiosk),
        )
        data: dict[str, object] = {"by": by, "expires_ms": made.expires_ms, "kiosk": kiosk}
        _pairing_event(conn, made.id, "pairing_code_created", data, clock)
    return made


def claim(store: Store, code: str, name: str, clock: Callable[[], int]) -> Claimed:
    """Trade an open pairing code for a client token; the code is then used up.

    A wrong code is counted; the ``MAX_FAILURES``-th within the window cancels every
    open code.

    Raises:
        PairingThrottled: too many wrong codes lately (nothing is checked).
        PairingCodeInvalid: no open code matches (the attempt is counted).
    """
    now_ms = clock()
    with store.write() as conn:
        failures = [row[0] for row in conn.execute("SELECT at_ms FROM pairing_failures")]
        until = rules.refused_until(failures, now_ms)
        if until is not None:
            raise PairingThrottled(max(1, -(-(until - now_ms) // 1000)))
        digits = rules.normalise_code(code)
        row = None
        if digits is not None:
            row = conn.execute(
                f"SELECT id, kiosk FROM pairing_codes WHERE code_hash = ? AND {_OPEN}",
                (rules.digest(digits), now_ms),
            ).fetchone()
        if row is None:
            _record_failure(conn, failures, now_ms)
        else:
            done = Claimed(str(uuid7(now_ms)), name, bool(row[1]), secrets.token_urlsafe(32))
            conn.execute("UPDATE pairing_codes SET used_ms = ? WHERE id = ?", (now_ms, row[0]))
            conn.execute(
                "INSERT INTO paired_clients (id, name, token_hash, code_id, paired_ms, kiosk)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (done.id, name, rules.digest(done.token), row[0], now_ms, done.kiosk),
            )
            paired = {"name": name, "code_id": row[0], "kiosk": done.kiosk}
            _pairing_event(conn, done.id, "device_paired", paired, clock)
            return done
    raise PairingCodeInvalid("this pairing code is wrong, used or expired; ask for a new one")


def _record_failure(conn: sqlite3.Connection, failures: list[int], now_ms: int) -> None:
    conn.execute(
        "DELETE FROM pairing_failures WHERE at_ms <= ?", (now_ms - rules.FAILURE_WINDOW_MS,)
    )
    conn.execute("INSERT INTO pairing_failures (at_ms) VALUES (?)", (now_ms,))
    if rules.refused_until([*failures, now_ms], now_ms) is not None:
        conn.execute(f"UPDATE pairing_codes SET cancelled_ms = ? WHERE {_OPEN}", (now_ms, now_ms))


def check_client(conn: sqlite3.Connection, token: str | None, now_ms: int) -> Client:
    """The paired, unrevoked client with this token; call in a write transaction.

    Raises:
        PairingRequired: no token, or not the token of a paired device.
    """
    row = None
    if token:
        row = conn.execute(
            "SELECT id, coalesce(last_seen_ms, paired_ms), name, kiosk FROM paired_clients"
            " WHERE token_hash = ? AND revoked_ms IS NULL",
            (rules.digest(token),),
        ).fetchone()
    if row is None:
        raise PairingRequired("this device is not paired with the agent; pair it with a code")
    if now_ms - row[1] > _TOUCH_EVERY_MS:
        conn.execute("UPDATE paired_clients SET last_seen_ms = ? WHERE id = ?", (now_ms, row[0]))
    return Client(str(row[0]), str(row[2]), bool(row[3]))


def clients(conn: sqlite3.Connection) -> list[PairedClient]:
    """Every paired device, revoked ones included, newest first."""
    rows = conn.execute(
        "SELECT id, name, paired_ms, last_seen_ms, revoked_ms, revoked_by, kiosk"
        " FROM paired_clients ORDER BY paired_ms DESC, id DESC"
    )
    return [
        PairedClient(row[0], row[1], row[2], row[3], row[4], row[5], bool(row[6])) for row in rows
    ]


def revoke(store: Store, client_id: str, by: str, clock: Callable[[], int]) -> None:
    """Revoke a paired device: its token and the operator sessions opened from it end.

    Revoking a revoked device again changes nothing.

    Raises:
        PairingNotFound: no paired device with this id.
    """
    now_ms = clock()
    with store.write() as conn:
        row = conn.execute(
            "SELECT revoked_ms FROM paired_clients WHERE id = ?", (client_id,)
        ).fetchone()
        if row is None:
            raise PairingNotFound(client_id)
        if row[0] is not None:
            return
        conn.execute(
            "UPDATE paired_clients SET revoked_ms = ?, revoked_by = ? WHERE id = ?",
            (now_ms, by, client_id),
        )
        conn.execute(
            "UPDATE staff_sessions SET closed_ms = ? WHERE paired_client = ? AND closed_ms IS NULL",
            (now_ms, client_id),
        )
        _pairing_event(conn, client_id, "pairing_revoked", {"by": by}, clock)
