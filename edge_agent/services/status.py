"""What the device holds right now, for ``pos-agent status`` and support."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from edge_agent.services.drawer_sessions import latest_session
from edge_agent.store.device import identity
from sync_protocol.lifecycle import TICKET


@dataclass(frozen=True, slots=True)
class DeviceStatus:
    """A summary of the device: who it is, what is unsynced, what is open."""

    tenant: str
    outlet: str
    device_code: str
    device_id: str
    last_seq: int
    acked_seq: int
    open_tickets: int
    drawer: str

    @property
    def pending_ops(self) -> int:
        """Ops written here that the hub has not acknowledged."""
        return self.last_seq - self.acked_seq


def device_status(conn: sqlite3.Connection) -> DeviceStatus:
    """Read the device's status.

    Raises:
        LookupError: the device database was never initialised.
    """
    me = identity(conn)
    last_seq, acked_seq = conn.execute("SELECT last_seq, acked_seq FROM device").fetchone()
    unsettled = [status for status in TICKET.statuses if status not in TICKET.terminal]
    (open_tickets,) = conn.execute(  # by the status index: closed tickets are never read
        f"SELECT count(*) FROM tickets WHERE status IN ({', '.join('?' for _ in unsettled)})",
        unsettled,
    ).fetchone()
    session = latest_session(conn)
    return DeviceStatus(
        tenant=me.tenant,
        outlet=me.outlet,
        device_code=me.device_code,
        device_id=str(me.device_id),
        last_seq=last_seq,
        acked_seq=acked_seq,
        open_tickets=open_tickets,
        drawer=session.status if session else "never opened",
    )
