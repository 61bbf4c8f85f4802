"""Two hub processes on one PostgreSQL with Redis, and tills enrolled to either, for the
live-update e2e test and bench."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TypeVar

from tests.e2e.sync_world import Till
from tests.processes import AgentProcess, HubProcess, enroll, free_port

T = TypeVar("T")
#: The timer never explains what arrives: only live updates can.
LIVE = {"POS_AGENT_SYNC_INTERVAL_S": "3600", "POS_AGENT_LIVE_WAIT_S": "10"}
#: The longest any step may take: a wake-up lost costs one hub wait (10 s), and a loaded
#: machine slows every run; a live update normally takes well under a second.
BOUND_S = 30.0


def until(
    check: Callable[[], T | None], what: str, bound_s: float = BOUND_S, poll_s: float = 0.02
) -> T:
    """Poll an agent's or the hub's API until ``check`` gives a value; fail at the bound."""
    deadline = time.monotonic() + bound_s
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(poll_s)  # polling a process's API, not waiting for a result
    raise AssertionError(f"not within {bound_s} s: {what}")


@contextmanager
def two_hubs(database_url: str, redis_url: str, prefix: str) -> Iterator[tuple[HubProcess, ...]]:
    """A ``--demo`` hub process (it seeds, and takes the demo admin token) and a
    ``--workers 2`` hub on the same database and Redis."""
    env = {"POS_HUB_REDIS_URL": redis_url, "POS_HUB_CHANNEL_PREFIX": prefix}
    with ExitStack() as stack:
        first = HubProcess(database_url, env=env)
        first.start()
        stack.callback(first.stop)
        second = HubProcess(database_url, env=env, demo=False, serve_args=("--workers", "2"))
        second.start()
        stack.callback(second.stop)
        yield first, second


@contextmanager
def till_of(hub: HubProcess, device: str, tmp_path: Path) -> Iterator[Till]:
    code = hub.cli("enroll-code", "--tenant", "demo", "--outlet", "DEMO1", "--device", device)
    data_dir = tmp_path / f"agent-{device}"
    enroll(data_dir, hub.url, code.split()[0])
    agent = AgentProcess(data_dir, free_port(), env=LIVE)
    agent.start()
    till = Till(agent)
    try:
        yield till
    finally:
        till.client.close()
        agent.stop()


def lines(till: Till, ticket_id: str) -> int:
    answer = till.client.get(f"/tickets/{ticket_id}")
    return len(answer.json()["lines"]) if answer.status_code == 200 else 0
