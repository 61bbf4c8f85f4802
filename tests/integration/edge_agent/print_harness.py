"""A print queue on a real SQLite file, a worker driven step by step, a movable clock."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from edge_agent.printing import queue, registry
from edge_agent.printing.config import PrinterConfig
from edge_agent.printing.worker import PrintWorker
from edge_agent.store.gateway import Store

START_MS = 1_700_000_000_000
FAST = {"timeout_s": 0.5, "status_timeout_s": 0.3, "retry_base_s": 1.0, "retry_max_s": 8.0}


class Clock:
    """Unix milliseconds that only move when a test says so."""

    def __init__(self) -> None:
        self.now = START_MS

    def __call__(self) -> int:
        return self.now

    def advance(self, ms: int) -> None:
        self.now += ms


def network(port: int, **changes: object) -> PrinterConfig:
    base = PrinterConfig(
        name="receipt",
        role="receipt",
        backend="network",
        host="127.0.0.1",
        port=port,
        drawer=True,
        **FAST,
    )  # type: ignore[arg-type]
    return replace(base, **changes)  # type: ignore[arg-type]


def serial(path: Path, **changes: object) -> PrinterConfig:
    base = PrinterConfig(
        name="bar", role="bar", backend="serial", path=str(path), stations=("bar",), **FAST
    )  # type: ignore[arg-type]
    return replace(base, **changes)  # type: ignore[arg-type]


@dataclass
class Bench:
    """One printer's queue and worker on a fresh device database."""

    store: Store
    clock: Clock
    worker: PrintWorker

    @property
    def printer(self) -> PrinterConfig:
        return self.worker.printer

    def enqueue(self, job_id: str, payload: bytes, kind: str = "receipt") -> None:
        with self.store.write() as conn:
            queue.enqueue(conn, job_id, self.printer.name, kind, payload, self.clock())

    def job(self, job_id: str) -> queue.JobInfo:
        with self.store.read() as conn:
            found = queue.get(conn, job_id)
        assert found is not None
        return found

    def status(self) -> tuple[str, str]:
        with self.store.read() as conn:
            row = next(r for r in registry.load(conn) if r.config.name == self.printer.name)
        return row.status, row.status_detail

    def retry_now(self, job_id: str) -> None:
        """Move the clock to the job's next attempt."""
        self.clock.now = max(self.clock.now, self.job(job_id).next_attempt_ms)


def bench(tmp_path: Path, printer: PrinterConfig, jitter: float = 0.0) -> Bench:
    store = Store(tmp_path / "agent.sqlite3")
    with store.write() as conn:
        registry.save(conn, (printer,))
    clock = Clock()
    return Bench(store, clock, PrintWorker(store, printer, clock, jitter=lambda: jitter))
