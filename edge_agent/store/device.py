"""The device's identity row: who it is, its counters and its sync positions."""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DeviceIdentity:
    """Who this device is, as written at ``pos-agent init`` or enrollment."""

    device_id: uuid.UUID
    tenant: str
    outlet: str
    device_code: str
    currency: str
    timezone: str


def identity(conn: sqlite3.Connection) -> DeviceIdentity:
    """Read the device identity.

    Raises:
        LookupError: if the database was never initialised.
    """
    row = conn.execute(
        "SELECT device_id, tenant, outlet, device_code, currency, timezone FROM device"
    ).fetchone()
    if row is None:
        raise LookupError("the device database is not initialised; run `pos-agent init`")
    return DeviceIdentity(uuid.UUID(row[0]), *row[1:])


def initialise(conn: sqlite3.Connection, me: DeviceIdentity) -> bool:
    """Write the identity of a new device; call inside a write transaction.

    Returns:
        False if the device already had an identity (it is kept unchanged).
    """
    cursor = conn.execute(
        "INSERT OR IGNORE INTO device (id, device_id, tenant, outlet, device_code, currency,"
        " timezone) VALUES (1, ?, ?, ?, ?, ?, ?)",
        (str(me.device_id), me.tenant, me.outlet, me.device_code, me.currency, me.timezone),
    )
    return cursor.rowcount == 1
