"""A year on one till: a device holding a million ops beside a fresh one, same run.

The year's database is made by the services (``year_log``) and cached; each run copies
it. Both tills are real ``pos-agent serve`` processes, not enrolled (no hub: the sync
status is read from the device alone). For each: seconds from launch until ``/health``
answers, the PIN sign-in, a quick sale (open a counter ticket, add a line, take cash,
close: the four requests timed as one action, paced like a cashier) each followed by
``GET /api/v1/sync/status`` (a till's screen polls it), then ``GET
/api/v1/sync/state-hash`` after each of a few more sales (a diagnostic; the first call
after a start refolds what changed since the last one, reported apart).
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import httpx

from tests.bench.report import Report
from tests.bench.till import Latency
from tests.bench.year_log import cached_year
from tests.processes import AgentProcess, free_port, init_agent

#: Quick sales made before the measured ones (first requests load code lazily).
WARM_UP = 5
START_GOAL_S = 2.0
SALE_RATIO_GOAL = 1.2
STATUS_GOAL_MS = 20.0
#: State hashes asked, each after a sale, once the sales are measured.
HASHES = 20


class Till:
    """A running agent on a copy of a data directory, with a cashier signed in."""

    def __init__(self, data_dir: Path) -> None:
        self.agent = AgentProcess(data_dir, free_port())
        started = time.perf_counter()
        self.agent.start()
        self.start_s = time.perf_counter() - started
        service = self.agent.service
        self.client = httpx.Client(base_url=self.agent.api, headers=service, timeout=120)
        self.service = service
        self.sign_in = Latency([self._sign_in()])
        opened = self.client.post("/drawer/open", json={"float": 0})
        if opened.status_code not in (201, 409):  # the year's drawer is already open
            opened.raise_for_status()

    def _sign_in(self) -> float:
        start = time.perf_counter()
        answer = self.client.post("/auth/pin", json={"pin": "1111"}, headers=self.service)
        elapsed = (time.perf_counter() - start) * 1000
        answer.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {answer.json()['token']}"
        return elapsed

    def quick_sale(self) -> float:
        start = time.perf_counter()
        ticket = self.client.post("/tickets", json={"kind": "counter"})
        ticket.raise_for_status()
        path = f"/tickets/{ticket.json()['id']}"
        line = self.client.post(f"{path}/lines", json={"variant_id": "chai"})
        line.raise_for_status()
        due = line.json()["totals"]["balance_due"]
        self.client.post(
            f"{path}/payments", json={"method": "cash", "amount": due}
        ).raise_for_status()
        self.client.post(f"{path}/close").raise_for_status()
        return (time.perf_counter() - start) * 1000

    def get_ms(self, path: str) -> float:
        start = time.perf_counter()
        self.client.get(path, headers=self.service).raise_for_status()
        return (time.perf_counter() - start) * 1000

    def close(self) -> None:
        self.client.close()
        self.agent.stop()


def measure(data_dir: Path, actions: int, think_s: float) -> tuple[Till, dict[str, Latency], float]:
    """Start the till on ``data_dir`` and measure a cashier's requests; return the till
    (stopped), its latencies, and its ops."""
    till = Till(data_dir)
    try:
        sign_ins = [till.sign_in.samples[0]] + [till._sign_in() for _ in range(4)]
        for _ in range(WARM_UP):
            till.quick_sale()
        first_hash = till.get_ms("/sync/state-hash")
        sales, statuses, hashes = [], [], []
        for _ in range(actions):
            sales.append(till.quick_sale())
            statuses.append(till.get_ms("/sync/status"))
            time.sleep(think_s)  # the cashier's pace, not a wait for a result
        for _ in range(HASHES):  # a diagnostic, asked now and then: apart from the sales
            till.quick_sale()
            hashes.append(till.get_ms("/sync/state-hash"))
        ops = till.client.get("/sync/state-hash", headers=till.service).json()["ops"]
    finally:
        till.close()
    latencies = {
        "sign-in (PIN)": Latency(sign_ins),
        "quick sale (4 requests)": Latency(sales),
        "GET /sync/status": Latency(statuses),
        "GET /sync/state-hash after a sale": Latency(hashes),
        "GET /sync/state-hash, first after start": Latency([first_hash]),
    }
    return till, latencies, ops


def run(report: Report, directory: Path, count: int, actions: int, think_s: float) -> None:
    """Measure a fresh till and a till holding ``count`` ops; add both and the goals."""
    started = time.monotonic()
    source = cached_year(count, report.progress)
    made_s = time.monotonic() - started
    fresh_dir, year_dir = directory / "fresh-till", directory / "year-till"
    init_agent(fresh_dir)
    shutil.copytree(source, year_dir)
    results = {}
    for name, data_dir in (("fresh till", fresh_dir), (f"till with {count:,} ops", year_dir)):
        report.progress(f"the {name} starts and sells")
        results[name] = measure(data_dir, actions, think_s)
    section = f"A year on one till: {count:,} ops beside a fresh till, same run"
    (_, fresh_latency, _), (year, year_latency, held) = results.values()
    report.notes.append(
        f"The year's database: {held:,} ops made by the services "
        + (f"in {made_s:.0f} s this run" if made_s > 5 else "(cached from an earlier run)")
        + f", {(year_dir / 'agent.sqlite3').stat().st_size / 1e6:,.0f} MB."
    )
    for name, (till, latency, _) in results.items():
        start = Latency([till.start_s * 1000])
        report.latency(section, f"{name}: start until /health answers", start)
        for label, values in latency.items():
            report.latency(section, f"{name}: {label}", values)
    sale = "quick sale (4 requests)"
    ratio = year_latency[sale].p99 / fresh_latency[sale].p99
    report.limit(f"start, {count:,} ops", year.start_s, START_GOAL_S, "s")
    report.limit(f"quick-sale p99 vs a fresh till, {count:,} ops", ratio, SALE_RATIO_GOAL, "x")
    report.limit(
        f"/sync/status p99, {count:,} ops",
        year_latency["GET /sync/status"].p99,
        STATUS_GOAL_MS,
        "ms",
    )
