"""Cashier latency on a real agent process, idle and while it applies a large catch-up.

The agent is enrolled to the hub with ``pos-agent enroll`` (as in
``tests/e2e/sync_world.py``) and runs with a one-hour sync timer, so the bench decides
when the big pull happens: it starts with ``POST /api/v1/sync/run`` in a background
thread while the cashier keeps selling. Every cashier write still kicks the agent's
scheduler, as on a real till, so "idle" means "no catch-up", not "no sync".

A cashier action is two requests, each timed on its own: open a counter ticket, then add
a line to it, signed in with PIN 1111. Requests are paced (``think_s`` between actions),
as at a counter, rather than fired back to back.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.bench.hub import enrollment_code
from tests.processes import AgentProcess, HubProcess, enroll, free_port


@dataclass(frozen=True)
class Latency:
    """Request latencies of one phase, in milliseconds."""

    samples: list[float]

    def quantile(self, q: float) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return self.quantile(0.95)

    @property
    def p99(self) -> float:
        return self.quantile(0.99)

    @property
    def worst(self) -> float:
        return max(self.samples)

    def row(self) -> str:
        return (
            f"p50 {self.p50:6.1f}  p95 {self.p95:6.1f}  p99 {self.p99:6.1f}  "
            f"max {self.worst:6.1f} ms  (n={len(self.samples)})"
        )


@dataclass
class CatchUp:
    """What the background sync run did while the cashier sold."""

    outcome: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def pulled(self) -> int:
        return int(self.outcome.get("pulled", 0))


@dataclass
class Cashier:
    """A signed-in cashier on one agent's API (``pid``: the agent process)."""

    client: httpx.Client
    pid: int = 0

    def sign_in(self, pin: str = "1111") -> None:
        answer = self.client.post("/auth/pin", json={"pin": pin})
        answer.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {answer.json()['token']}"

    def action(self, into: list[float]) -> None:
        """Open a ticket and add a line; append both request latencies (ms)."""
        start = time.perf_counter()
        ticket = self.client.post("/tickets", json={"kind": "counter"})
        opened = time.perf_counter()
        ticket.raise_for_status()
        line = self.client.post(
            f"/tickets/{ticket.json()['id']}/lines", json={"variant_id": "chai"}
        )
        done = time.perf_counter()
        line.raise_for_status()
        into += [(opened - start) * 1000, (done - opened) * 1000]

    def sell(self, actions: int, think_s: float) -> Latency:
        samples: list[float] = []
        for _ in range(actions):
            self.action(samples)
            time.sleep(think_s)  # the cashier's pace, not a wait for a result
        return Latency(samples)

    def sell_while(self, busy: threading.Thread, think_s: float) -> Latency:
        samples: list[float] = []
        while busy.is_alive():
            self.action(samples)
            time.sleep(think_s)  # the cashier's pace, not a wait for a result
        return Latency(samples)


@contextmanager
def enrolled_till(hub: HubProcess, directory: Path, device_code: str) -> Iterator[Cashier]:
    """An agent process enrolled to ``hub`` at DEMO1, synced once, cashier signed in."""
    data_dir = directory / f"agent-{device_code.lower()}"
    enroll(data_dir, hub.url, enrollment_code(hub, device_code))
    # No live waiting pull: it would take the catch-up in the background before the
    # measured sync run (the live update has its own measurement).
    quiet = {"POS_AGENT_SYNC_INTERVAL_S": "3600", "POS_AGENT_LIVE_WAIT_S": "0"}
    agent = AgentProcess(data_dir, free_port(), env=quiet)
    agent.start()
    try:
        with httpx.Client(base_url=agent.api, headers=agent.service, timeout=300) as client:
            settle(client)
            assert agent.process is not None
            cashier = Cashier(client, agent.process.pid)
            cashier.sign_in()
            yield cashier
    finally:
        agent.stop()


def settle(client: httpx.Client, timeout_s: float = 60) -> None:
    """Wait until the agent's own sync runs are done and nothing is left to push."""
    deadline = time.monotonic() + timeout_s
    quiet_since: float | None = None
    last_attempt = None
    while time.monotonic() < deadline:
        status = client.get("/sync/status").json()
        synced = status["last_success_ms"] is not None and status["pending_ops"] == 0
        if synced and status["last_attempt_ms"] == last_attempt:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= 0.5:
                return
        else:
            quiet_since = None
        last_attempt = status["last_attempt_ms"]
        time.sleep(0.1)  # polling another process, not waiting for a result
    raise RuntimeError(f"the agent did not settle in {timeout_s} s: {status}")


def catch_up_in_background(cashier: Cashier) -> tuple[threading.Thread, CatchUp]:
    """Start ``POST /sync/run`` on a thread; the returned record fills in when it ends."""
    record = CatchUp()
    client = httpx.Client(
        base_url=str(cashier.client.base_url), headers=dict(cashier.client.headers), timeout=600
    )

    def run() -> None:
        start = time.perf_counter()
        with client:
            record.outcome = client.post("/sync/run").json()
        record.seconds = time.perf_counter() - start

    thread = threading.Thread(target=run, name="catch-up")
    thread.start()
    return thread, record
