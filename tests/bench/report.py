"""The one table ``make bench`` prints: ops/s, ratios to the baselines of the same run,
where the CPU went, cashier latencies and the issue's targets."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field

from tests.bench.cpu import CpuUse
from tests.bench.till import Latency

WIDTH = 104


@dataclass(frozen=True)
class Measured:
    label: str
    count: int
    seconds: float
    against: list[str] = field(default_factory=list)
    cpu: CpuUse | None = None
    note: str = ""

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else float("inf")


@dataclass(frozen=True)
class Target:
    label: str
    rate: float
    goal: float

    def row(self) -> str:
        verdict = "met" if self.rate >= self.goal else "MISSED"
        return f"  {self.label:<52} {self.rate:>9,.0f} ops/s  goal {self.goal:,.0f}: {verdict}"


@dataclass(frozen=True)
class Deadline:
    label: str
    seconds: float
    goal: float

    def row(self) -> str:
        verdict = "met" if self.seconds <= self.goal else "MISSED"
        return f"  {self.label:<52} {self.seconds:>9.1f} s      goal {self.goal:.0f} s: {verdict}"


@dataclass(frozen=True)
class Limit:
    """A measured value that must not exceed its goal (seconds, milliseconds, a ratio)."""

    label: str
    value: float
    goal: float
    unit: str

    def row(self) -> str:
        verdict = "met" if self.value <= self.goal else "MISSED"
        measured = f"{self.value:.2f} {self.unit}"
        return f"  {self.label:<52} {measured:>12}   goal <= {self.goal:g} {self.unit}: {verdict}"


class Report:
    """Collects measurements section by section; :meth:`print` renders them."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.sections: dict[str, list[Measured | tuple[str, Latency]]] = {}
        self.baselines: dict[str, Measured] = {}
        self.targets: list[Target | Deadline | Limit] = []
        self.notes: list[str] = []

    @staticmethod
    def progress(message: str) -> None:
        """A line on stderr while the bench runs (the table goes to stdout at the end)."""
        print(f"bench: {message}", file=sys.stderr, flush=True)

    def baseline(self, key: str, count: int, seconds: float, note: str = "") -> None:
        measured = Measured(key, count, seconds, note=note)
        self.baselines[key] = measured
        self.sections.setdefault("Baselines: raw database writes, same run", []).append(measured)

    def add(
        self,
        section: str,
        label: str,
        count: int,
        seconds: float,
        *,
        against: list[str] | None = None,
        cpu: CpuUse | None = None,
        note: str = "",
    ) -> Measured:
        measured = Measured(label, count, seconds, against or [], cpu, note)
        self.sections.setdefault(section, []).append(measured)
        return measured

    def latency(self, section: str, label: str, latency: Latency) -> None:
        self.sections.setdefault(section, []).append((label, latency))

    def target(self, label: str, rate: float, goal: float) -> None:
        self.targets.append(Target(label, rate, goal))

    def deadline(self, label: str, seconds: float, goal: float) -> None:
        self.targets.append(Deadline(label, seconds, goal))

    def limit(self, label: str, value: float, goal: float, unit: str) -> None:
        self.targets.append(Limit(label, value, goal, unit))

    def latency_goal(self, label: str, ms: float, goal_ms: float) -> None:
        self.limit(label, ms, goal_ms, "ms")

    def print(self) -> None:
        out = [self.title, "=" * WIDTH]
        out.append(f"  {'measurement':<52} {'count':>7} {'seconds':>8} {'ops/s':>10}   ratio")
        for section, rows in self.sections.items():
            out.append(section)
            for row in rows:
                out += self._render(row)
        if self.targets:
            out.append("Targets")
            out += [target.row() for target in self.targets]
        out += self.notes
        out.append("=" * WIDTH)
        print("\n".join(out), flush=True)

    def _render(self, row: Measured | tuple[str, Latency]) -> list[str]:
        if isinstance(row, tuple):
            label, latency = row
            return [f"  {label:<52} {latency.row()}"]
        ratios = "  ".join(
            f"{row.rate / self.baselines[key].rate:.2f}x {key}"
            for key in row.against
            if key in self.baselines
        )
        lines = [
            f"  {row.label:<52} {row.count:>7,} {row.seconds:>8.2f} {row.rate:>10,.0f}   {ratios}"
        ]
        if row.note:
            lines.append(f"      {row.note}")
        if row.cpu is not None:
            lines.append(f"      CPU: {row.cpu.row()}")
        return lines


def machine_line(count: int) -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    cores = os.cpu_count() or 0
    return (
        f"BengoBox POS benchmark: {count:,} ops, {cores} cores, hub/agent/database on this "
        f"machine over loopback (load average {load:.2f} at start)"
    )
