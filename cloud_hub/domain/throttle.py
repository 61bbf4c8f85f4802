"""Failure throttle: at most ``limit`` failures per key within a sliding window.

Pure: the caller gives the time. Memory is bounded: a key keeps at most ``limit``
failure times, and past ``max_keys`` keys the least recently failing are forgotten.
"""

from __future__ import annotations

from collections import OrderedDict, deque


class FailureThrottle:
    """Counts failures per key (an address, or one bucket for everyone)."""

    def __init__(self, limit: int, window_ms: int, *, max_keys: int = 10_000) -> None:
        self.limit, self.window_ms, self.max_keys = limit, window_ms, max_keys
        self._failures: OrderedDict[str, deque[int]] = OrderedDict()

    def retry_after_ms(self, key: str, now_ms: int) -> int:
        """0 when ``key`` may try now; otherwise how long until its oldest failure ages out."""
        times = self._failures.get(key)
        if times is None:
            return 0
        while times and times[0] <= now_ms - self.window_ms:
            times.popleft()
        if not times:
            del self._failures[key]
            return 0
        return 0 if len(times) < self.limit else times[0] + self.window_ms - now_ms

    def fail(self, key: str, now_ms: int) -> None:
        """Count one failure of ``key`` at ``now_ms``."""
        times = self._failures.pop(key, None) or deque(maxlen=self.limit)
        times.append(now_ms)
        self._failures[key] = times
        while len(self._failures) > self.max_keys:
            self._failures.popitem(last=False)
