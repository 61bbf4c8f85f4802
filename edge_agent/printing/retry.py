"""When to try a failed print job again: exponential backoff with jitter.

The delay doubles from ``base_s`` with each attempt up to ``max_s``, and a random part
(half of it) spreads the retries of several tills sharing one network printer, so a
printer that comes back is not hit by all of them at the same instant.
"""

from __future__ import annotations

#: Drawer kicks older than this are dropped, never replayed (a drawer that opens
#: minutes after the sale, with nobody at the till, is worse than one that did not).
KICK_TTL_MS = 15_000


def retry_delay_s(attempt: int, base_s: float, max_s: float, jitter: float) -> float:
    """The wait before the next try after ``attempt`` failed tries.

    Args:
        attempt: failed tries so far, from 1.
        base_s: the first delay.
        max_s: the largest delay.
        jitter: a random number in [0, 1); 0 gives half the delay, 1 all of it.
    """
    ceiling = min(max_s, base_s * (1 << max(0, min(attempt - 1, 30))))
    return ceiling / 2 + ceiling / 2 * min(max(jitter, 0.0), 1.0)
