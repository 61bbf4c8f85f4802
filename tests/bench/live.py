"""Live update latency, till to till through the hub: two hub processes on one PostgreSQL
with Redis (``tests/e2e/live_world.py``), till A on the first and till C on the second,
sync timers at an hour. Each sample: A adds a line to a ticket; the time until C's API
shows it (polled every 5 ms). Goals: p50 at most 300 ms, p99 at most 1 s.
"""

from __future__ import annotations

import time
import uuid
from contextlib import ExitStack
from pathlib import Path

from tests.bench.report import Report
from tests.bench.till import Latency
from tests.e2e.live_world import lines, till_of, two_hubs, until

P50_GOAL_MS = 300.0
P99_GOAL_MS = 1000.0
#: Lines added before the measured ones (first requests load code lazily).
WARM_UP = 3


def run(report: Report, database_url: str, redis_url: str, directory: Path, samples: int) -> None:
    """Measure ``samples`` live updates and add them and the goals to ``report``."""
    section = "Live updates: till A (hub process 1) -> till C (hub process 2), Redis pub/sub"
    report.progress(f"live updates: {samples} lines from till A to till C through two hubs")
    prefix = f"pos-bench-{uuid.uuid4().hex[:12]}"
    with ExitStack() as stack:
        first, second = stack.enter_context(two_hubs(database_url, redis_url, prefix))
        a = stack.enter_context(till_of(first, "D01", directory))
        c = stack.enter_context(till_of(second, "D03", directory))
        for till in (a, c):
            until(lambda t=till: t.status()["last_success_ms"], "a first sync run")
        a.sign_in()
        ticket = a.sale(pay=False)
        taken: list[float] = []
        for n in range(1, WARM_UP + samples + 1):
            started = time.perf_counter()
            added = a.client.post(f"/tickets/{ticket['id']}/lines", json={"variant_id": "chai"})
            added.raise_for_status()
            until(lambda n=n: lines(c, ticket["id"]) >= n, "a line on till C", poll_s=0.005)
            if n > WARM_UP:
                taken.append((time.perf_counter() - started) * 1000)
    latency = Latency(taken)
    report.latency(section, "POST a line on A -> the line in C's GET /tickets/{id}", latency)
    report.latency_goal("live update latency p50, till to till", latency.p50, P50_GOAL_MS)
    report.latency_goal("live update latency p99, till to till", latency.p99, P99_GOAL_MS)
