"""Sync on a timer with backoff and jitter, and right after every local commit.

An APScheduler 3 ``BackgroundScheduler`` holds one job, ``sync``; each run sets the next
run time: after the interval when it succeeded, after a jittered exponential
backoff (at least the hub's ``retry_after_s``) when it failed. While the hub answers,
:meth:`SyncScheduler.kick` moves the next run to now, and a kick that arrives while a run
is in progress makes another run follow at once, so an op committed after the push phase
never waits for the timer; while it fails, kicks leave the backoff alone.
One run at a time: the job has ``max_instances=1`` and the runner its own lock.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler  # type: ignore[import-untyped]
from apscheduler.schedulers.base import BaseScheduler  # type: ignore[import-untyped]

from edge_agent.services.sync import SyncOutcome
from edge_agent.sync.backoff import Backoff
from edge_agent.sync.errors import SyncError

log = logging.getLogger(__name__)
JOB_ID = "sync"


class SyncScheduler:
    """Runs ``run`` now and then, never two at once.

    Args:
        run: one sync run (``SyncRunner.run``); its errors are logged, never raised.
        backoff: the interval and the retry policy.
        draw: random numbers in [0, 1) for the jitter.
        scheduler: an APScheduler scheduler (default: a background one, UTC).
    """

    def __init__(
        self,
        run: Callable[[], SyncOutcome],
        backoff: Backoff,
        *,
        draw: Callable[[], float] = random.random,
        scheduler: BaseScheduler | None = None,
    ) -> None:
        self._run = run
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
        with self._lock:
            self._running = True
            kicks_seen = self._kicks
        outcome: SyncOutcome | None = None
        try:
            outcome = self._run()
        except SyncError as exc:
            log.warning("sync run failed: %s", exc)
        except Exception:
            log.exception("sync run failed")
        with self._lock:
            self._running = False
            self.runs += 1
            ok = outcome is not None and outcome.ok
            self.failures = 0 if ok else self.failures + 1
            retry_after = outcome.retry_after_s if outcome is not None else None
            if ok and self._kicks != kicks_seen:
                delay = 0.0
            else:
                delay = self.backoff.delay(self.failures, self._draw(), retry_after)
            if not self._closed:
                self._schedule(delay)
