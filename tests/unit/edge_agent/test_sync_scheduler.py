"""The sync scheduler's decisions, with a stand-in for APScheduler (no threads, no time)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from edge_agent.services.sync import SyncOutcome
from edge_agent.sync.backoff import Backoff
from edge_agent.sync.errors import HubUnreachable
from edge_agent.sync.scheduler import JOB_ID, SyncScheduler


@dataclass
class FakeAPScheduler:
    """Records the job and each next run time set; a test runs the job by hand."""

    job: dict[str, Any] = field(default_factory=dict)
    run_times: list[datetime] = field(default_factory=list)
    running: bool = False

    def start(self) -> None:
        self.running = True

    def shutdown(self, wait: bool = True) -> None:
        self.running = False

    def add_job(self, func, trigger, **kwargs) -> None:
        self.job = {"func": func, "trigger": trigger, **kwargs}
        self.run_times.append(kwargs["next_run_time"])

    def modify_job(self, job_id, **changes) -> None:
        assert job_id == self.job["id"]
        self.run_times.append(changes["next_run_time"])

    def delay_of_last_job(self) -> float:
        return (self.run_times[-1] - datetime.now(UTC)).total_seconds()

    def run_pending(self) -> None:
        self.job["func"]()


@dataclass
class Hub:
    """What the probes find, and a clock the test moves (monotonic seconds)."""

    answers: list[bool] = field(default_factory=list)
    probes: int = 0
    now: float = 1000.0

    def probe(self) -> bool:
        self.probes += 1
        return self.answers.pop(0)


def scheduler_with(outcomes: list[Any], *, during_run=None, hub: Hub | None = None):
    fake = FakeAPScheduler()

    def run() -> SyncOutcome:
        if during_run:
            during_run()
        result = outcomes.pop(0)
        if isinstance(result, Exception):
            raise result
        return result

    policy = Backoff(interval_s=5.0)
    if hub is None:
        return SyncScheduler(run, policy, draw=lambda: 0.5, scheduler=fake), fake
    scheduler = SyncScheduler(
        run, policy, draw=lambda: 0.5, scheduler=fake, probe=hub.probe, clock=lambda: hub.now
    )
    return scheduler, fake


DOWN = SyncOutcome(ok=False, error_code="hub_unreachable")


def runs_after_each_backoff(fake: FakeAPScheduler, hub: Hub, runs: int) -> None:
    """Run the job ``runs`` times, each once its backoff has run out (no probe due)."""
    for _ in range(runs):
        fake.run_pending()
        hub.now += 100


def test_starting_syncs_at_once_with_one_replaceable_job() -> None:
    scheduler, fake = scheduler_with([])

    scheduler.start()

    assert fake.running
    assert fake.job["id"] == JOB_ID
    assert fake.job["replace_existing"] is True
    assert fake.job["max_instances"] == 1
    assert fake.delay_of_last_job() < 1


def test_after_a_success_the_next_run_waits_the_interval() -> None:
    scheduler, fake = scheduler_with([SyncOutcome()])
    scheduler.start()

    fake.run_pending()

    assert 4 < fake.delay_of_last_job() <= 5


def test_failures_back_off_and_a_success_resets_the_interval() -> None:
    down = SyncOutcome(ok=False, error_code="hub_unreachable")
    scheduler, fake = scheduler_with([down, down, down, SyncOutcome()])
    scheduler.start()
    delays = []

    for _ in range(4):
        fake.run_pending()
        delays.append(fake.delay_of_last_job())

    # Windows of 1, 2 and 4 s with the draw at half (3/4 of each); then the catch-up
    # interval, as the hub just came back.
    assert delays == pytest.approx([0.75, 1.5, 3.0, 1.0], abs=0.1)
    assert scheduler.failures == 0


def test_the_hubs_retry_after_is_honoured() -> None:
    limited = SyncOutcome(ok=False, error_code="rate_limited", retry_after_s=30)
    scheduler, fake = scheduler_with([limited])
    scheduler.start()

    fake.run_pending()

    assert 29 < fake.delay_of_last_job() <= 30


def test_a_run_that_raises_is_a_failure_and_the_scheduler_keeps_going() -> None:
    scheduler, fake = scheduler_with([HubUnreachable("down"), RuntimeError("bug")])
    scheduler.start()

    fake.run_pending()
    fake.run_pending()

    assert scheduler.failures == 2
    assert scheduler.runs == 2
    assert len(fake.run_times) == 3


def test_a_kick_while_idle_moves_the_next_run_to_now() -> None:
    scheduler, fake = scheduler_with([SyncOutcome()])
    scheduler.start()
    fake.run_pending()

    scheduler.kick()

    assert fake.delay_of_last_job() < 1


def test_a_kick_while_the_hub_fails_leaves_the_backoff_alone() -> None:
    scheduler, fake = scheduler_with([SyncOutcome(ok=False, error_code="hub_unreachable")] * 2)
    scheduler.start()
    fake.run_pending()
    fake.run_pending()
    runs_set_before = len(fake.run_times)

    scheduler.kick()

    assert len(fake.run_times) == runs_set_before
    assert fake.delay_of_last_job() > 1


def test_a_kick_during_a_run_makes_another_run_follow_at_once() -> None:
    holder: dict[str, SyncScheduler] = {}
    scheduler, fake = scheduler_with([SyncOutcome()], during_run=lambda: holder["s"].kick())
    holder["s"] = scheduler
    scheduler.start()
    runs_set_before = len(fake.run_times)

    fake.run_pending()

    assert len(fake.run_times) == runs_set_before + 1  # the kick set no run time while running
    assert fake.delay_of_last_job() < 1


def test_a_run_ending_after_shutdown_schedules_nothing() -> None:
    holder: dict[str, SyncScheduler] = {}
    scheduler, fake = scheduler_with([SyncOutcome()], during_run=lambda: holder["s"].shutdown())
    holder["s"] = scheduler
    scheduler.start()
    runs_set_before = len(fake.run_times)

    fake.run_pending()
    scheduler.kick()

    assert len(fake.run_times) == runs_set_before


def test_while_the_hub_does_not_answer_a_probe_comes_every_two_seconds_not_the_backoff() -> None:
    hub = Hub(answers=[False, False])
    scheduler, fake = scheduler_with([DOWN] * 7, hub=hub)
    scheduler.start()
    runs_after_each_backoff(fake, hub, 6)
    fake.run_pending()
    backoff = scheduler.backoff.delay(7, 0.5)

    delays = [fake.delay_of_last_job()]
    for _ in range(2):
        hub.now += 2
        fake.run_pending()
        delays.append(fake.delay_of_last_job())

    assert backoff > 30
    assert delays == pytest.approx([2.0, 2.0, 2.0], abs=0.1)
    assert (hub.probes, scheduler.runs) == (2, 7)


def test_a_probe_that_gets_an_answer_starts_the_run_at_once() -> None:
    hub = Hub(answers=[False, True])
    scheduler, fake = scheduler_with([DOWN] * 6 + [SyncOutcome()], hub=hub)
    scheduler.start()
    runs_after_each_backoff(fake, hub, 5)
    fake.run_pending()

    hub.now += 2
    fake.run_pending()
    hub.now += 2
    fake.run_pending()

    assert (hub.probes, scheduler.runs, scheduler.failures) == (2, 7, 0)


def test_once_the_backoff_runs_out_the_run_comes_without_a_probe() -> None:
    hub = Hub(answers=[])
    scheduler, fake = scheduler_with([DOWN, SyncOutcome()], hub=hub)
    scheduler.start()
    fake.run_pending()

    hub.now += 1  # the 1 s window after a first failure ends before any probe is due
    fake.run_pending()

    assert (hub.probes, scheduler.runs, scheduler.failures) == (0, 2, 0)


@pytest.mark.parametrize("code", ["rate_limited", "unauthorized", "hub_bad_answer"])
def test_failures_a_healthy_hub_would_not_cure_are_not_probed(code) -> None:
    hub = Hub(answers=[])
    refused = SyncOutcome(ok=False, error_code=code)
    scheduler, fake = scheduler_with([refused] * 7, hub=hub)
    scheduler.start()

    runs_after_each_backoff(fake, hub, 7)

    assert fake.delay_of_last_job() > 30
    assert hub.probes == 0


def test_no_probe_comes_before_the_hubs_retry_after() -> None:
    hub = Hub(answers=[])
    unavailable = SyncOutcome(ok=False, error_code="unavailable", retry_after_s=5)
    scheduler, fake = scheduler_with([DOWN] * 6 + [unavailable], hub=hub)
    scheduler.start()

    runs_after_each_backoff(fake, hub, 7)

    assert fake.delay_of_last_job() == pytest.approx(5.0, abs=0.1)


def test_after_the_hub_came_back_runs_come_every_second_for_a_while_then_the_interval() -> None:
    hub = Hub(answers=[])
    scheduler, fake = scheduler_with([DOWN, SyncOutcome(), SyncOutcome(), SyncOutcome()], hub=hub)
    scheduler.start()
    fake.run_pending()
    hub.now += 1
    fake.run_pending()

    soon = fake.delay_of_last_job()
    hub.now += 5
    fake.run_pending()
    still = fake.delay_of_last_job()
    hub.now += 15
    fake.run_pending()

    assert soon == pytest.approx(1.0, abs=0.1)
    assert still == pytest.approx(1.0, abs=0.1)
    assert fake.delay_of_last_job() == pytest.approx(5.0, abs=0.1)
