"""Trusted time: the device's best knowledge of the hub's clock (ADR 0012).

A handshake measures the wall clock against the hub's (:class:`ClockReading`). From then
on, while the device has not restarted its machine, the hub's time is known without the
wall clock at all: the hub's time at the measure plus the time elapsed on the boot clock
(which counts suspend, and which nobody sets). That estimate is used whenever the wall
clock is known to be wrong:

- the measured skew is beyond the drift bound (the clock was wrong at the handshake), or
- the wall clock has moved more than the drift bound away from the boot clock since the
  measure (someone set it, right or wrong, after the handshake).

Otherwise the wall clock is trusted as it is (a skew within the bound is measurement
noise or a drift the protocol tolerates). After a reboot the boot clock starts over, so
only the measured skew is left: the wall clock minus that skew while it is beyond the
bound (``sync_protocol.hlc.corrected_ms``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sync_protocol.hlc import DEFAULT_MAX_DRIFT_MS, corrected_ms


@dataclass(frozen=True, slots=True)
class ClockReading:
    """What the last handshake measured.

    Attributes:
        skew_ms: the wall clock minus the hub's clock.
        wall_ms: the wall clock when measured.
        boot_ms: the boot clock when measured (None: not known).
    """

    skew_ms: int
    wall_ms: int
    boot_ms: int | None


def trusted_ms(
    wall_ms: int,
    boot_ms: int,
    reading: ClockReading | None,
    max_drift_ms: int = DEFAULT_MAX_DRIFT_MS,
) -> int:
    """The device's trusted time now, from its wall and boot clocks and the last reading."""
    if reading is None:
        return wall_ms
    if reading.boot_ms is None or boot_ms < reading.boot_ms:
        return corrected_ms(wall_ms, reading.skew_ms, max_drift_ms)
    elapsed = boot_ms - reading.boot_ms
    wall_moved = abs((wall_ms - reading.wall_ms) - elapsed) > max_drift_ms
    if abs(reading.skew_ms) > max_drift_ms or wall_moved:
        return max(0, reading.wall_ms - reading.skew_ms + elapsed)
    return wall_ms
