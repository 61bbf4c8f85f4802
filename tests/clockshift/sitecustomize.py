"""Test seam, never shipped: shift this process's wall clock by what a file says.

A test puts this directory first on ``PYTHONPATH`` and names a file in
``POS_TEST_CLOCK_FILE``; the file holds a signed offset in milliseconds. Python imports
``sitecustomize`` at start-up, so ``time.time``, ``time.time_ns`` and
``time.clock_gettime(_ns)`` for ``CLOCK_REALTIME`` then return the real time plus that
offset. The file is read again whenever it changes, so a test can set the clock of a
running process right (write ``0``) the way someone fixes a till's clock. Monotonic
clocks are left alone, as a real clock change leaves them. Without the variable,
nothing is touched.
"""

from __future__ import annotations

import os
import time

_PATH = os.environ.get("POS_TEST_CLOCK_FILE")


def _install(path: str) -> None:
    real_time, real_time_ns = time.time, time.time_ns
    real_gettime, real_gettime_ns = time.clock_gettime, time.clock_gettime_ns
    seen: list[object] = [None, 0]  # (file signature, offset in ms)

    def offset_ms() -> int:
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            return 0
        signature = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if signature != seen[0]:
            with open(path) as handle:
                text = handle.read().strip()
            seen[:] = [signature, int(text or "0")]
        return int(seen[1])  # type: ignore[call-overload]

    def shifted_time() -> float:
        return real_time() + offset_ms() / 1000

    def shifted_time_ns() -> int:
        return real_time_ns() + offset_ms() * 1_000_000

    def shifted_gettime(clock: int) -> float:
        extra = offset_ms() / 1000 if clock == time.CLOCK_REALTIME else 0
        return real_gettime(clock) + extra

    def shifted_gettime_ns(clock: int) -> int:
        extra = offset_ms() * 1_000_000 if clock == time.CLOCK_REALTIME else 0
        return real_gettime_ns(clock) + extra

    time.time, time.time_ns = shifted_time, shifted_time_ns
    time.clock_gettime, time.clock_gettime_ns = shifted_gettime, shifted_gettime_ns


if _PATH:
    _install(_PATH)
