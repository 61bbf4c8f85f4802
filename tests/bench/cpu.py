"""Who used the CPU during a measurement: the hub, its PostgreSQL backends, the bench
itself, and everything else on the machine (Linux ``/proc``; zeros elsewhere).

Wall-clock throughput on a shared 2-core machine moves with whatever else runs; CPU
seconds per process do not, so the report prints both, and the CPU that other processes
took during each measurement says how much the wall-clock figure was squeezed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system, all threads) of a live process; 0 if unreadable."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def machine_busy() -> float:
    """CPU seconds all cores spent busy since boot (0 if unreadable)."""
    try:
        with open("/proc/stat") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
    except OSError:
        return 0.0
    idle, iowait = values[3], values[4]
    return (sum(values[:8]) - idle - iowait) / _TICK


@dataclass(frozen=True)
class CpuUse:
    """CPU seconds spent during one measurement, by process."""

    wall: float
    processes: dict[str, float]
    bench: float
    others: float

    def row(self) -> str:
        parts = [f"{name} {seconds:.2f}" for name, seconds in self.processes.items()]
        parts += [f"bench {self.bench:.2f}", f"others {self.others:.2f}"]
        return f"{', '.join(parts)} CPU-s in {self.wall:.2f} s"


class CpuMeter:
    """Reads CPU use around a measurement (``with CpuMeter(...) as meter``; then
    ``meter.use``).

    Args:
        pids: processes to account for by name (the hub, the agent).
        db_pids: returns the PIDs of the database server processes serving the run
            (PostgreSQL backends of the run's database), asked at start and at stop;
            they are reported as ``db``.
    """

    def __init__(
        self, pids: dict[str, int], db_pids: Callable[[], Iterable[int]] | None = None
    ) -> None:
        self.pids = pids
        self.db_pids = db_pids

    def _db(self) -> dict[int, float]:
        return {pid: process_cpu(pid) for pid in self.db_pids()} if self.db_pids else {}

    def __enter__(self) -> CpuMeter:
        self._db_start = self._db()
        self._start = {name: process_cpu(pid) for name, pid in self.pids.items()}
        self._bench = time.process_time()
        self._busy = machine_busy()
        self._wall = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        wall = time.perf_counter() - self._wall
        busy = machine_busy() - self._busy
        bench = time.process_time() - self._bench
        used = {name: process_cpu(pid) - self._start[name] for name, pid in self.pids.items()}
        if self.db_pids:
            # A backend that ended meanwhile takes its CPU time with it: counted as others.
            now = self._db()
            used["db"] = sum(cpu - self._db_start.get(pid, 0.0) for pid, cpu in now.items())
        others = max(busy - sum(used.values()) - bench, 0.0)
        self.use = CpuUse(wall, used, bench, others)
