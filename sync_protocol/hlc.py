"""Hybrid logical clock (Kulkarni et al., 2014) with packed, totally ordered timestamps.

A timestamp is one non-negative integer: the wall-clock part in Unix milliseconds shifted
left by 16 bits, plus a 16-bit logical counter. Comparing the integers compares the
timestamps, so they sort, index and travel as plain numbers. Ties between devices are
broken by the device id where an operation carries one (see :mod:`sync_protocol.merge`).

The clock never reads the time itself: it is given a ``wall_clock`` callable returning
Unix milliseconds, which keeps it deterministic under test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from sync_protocol.errors import ClockDriftError

LOGICAL_BITS = 16
LOGICAL_MASK = (1 << LOGICAL_BITS) - 1
#: Largest wall-clock value a timestamp can hold (2**47 ms is in the year 6429).
MAX_WALL_MS = (1 << 47) - 1
#: Default bound on how far a remote clock may run ahead of ours.
DEFAULT_MAX_DRIFT_MS = 5 * 60 * 1000


class HLCParts(NamedTuple):
    """A timestamp split into its wall-clock milliseconds and logical counter."""

    wall_ms: int
    logical: int


def pack(wall_ms: int, logical: int) -> int:
    """Pack a wall-clock time and a logical counter into one ordered integer.

    Raises:
        ValueError: if either part is out of range.
    """
    if not 0 <= wall_ms <= MAX_WALL_MS:
        raise ValueError(f"wall clock {wall_ms} ms is out of range")
    if not 0 <= logical <= LOGICAL_MASK:
        raise ValueError(f"logical counter {logical} is out of range")
    return (wall_ms << LOGICAL_BITS) | logical


def unpack(timestamp: int) -> HLCParts:
    """Split a packed timestamp into its parts."""
    return HLCParts(timestamp >> LOGICAL_BITS, timestamp & LOGICAL_MASK)


def format_timestamp(timestamp: int) -> str:
    """Render a timestamp for people and logs, e.g. ``1700000000123.0004``."""
    wall_ms, logical = unpack(timestamp)
    return f"{wall_ms}.{logical:04x}"


def ensure_within_drift(timestamp: int, local_ms: int, max_drift_ms: int) -> None:
    """Check that a remote timestamp is not too far ahead of a local wall clock.

    Raises:
        ClockDriftError: if the timestamp's wall part exceeds ``local_ms + max_drift_ms``.
    """
    if is_far_ahead(timestamp, local_ms, max_drift_ms):
        raise ClockDriftError(timestamp >> LOGICAL_BITS, local_ms, max_drift_ms)


def is_far_ahead(timestamp: int, local_ms: int, max_drift_ms: int = DEFAULT_MAX_DRIFT_MS) -> bool:
    """Whether a timestamp's wall part is more than ``max_drift_ms`` ahead of ``local_ms``
    (the test :func:`ensure_within_drift` raises on)."""
    return (timestamp >> LOGICAL_BITS) - local_ms > max_drift_ms


def corrected_ms(
    wall_ms: int, skew_ms: int | None, max_drift_ms: int = DEFAULT_MAX_DRIFT_MS
) -> int:
    """Trusted time: a wall clock corrected by its measured skew (wall clock minus a
    reference clock) when that skew is beyond the drift bound, else the wall clock as is.

    A skew within the bound is left alone: it is measurement noise or a drift the
    protocol tolerates, and correcting it would make stamps jitter with each measure.
    """
    if skew_ms is None or abs(skew_ms) <= max_drift_ms:
        return wall_ms
    return max(0, wall_ms - skew_ms)


class HybridLogicalClock:
    """One node's hybrid logical clock.

    Every timestamp it issues is strictly greater than the previous one and its wall
    part is never behind the wall clock at the time of issue.

    Args:
        wall_clock: returns the current Unix time in milliseconds.
        max_drift_ms: how far ahead of ``wall_clock`` a received timestamp may be.
        last: the last timestamp this node issued (restored from storage after restart).
    """

    def __init__(
        self,
        wall_clock: Callable[[], int],
        *,
        max_drift_ms: int = DEFAULT_MAX_DRIFT_MS,
        last: int = 0,
    ) -> None:
        if max_drift_ms < 0:
            raise ValueError("max_drift_ms must not be negative")
        self._wall_clock = wall_clock
        self.max_drift_ms = max_drift_ms
        self._last = last

    @property
    def last(self) -> int:
        """The last timestamp issued, to persist across restarts."""
        return self._last

    def now(self) -> int:
        """Issue a timestamp for a local event or a message about to be sent."""
        wall = self._wall_clock()
        last_wall, last_logical = unpack(self._last)
        if wall > last_wall:
            return self._issue(wall, 0)
        return self._issue(last_wall, last_logical + 1)

    send = now

    def receive(self, remote: int) -> int:
        """Merge a timestamp received from another node and issue one after both.

        Raises:
            ClockDriftError: if ``remote`` is more than ``max_drift_ms`` ahead of our wall
                clock. The clock is left unchanged, so a bad peer cannot poison it.
        """
        wall = self._wall_clock()
        ensure_within_drift(remote, wall, self.max_drift_ms)
        last_wall, last_logical = unpack(self._last)
        remote_wall, remote_logical = unpack(remote)
        new_wall = max(wall, last_wall, remote_wall)
        if new_wall == last_wall == remote_wall:
            logical = max(last_logical, remote_logical) + 1
        elif new_wall == last_wall:
            logical = last_logical + 1
        elif new_wall == remote_wall:
            logical = remote_logical + 1
        else:
            logical = 0
        return self._issue(new_wall, logical)

    def _issue(self, wall_ms: int, logical: int) -> int:
        # A full logical counter borrows one millisecond: the order stays strict and the
        # timestamp runs at most a few milliseconds ahead of the wall clock.
        if logical > LOGICAL_MASK:
            wall_ms, logical = wall_ms + 1, 0
        self._last = pack(wall_ms, logical)
        return self._last
