"""The sync scheduler on a real APScheduler background scheduler and real threads."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED

from edge_agent.services.sync import SyncOutcome
from edge_agent.sync.backoff import Backoff
from edge_agent.sync.scheduler import SyncScheduler

WAIT_S = 10


def poll_until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.001)  # polling another thread's state


def test_a_kick_runs_a_sync_at_once_even_with_an_hour_long_interval() -> None:
    runs: list[threading.Event] = [threading.Event(), threading.Event()]
    count = iter(range(10))

    def run() -> SyncOutcome:
        n = next(count)
        if n < len(runs):
            runs[n].set()
        return SyncOutcome()

    scheduler = SyncScheduler(run, Backoff(interval_s=3600))
    scheduler.start()
    try:
        assert runs[0].wait(WAIT_S)  # the first run comes at start

        scheduler.kick()

        assert runs[1].wait(WAIT_S)
    finally:
        scheduler.shutdown()


def test_shutting_down_during_a_run_waits_for_it_and_does_not_hang() -> None:
    started, release = threading.Event(), threading.Event()

    def run() -> SyncOutcome:
        started.set()
        release.wait(WAIT_S)
        return SyncOutcome()

    background = BackgroundScheduler(timezone=UTC)
    scheduler = SyncScheduler(run, Backoff(interval_s=3600), scheduler=background)
    scheduler.start()
    assert started.wait(WAIT_S)
    stopper = threading.Thread(target=scheduler.shutdown)

    stopper.start()
    poll_until(lambda: background.state == STATE_STOPPED)
    release.set()  # the run ends while shutdown waits for it, and must not reschedule
    stopper.join(WAIT_S)

    assert not stopper.is_alive()
    assert scheduler.runs == 1
