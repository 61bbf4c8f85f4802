"""Catch-up after an outage: three real tills behind the fault proxy sell offline, the link
comes back losing the first push and pull answers of each till, and the bench times, from
the moment the hub answers again, until every till has nothing pending and until every
till has pulled the others' ops. The tills sync on their own timer and backoff
(``POS_AGENT_SYNC_INTERVAL_S`` unset: 5 s), as at an outlet; nothing here starts a run.
"""

from __future__ import annotations

from pathlib import Path

from tests.bench.report import Report
from tests.e2e.catch_up import recover, sell_offline
from tests.e2e.sync_world import sync_world

TILLS = 3
#: The issue's goal: every till has nothing pending within this long of the hub answering.
GOAL_S = 10.0
SETTLE_S = 60.0


def run(
    report: Report, database_url: str, name: str, directory: Path, tickets: int, outage_s: float
) -> None:
    """Measure one catch-up on a hub over ``database_url`` and add it to ``report``."""
    section = f"Catch-up: {TILLS} pos-agent tills, a pos-hub on {name}, through the fault proxy"
    report.progress(
        f"catch-up: {TILLS} tills sell {tickets} tickets during a {outage_s:.0f} s outage"
    )
    with sync_world(database_url, directory, TILLS, agent_env={}) as world:
        for till in world.tills:
            till.sync()  # staff and their PINs arrive with the first sync
            till.sign_in()
        before = world.admin.get("/api/v1/sync/status", params={"outlet": "DEMO1"}).json()
        sell_offline(world, tickets, outage_s)
        report.progress("catch-up: the hub answers again; the first answers are lost")
        recovery = recover(world, timeout_s=SETTLE_S)
        after = world.admin.get("/api/v1/sync/status", params={"outlet": "DEMO1"}).json()
        for till in world.tills:
            till.sync()
        converged = world.converged()
    ops = after["outlet_seq"] - before["outlet_seq"]
    probe = recovery.first("/health")
    handshake = recovery.first("/sync/v1/handshake")
    note = (
        f"{ops:,} ops of {tickets} tickets; first probe {_s(probe)} and first handshake "
        f"{_s(handshake)} after the hub answered; {len(world.faults.dropped)} answers lost; "
        + ("all replicas then had one state hash" if converged else "REPLICAS DIFFER")
    )
    if recovery.pushed_s is None or recovery.pulled_s is None:
        report.notes.append(f"catch-up NOT COMPLETE within {SETTLE_S:.0f} s: {note}")
        return
    report.add(section, "hub answers -> nothing pending on any till", ops, recovery.pushed_s)
    report.add(
        section, "hub answers -> every till pulled the others", ops, recovery.pulled_s, note=note
    )
    report.deadline("catch-up: all pending zero after the hub answers", recovery.pushed_s, GOAL_S)


def _s(seconds: float | None) -> str:
    return "never" if seconds is None else f"{seconds:.1f} s"
