"""What the device can truthfully say about its sync, from its own database only.

"Online" means the last run succeeded within ``online_window_ms`` and nothing failed
since: a device that never reached the hub, whose last run failed, or whose scheduler has
stopped reports offline, whatever its network looks like.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from edge_agent.store import kept_state, sync_state
from edge_agent.store.sync_state import QuarantinedOp, SyncState
from sync_protocol.ticket_money import money_conflict_id

#: How many conflicts and quarantined ops the status lists (the counts are complete).
LISTED = 50


@dataclass(frozen=True, slots=True)
class OpenConflict:
    """Concurrent writes of one field that no resolving edit has settled yet, or a
    ticket's money conflict (``field`` ``money``; ``kind`` ``overpaid``, ``balance_due``
    or ``voided_with_payments``, ``amount`` what is at stake)."""

    conflict_id: str
    entity: str
    entity_id: str
    field: str
    kind: str = "field"
    amount: int = 0


@dataclass(frozen=True, slots=True)
class SyncStatus:
    """The device's sync, as ``GET /api/v1/sync/status`` and ``pos-agent status`` show it."""

    enrolled: bool
    online: bool
    state: SyncState
    last_seq: int
    acked_seq: int
    quarantined_count: int
    quarantined: list[QuarantinedOp]
    conflicts_count: int
    conflicts: list[OpenConflict]

    @property
    def pending_ops(self) -> int:
        """Ops written here that the hub has not acknowledged."""
        return max(0, self.last_seq - self.acked_seq)

    @property
    def held_by_hub(self) -> int:
        """Ops the hub acknowledged but holds in quarantine (not released or discarded):
        acknowledged is not applied, so they are not "synced"."""
        return self.quarantined_count

    @property
    def summary(self) -> str:
        """One line for people: what is pending and what the hub holds."""
        parts = []
        if self.pending_ops:
            parts.append(f"{self.pending_ops} ops pending")
        if self.held_by_hub:
            parts.append(f"{self.held_by_hub} ops held by the hub")
        return ", ".join(parts) or "nothing pending"


def is_online(state: SyncState, now_ms: int, online_window_ms: int) -> bool:
    """Whether the last run succeeded recently and no run failed after it."""
    success = state.last_success_ms
    # A success stamped ahead of now came from a clock since put back: not known recent.
    if success is None or not 0 <= now_ms - success <= online_window_ms:
        return False
    return state.last_error_ms is None or state.last_error_ms < success


def online_now(conn: sqlite3.Connection, now_ms: int, online_window_ms: int) -> bool:
    """Whether an enrolled device is online now, by the same rule its status shows.

    A till that is online takes cards as confirmed (authorized while the hub answers);
    offline, a card is stored and forwarded, within the offline limits.
    """
    state = sync_state.read(conn)
    return state.enrolled_ms is not None and is_online(state, now_ms, online_window_ms)


def open_conflicts(conn: sqlite3.Connection) -> list[OpenConflict]:
    """Every unresolved conflict the device holds, field conflicts then money conflicts.

    Field conflicts are kept as the ops arrive (:mod:`edge_agent.store.kept_state`) and
    money conflicts on the ticket read model, so the work does not grow with the log.
    """
    found = [
        OpenConflict(c.conflict_id, c.entity, c.entity_id, c.field)
        for c in kept_state.open_field_conflicts(conn)
    ]
    money = conn.execute(
        "SELECT id, money_conflict, money_conflict_amount FROM tickets"
        " WHERE money_conflict IS NOT NULL ORDER BY id"
    )
    for ticket_id, kind, amount in money:
        conflict_id = money_conflict_id(ticket_id, kind)
        found.append(OpenConflict(conflict_id, "ticket", ticket_id, "money", kind, amount))
    return found


def sync_status(
    conn: sqlite3.Connection, now_ms: int, *, online_window_ms: int, enrolled: bool
) -> SyncStatus:
    """Read the device's sync status.

    Raises:
        LookupError: the device database was never initialised.
    """
    state = sync_state.read(conn)
    position = sync_state.positions(conn)
    conflicts = open_conflicts(conn)
    return SyncStatus(
        enrolled=enrolled,
        online=enrolled and is_online(state, now_ms, online_window_ms),
        state=state,
        last_seq=position.last_seq,
        acked_seq=position.acked_seq,
        quarantined_count=sync_state.quarantined_count(conn, sync_state.HELD),
        quarantined=sync_state.quarantined(conn, LISTED),
        conflicts_count=len(conflicts),
        conflicts=conflicts[:LISTED],
    )
