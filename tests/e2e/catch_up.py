"""An outlet offline while its tills sell, then the hub answering again with answers lost.

Shared by the catch-up e2e test and ``make bench``: the tills run with their own sync
interval and backoff; the scenario only cuts the link, sells, restores the link (losing
the first push and pull answers after it) and watches, from outside, how soon every till
has nothing pending and has pulled every other till's ops.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from tests.e2e.sync_world import Till, World

#: How often the watcher reads the tills' and the hub's sync status.
POLL_S = 0.05


@dataclass
class Recovery:
    """What happened after the link came back (seconds from that moment)."""

    pushed_s: float | None = None
    pulled_s: float | None = None
    arrivals: list[tuple[float, str]] = field(default_factory=list)

    def first(self, path: str) -> float | None:
        """When the first request for ``path`` reached the proxy after the link came back."""
        return next((at for at, arrived in self.arrivals if arrived == path), None)


def sell_offline(world: World, tickets: int, outage_s: float) -> None:
    """Cut the link, sell ``tickets`` across the tills at once, keep it cut ``outage_s``.

    The tills keep trying on their own while it is cut, so their backoff deepens as it
    would in a real outage of that length.
    """
    world.faults.offline = True
    started = time.monotonic()
    shares = [tickets // len(world.tills) + (n < tickets % len(world.tills)) for n in range(3)]
    with ThreadPoolExecutor(len(world.tills)) as pool:
        list(pool.map(_sell, world.tills, shares[: len(world.tills)]))
    left = outage_s - (time.monotonic() - started)
    if left > 0:
        time.sleep(left)  # the outage itself: the tills back off meanwhile


def _sell(till: Till, count: int) -> None:
    for _ in range(count):
        till.sale("chai", "samosa")


def recover(world: World, timeout_s: float, *, lost_answers: int = 1) -> Recovery:
    """Bring the link back, losing ``lost_answers`` push and pull answers per till; watch.

    Returns:
        When every till had nothing pending and when, besides, the hub saw every till
        pulled to the outlet's end (None for what did not happen within ``timeout_s``).
    """
    faults = world.faults
    for path in ("/sync/v1/push", "/sync/v1/pull"):
        faults.drop_next(path, lost_answers * len(world.tills))
    with faults.lock:
        faults.arrived.clear()
        faults.offline = False
    back = time.monotonic()
    recovery = Recovery()
    seen = 0
    while time.monotonic() - back < timeout_s:
        now = time.monotonic() - back
        with faults.lock:
            fresh, seen = faults.arrived[seen:], len(faults.arrived)
        recovery.arrivals += [(now, path) for path in fresh]
        if recovery.pushed_s is None and _nothing_pending(world):
            recovery.pushed_s = time.monotonic() - back
        if recovery.pushed_s is not None and _all_pulled(world):
            recovery.pulled_s = time.monotonic() - back
            return recovery
        time.sleep(POLL_S)  # polling other processes, not waiting for a result
    return recovery


def _nothing_pending(world: World) -> bool:
    return all(t.client.get("/sync/status").json()["pending_ops"] == 0 for t in world.tills)


def _all_pulled(world: World) -> bool:
    answer = world.admin.get("/api/v1/sync/status", params={"outlet": "DEMO1"})
    devices = answer.json()["devices"]
    return len(devices) >= len(world.tills) and all(
        d["pending_ops"] == 0 and d["lag_ops"] == 0 for d in devices
    )
