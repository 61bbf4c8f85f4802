"""Sync on a timer with backoff and jitter, and right after every local commit.

An APScheduler 3 ``BackgroundScheduler`` holds one job, ``sync``; each run sets the next
run time: after the interval when it succeeded, after a jittered exponential
backoff (at least the hub's ``retry_after_s``) when it failed. While the hub answers,
:meth:`SyncScheduler.kick` moves the next run to now, and a kick that arrives while a run
is in progress makes another run follow at once, so an op committed after the push phase
never waits for the timer; while it fails, kicks leave the backoff alone.

While the hub does not answer (``hub_unreachable``) or cannot serve (``unavailable``),
the job wakes every few seconds (``Backoff.probe_delay``) to probe the hub (``GET
/health``) instead of sleeping out the backoff: the full run starts as soon as a probe
gets an answer, and otherwise when the backoff runs out. The hub's ``retry_after_s``
still holds: no probe comes sooner. Failures of another kind (a refused credential, a
rate limit, a bad answer) are not probed: a healthy ``/health`` says nothing about them.
After such a spell ends, runs come every second or so for a short while
(``Backoff.catch_up_delay``), so this device pulls what the outlet's other devices push
as they drain their own backlogs.
One run at a time: the job has ``max_instances=1`` and the runner its own lock.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler  # type: ignore[import-untyped]
from apscheduler.schedulers.base import BaseScheduler  # type: ignore[import-untyped]

from edge_agent.services.sync import SyncOutcome
from edge_agent.sync.backoff import Backoff
from edge_agent.sync.errors import SyncError

log = logging.getLogger(__name__)
JOB_ID = "sync"
#: Failures after which the hub may answer again any moment: probed, not waited out.
PROBED_FAILURES = frozenset({"hub_unreachable", "unavailable"})


class SyncScheduler:
    """Runs ``run`` now and then, never two at once.

    Args:
        run: one sync run (``SyncRunner.run``); its errors are logged, never raised.
        backoff: the interval and the retry policy.
        draw: random numbers in [0, 1) for the jitter.
        scheduler: an APScheduler scheduler (default: a background one, UTC).
        probe: whether the hub answers now (``SyncRunner.hub_answers``); none: no probes.
        clock: monotonic seconds.
    """

    def __init__(
        self,
        run: Callable[[], SyncOutcome],
        backoff: Backoff,
        *,
        draw: Callable[[], float] = random.random,
        scheduler: BaseScheduler | None = None,
        probe: Callable[[], bool] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._run = run
        self._probe = probe
        self._clock = clock
        # While probing: when the backoff lets the next run start anyway (monotonic s).
        self._run_due: float | None = None
        # When the last failed spell ended: runs come at the catch-up interval for a while.
        self._recovered_at: float | None = None
        self.backoff = backoff
        self._draw = draw
        self._scheduler = scheduler or BackgroundScheduler(timezone=UTC)
        self._lock = threading.Lock()
        self._running = False
        self._started = False
        self._closed = False
        self._kicks = 0
        self.failures = 0
        self.runs = 0
        self.probes = 0

    def start(self) -> None:
        """Start the scheduler and sync once right away."""
        self._scheduler.start()
        # One permanent job whose own trigger (a year) never matters: every run sets the
        # next run time itself. A permanent job is updated, never removed, after it is
        # submitted, which keeps clear of APScheduler's remove-during-shutdown race.
        self._scheduler.add_job(
            self._tick,
            "interval",
            days=365,
            id=JOB_ID,
            next_run_time=datetime.now(UTC),
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
        )
        with self._lock:
            self._started = True

    def shutdown(self) -> None:
        """Stop scheduling; wait for a run in progress to end."""
        with self._lock:
            # APScheduler's shutdown holds its job store lock while it waits for running
            # jobs, so a run that rescheduled itself now would deadlock it: no more jobs.
            self._closed = True
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    def kick(self) -> None:
        """Sync as soon as possible (called after every commit that wrote ops).

        Only while the hub answers: after a failure the backoff stands, so a busy till
        does not hammer a hub that is coming back.
        """
        with self._lock:
            self._kicks += 1
            idle = self._started and not self._running and not self._closed
            if idle and self.failures == 0:
                self._schedule(0.0)

    def _schedule(self, delay_s: float) -> None:
        run_at = datetime.now(UTC) + timedelta(seconds=delay_s)
        self._scheduler.modify_job(JOB_ID, next_run_time=run_at)

    def _tick(self) -> None:
        if self._still_unanswered():
            return
        with self._lock:
            self._running = True
            self._run_due = None
            kicks_seen = self._kicks
        outcome: SyncOutcome | None = None
        code: str | None = None
        try:
            outcome = self._run()
            code = outcome.error_code
        except SyncError as exc:
            code = exc.code
            log.warning("sync run failed: %s", exc)
        except Exception:
            log.exception("sync run failed")
        with self._lock:
            self._running = False
            self.runs += 1
            ok = outcome is not None and outcome.ok
            if ok and self.failures:
                self._recovered_at = self._clock()
            self.failures = 0 if ok else self.failures + 1
            retry_after = outcome.retry_after_s if outcome is not None else None
            if ok and self._kicks != kicks_seen:
                delay = 0.0
            elif ok and self._catching_up():
                delay = self.backoff.catch_up_delay(self._draw())
            else:
                delay = self.backoff.delay(self.failures, self._draw(), retry_after)
            if not ok and self._probe is not None and code in PROBED_FAILURES:
                probe_in = max(float(retry_after or 0), self.backoff.probe_delay(self._draw()))
                if probe_in < delay:
                    self._run_due = self._clock() + delay
                    delay = probe_in
            if not self._closed:
                self._schedule(delay)

    def _catching_up(self) -> bool:
        since = self._recovered_at
        return since is not None and self._clock() - since < self.backoff.catch_up_window_s

    def _still_unanswered(self) -> bool:
        """While probing: ask the hub; True (and the next probe set) when it did not answer.

        A probe that gets an answer ends the wait: the full run starts now.
        """
        with self._lock:
            due = self._run_due
        if due is None or self._probe is None or self._clock() >= due:
            return False
        try:
            answered = self._probe()
        except Exception:
            log.exception("probing the hub failed")
            answered = False
        with self._lock:
            self.probes += 1
            if answered:
                log.info("the hub answers again after %d failed runs: syncing now", self.failures)
                return False
            if not self._closed:
                left = max(0.0, due - self._clock())
                self._schedule(min(left, self.backoff.probe_delay(self._draw())))
        return True
