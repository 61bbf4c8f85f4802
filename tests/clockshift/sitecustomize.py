"""Test seam, never shipped: shift this process's wall clock by what a file says.

A test puts this directory first on ``PYTHONPATH`` and names a file in
``POS_TEST_CLOCK_FILE``; the file holds a signed offset in milliseconds, and optionally a
second one for the boot clock. Python imports ``sitecustomize`` at start-up, so
``time.time``, ``time.time_ns`` and ``time.clock_gettime(_ns)`` for ``CLOCK_REALTIME``
then return the real time plus the first offset, and ``CLOCK_BOOTTIME`` plus the second
(a negative one makes a process started after it see a machine that just booted). The
file is read again whenever it changes, so a test can set the clock of a running process
right (write ``0``) the way someone fixes a till's clock. The monotonic clock is left
alone, as a real clock change leaves it. Without the variable, nothing is touched.
"""

from __future__ import annotations

import os
import time

_PATH = os.environ.get("POS_TEST_CLOCK_FILE")


def _install(path: str) -> None:
    real_time, real_time_ns = time.time, time.time_ns
    real_gettime, real_gettime_ns = time.clock_gettime, time.clock_gettime_ns
    seen: list[object] = [None, (0, 0)]  # file signature, (wall, boot) offsets in ms

    def offsets() -> tuple[int, int]:
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            return 0, 0
        signature = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if signature != seen[0]:
            with open(path) as handle:
                numbers = [int(word) for word in handle.read().split()] + [0, 0]
            seen[:] = [signature, (numbers[0], numbers[1])]
        wall, boot = seen[1]  # type: ignore[misc]
        return int(wall), int(boot)

    def offset_ms() -> int:
        return offsets()[0]

    def extra_ms(clock: int) -> int:
        if clock == time.CLOCK_REALTIME:
            return offsets()[0]
        if clock == getattr(time, "CLOCK_BOOTTIME", None):
            return offsets()[1]
        return 0

    def shifted_time() -> float:
        return real_time() + offset_ms() / 1000

    def shifted_time_ns() -> int:
        return real_time_ns() + offset_ms() * 1_000_000

    def shifted_gettime(clock: int) -> float:
        return real_gettime(clock) + extra_ms(clock) / 1000

    def shifted_gettime_ns(clock: int) -> int:
        return real_gettime_ns(clock) + extra_ms(clock) * 1_000_000

    time.time, time.time_ns = shifted_time, shifted_time_ns
    time.clock_gettime, time.clock_gettime_ns = shifted_gettime, shifted_gettime_ns


if _PATH:
    _install(_PATH)
