"""When to sync next: the interval after a success, backoff with jitter after failures.

Pure: the caller passes the random draw, so tests check the numbers without a clock.
Failures back off exponentially with "equal jitter" (half the window fixed, half random),
so a fleet of tills that lost the hub together does not return in lockstep, and a retry
never comes sooner than half the window. The hub's ``retry_after_s`` is a floor.

While the hub does not answer, a cheap probe (``GET /health``) every ``probe_s`` (±25 %)
finds out when it is back, so the next run need not wait out a window of up to a minute.
For ``catch_up_window_s`` after the first success that ends a failed spell, runs come every
``catch_up_s`` instead of the interval: the other devices of the outlet are draining their
backlogs too, and this one pulls their ops as they land rather than an interval later.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The longest wait between retries after failures (unless the hub asks for longer).
MAX_BACKOFF_S = 60.0
#: How often a device whose hub does not answer asks whether it answers again.
PROBE_INTERVAL_S = 2.0
#: The interval for a while after the hub came back: the outlet's other devices are
#: pushing their backlogs too, and this device should pull them as they land.
CATCH_UP_INTERVAL_S = 1.0
CATCH_UP_WINDOW_S = 15.0


@dataclass(frozen=True, slots=True)
class Backoff:
    """Delays between sync runs.

    Attributes:
        interval_s: the steady-state wait after a successful run.
        base_s: the first retry window after a failure.
        cap_s: the largest retry window.
        spread: the fraction of ``interval_s`` jittered around it after a success.
        probe_s: the wait between probes while the hub does not answer.
        catch_up_s: the interval during ``catch_up_window_s`` after a failed spell ends.
        catch_up_window_s: how long after the first success the short interval lasts.
    """

    interval_s: float
    base_s: float = 1.0
    cap_s: float = MAX_BACKOFF_S
    spread: float = 0.1
    probe_s: float = PROBE_INTERVAL_S
    catch_up_s: float = CATCH_UP_INTERVAL_S
    catch_up_window_s: float = CATCH_UP_WINDOW_S

    def window(self, failures: int) -> float:
        """The retry window after ``failures`` consecutive failures (0 for none)."""
        if failures <= 0:
            return 0.0
        return min(self.cap_s, self.base_s * 2.0 ** min(failures - 1, 32))

    def delay(self, failures: int, draw: float, retry_after_s: float | None = None) -> float:
        """Seconds until the next run.

        Args:
            failures: consecutive failed runs so far (0 after a success).
            draw: a random number in [0, 1).
            retry_after_s: the hub's "not before", if it gave one.
        """
        if failures <= 0:
            delay = self.interval_s * (1.0 - self.spread / 2 + self.spread * draw)
        else:
            window = self.window(failures)
            delay = window / 2 + window / 2 * draw
        if retry_after_s is not None:
            delay = max(delay, float(retry_after_s))
        return delay

    def probe_delay(self, draw: float) -> float:
        """Seconds until the next probe of a hub that does not answer: ``probe_s`` ±25 %."""
        return self.probe_s * (0.75 + 0.5 * draw)

    def catch_up_delay(self, draw: float) -> float:
        """Seconds until the next run soon after the hub came back (never above the
        interval): ``catch_up_s`` ±25 %."""
        return min(self.interval_s, self.catch_up_s) * (0.75 + 0.5 * draw)
