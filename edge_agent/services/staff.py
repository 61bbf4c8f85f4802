"""Operators: PIN sign-in with lockout, sessions, and inline manager overrides."""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from edge_agent.domain.errors import WrongPin
from edge_agent.domain.rbac import (
    LockoutPolicy,
    Override,
    Permission,
    Role,
    authorize_with_override,
    verify_pin,
)
from edge_agent.services import outlet_settings
from edge_agent.services.errors import NoStaffYet, NotSignedIn, SessionExpired
from edge_agent.store import oplog, reference
from edge_agent.store.device import identity
from edge_agent.store.gateway import Store

LOCKOUT = LockoutPolicy()
_TOUCH_EVERY_MS = 30_000
KNOWN_PERMISSIONS = frozenset(p.value for p in Permission)


@dataclass(frozen=True, slots=True)
class Operator:
    """The staff member behind a session."""

    staff_id: str
    name: str
    role: Role
    token: str


def _role(conn: sqlite3.Connection, role_id: str) -> Role:
    data = reference.get(conn, "role", role_id)
    if data is None:
        raise LookupError(f"role {role_id!r} is not on this device")
    return Role(
        data["name"],
        # A permission this agent does not know (a newer hub's) grants nothing here.
        frozenset(Permission(p) for p in data["permissions"] if p in KNOWN_PERMISSIONS),
        data["discount_limit_bp"],
        data.get("sells", True),
    )


def _match(conn: sqlite3.Connection, pin: str) -> tuple[str, dict[str, str]] | None:
    # Staff of other outlets come without a PIN hash: this till cannot sign them in.
    for staff_id, data in reference.load(conn, "staff").items():
        if "pin_hash" in data and verify_pin(pin, data["pin_hash"]):
            return staff_id, data
    return None


def sign_in(
    store: Store, pin: str, clock: Callable[[], int], *, paired_client: str | None = None
) -> Operator:
    """Open an operator session for the staff member with this PIN.

    A session opened from a paired LAN device (``paired_client``) serves that device only.

    Wrong PINs are counted on the device, with wrong inline manager PINs
    (:func:`counting_pin_failures`); after too many the till refuses PINs for a while,
    whoever types them.

    Raises:
        StaffLockedOut: too many wrong PINs recently.
        NoStaffYet: no staff member can sign in here yet (nothing is counted).
        WrongPin: no staff member has this PIN (the attempt is recorded).
    """
    now_ms = clock()
    with store.write() as conn:
        _ensure_not_locked(conn, now_ms)
        if not any("pin_hash" in data for data in reference.load(conn, "staff").values()):
            raise NoStaffYet(
                "no staff can sign in on this till yet: it has not received its staff from "
                "the hub; check its connection and sync"
            )
        found = _match(conn, pin)
        if found is None:
            _record_failure(conn, now_ms)
        else:
            staff_id, data = found
            token = secrets.token_urlsafe(24)
            conn.execute(
                "INSERT INTO staff_sessions (token, staff_id, opened_ms, paired_client)"
                " VALUES (?, ?, ?, ?)",
                (token, staff_id, now_ms, paired_client),
            )
            oplog.append(
                conn,
                [oplog.Draft("event", "staff", staff_id, {"name": "signed_in", "data": {}})],
                clock,
            )
            return Operator(staff_id, data["name"], _role(conn, data["role"]), token)
    raise WrongPin("wrong PIN")


def _ensure_not_locked(conn: sqlite3.Connection, now_ms: int) -> None:
    # In the outlet's zone, so the lockout's end reads as the till's clock shows it.
    zone = ZoneInfo(identity(conn).timezone)
    failures = [
        datetime.fromtimestamp(row[0] / 1000, zone)
        for row in conn.execute("SELECT at_ms FROM pin_failures")
    ]
    LOCKOUT.ensure_not_locked(failures, datetime.fromtimestamp(now_ms / 1000, zone))


def _record_failure(conn: sqlite3.Connection, now_ms: int) -> None:
    # Failures age out; a successful PIN does not wipe them, or a cashier could reset
    # the count with their own PIN between guesses at a manager's.
    horizon = int((LOCKOUT.window + LOCKOUT.lock_for).total_seconds() * 1000)
    conn.execute("DELETE FROM pin_failures WHERE at_ms < ?", (now_ms - horizon,))
    conn.execute("INSERT INTO pin_failures (at_ms) VALUES (?)", (now_ms,))


@contextmanager
def counting_pin_failures(
    store: Store, clock: Callable[[], int], *, pin_given: bool
) -> Iterator[None]:
    """Run an action that may check an inline manager PIN under the sign-in lockout.

    A wrong manager PIN counts as a wrong sign-in PIN (recorded after the action's
    transaction rolled back), and while the till is locked out no manager PIN is
    checked at all.

    Raises:
        StaffLockedOut: a PIN was given while the till is locked out.
    """
    if pin_given:
        with store.read() as conn:
            _ensure_not_locked(conn, clock())
    try:
        yield
    except WrongPin:
        with store.write() as conn:
            _record_failure(conn, clock())
        raise


def check_session(
    conn: sqlite3.Connection, token: str | None, now_ms: int, *, paired_client: str | None = None
) -> Operator:
    """The operator of a session that is open and has not run out; marks it used.

    The session must come from where it was opened: the paired LAN device
    ``paired_client``, or (None) the till itself.

    A session ends after the outlet's idle time without a request, and at the latest
    its longest life after sign-in (``outlet_settings.session_limits_ms``). Call inside
    a write transaction (the session's last use is recorded at most every 30 s).

    Raises:
        NotSignedIn: no such open session.
        SessionExpired: the session ran out.
    """
    who = operator(conn, token)
    opened, seen, client = conn.execute(
        "SELECT opened_ms, coalesce(last_seen_ms, opened_ms), paired_client"
        " FROM staff_sessions WHERE token = ?",
        (token,),
    ).fetchone()
    if client != paired_client:
        raise NotSignedIn("this session was opened on another device; sign in with your PIN")
    idle_ms, longest_ms = outlet_settings.session_limits_ms(conn)
    if now_ms - seen > idle_ms or now_ms - opened > longest_ms:
        raise SessionExpired("your session has ended; sign in with your PIN again")
    if now_ms - seen > _TOUCH_EVERY_MS:
        conn.execute("UPDATE staff_sessions SET last_seen_ms = ? WHERE token = ?", (now_ms, token))
    return who


def sign_out(conn: sqlite3.Connection, token: str | None, now_ms: int) -> None:
    """End the operator's session; call inside a write transaction.

    Raises:
        NotSignedIn: no such open session.
    """
    operator(conn, token)
    conn.execute("UPDATE staff_sessions SET closed_ms = ? WHERE token = ?", (now_ms, token))


def operator(conn: sqlite3.Connection, token: str | None) -> Operator:
    """The operator of an open session.

    Raises:
        NotSignedIn: no such open session.
    """
    row = None
    if token:
        row = conn.execute(
            "SELECT staff_id FROM staff_sessions WHERE token = ? AND closed_ms IS NULL", (token,)
        ).fetchone()
    if row is None:
        raise NotSignedIn("sign in with your PIN first")
    data = reference.get(conn, "staff", row[0])
    if data is None:
        raise NotSignedIn("this staff member is no longer on this device; sign in again")
    if "pin_hash" not in data:  # moved to another outlet: their session here ends too
        raise NotSignedIn("this staff member no longer works at this outlet")
    return Operator(row[0], data["name"], _role(conn, data["role"]), token or "")


def authorize(
    conn: sqlite3.Connection,
    who: Operator,
    permission: Permission,
    manager_pin: str | None,
    *,
    discount_bp: int | None = None,
) -> Override | None:
    """Check an action, with an inline manager override when the operator lacks the right.

    Returns:
        The override to record with the action, or None when none was needed.

    Raises:
        PermissionDenied: neither the operator nor the manager (if any) may do it.
        WrongPin: a manager PIN was given but matches nobody.
    """
    manager_role, manager_id = None, None
    if manager_pin is not None:
        found = _match(conn, manager_pin)
        if found is None:
            raise WrongPin("wrong manager PIN")
        manager_id, data = found
        manager_role = _role(conn, data["role"])
    return authorize_with_override(
        who.role, permission, manager_role, manager_id=manager_id, discount_bp=discount_bp
    )
