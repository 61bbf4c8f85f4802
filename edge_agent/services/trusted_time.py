"""What a handshake tells the device about its clock (ADR 0012, protocol §5 and §16).

The device sends its wall clock as it is (never corrected) and reads the hub's in the
answer. Its skew is measured like NTP does, from the midpoint of the round trip:
``(sent + received) / 2 - hub_clock_ms``; the lead of its last stamp is
``wall(device_hlc) - hub_clock_ms``. Both are stored for the status.

The op log stamps with trusted time (:mod:`edge_agent.domain.clock`): the wall clock, or,
while it is known to be wrong, the hub's time carried on from the measure. A skew beyond
the drift bound is recorded as the clock problem; once a handshake finds the clock back
within the bound, the recorded clock problem is cleared.
"""

from __future__ import annotations

import sqlite3

from edge_agent.store import sync_state
from sync_protocol import HandshakeAccepted
from sync_protocol.hlc import DEFAULT_MAX_DRIFT_MS


def measured(
    conn: sqlite3.Connection,
    accepted: HandshakeAccepted,
    sent_ms: int,
    received_ms: int,
    hlc: int,
) -> int:
    """Record the clock a handshake measured; return the wall clock's skew (ms, this
    device minus the hub). Call inside a write transaction."""
    skew = (sent_ms + received_ms) // 2 - accepted.hub_clock_ms
    hlc_skew = (hlc >> 16) - accepted.hub_clock_ms if hlc else None
    sync_state.record_handshake(
        conn,
        accepted.hub_epoch,
        skew,
        hlc_skew_ms=hlc_skew,
        measured_ms=received_ms,
        measured_boot_ms=sync_state.boot_clock_ms(),
    )
    if abs(skew) > DEFAULT_MAX_DRIFT_MS:
        sync_state.record_clock_problem(
            conn,
            received_ms,
            f"this device's clock is {describe(skew)} the hub's; ops are stamped with the "
            "hub-corrected time until the clock is set right",
        )
    else:
        sync_state.clear_clock_problem(conn)
    return skew


def describe(skew_ms: int) -> str:
    """``86400000 ms ahead of`` / ``1200 ms behind``, for messages."""
    return f"{abs(skew_ms)} ms {'ahead of' if skew_ms >= 0 else 'behind'}"
