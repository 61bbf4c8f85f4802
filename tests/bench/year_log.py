"""A till's year of selling: a device database holding ``count`` ops, made by the services.

Every op goes through the real path of a sale: a cashier signs in by PIN, opens a counter
ticket, adds lines, takes cash into the open drawer and closes the ticket, with the
services the HTTP handlers call (``edge_agent.services.tickets``, ``staff``, ``drawer``),
so the outbox numbers, stamps and validates each op and the read models follow. Only the
batching differs from a till's day: many sales per transaction and ``synchronous=OFF``,
so a million ops take minutes, not hours. The clock walks back a year from now.

The file is cached under the system temporary directory, keyed by the agent's schema
version and the op count, and copied for each run.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from edge_agent.printing import queue
from edge_agent.services import drawer, staff, tickets
from edge_agent.services.demo import CASHIER_PIN
from edge_agent.store import kept_state
from edge_agent.store.gateway import Store
from edge_agent.store.migrations import MIGRATIONS
from tests.processes import init_agent

YEAR_MS = 365 * 24 * 3600 * 1000
#: Sales per transaction while the log is made; a cashier signs in after each batch.
BATCH = 250
LINES = ("chai", "samosa", "espresso")


class StepClock:
    """Milliseconds from ``start_ms``: one more at each reading, ``step_ms`` more at each
    :meth:`advance` (a sale), so a year of sales ends about now."""

    def __init__(self, start_ms: int, step_ms: int) -> None:
        self.now_ms = start_ms
        self.step_ms = step_ms

    def __call__(self) -> int:
        self.now_ms += 1
        return self.now_ms

    def advance(self) -> None:
        self.now_ms += self.step_ms


def cached_year(count: int, progress: Callable[[str], None] | None = None) -> Path:
    """The data directory of a till holding at least ``count`` ops, made once and cached."""
    root = Path(tempfile.gettempdir()) / "pos-bench-year"
    cached = root / f"schema{len(MIGRATIONS)}-ops{count}"
    if (cached / "agent.sqlite3").exists():
        return cached
    building = root / f"building-{cached.name}"
    shutil.rmtree(building, ignore_errors=True)
    building.parent.mkdir(parents=True, exist_ok=True)
    make_year(building, count, progress)
    building.rename(cached)
    return cached


def copy_year(source: Path, destination: Path) -> None:
    """A fresh copy of a cached data directory (each run sells into its own)."""
    shutil.copytree(source, destination)


def make_year(data_dir: Path, count: int, progress: Callable[[str], None] | None = None) -> int:
    """Initialise a demo till in ``data_dir`` and sell until it holds ``count`` ops.

    Returns:
        The ops its log holds.
    """
    init_agent(data_dir)
    store = Store(database_file(data_dir))
    with store.read() as conn:
        conn.execute("PRAGMA synchronous=OFF")
    per_sale = 8  # open (2), three lines, payment and paid, close
    sales = max(1, count // per_sale)
    clock = StepClock(int(time.time() * 1000) - YEAR_MS, YEAR_MS // sales // 2)
    who = staff.sign_in(store, CASHIER_PIN, clock)
    with store.write() as conn:
        drawer.open_drawer(tickets.Context(conn, who, clock), 100_000)
    held, started, reported = _ops(store), time.monotonic(), 0
    while held < count:
        with store.write() as conn:
            for sale in range(min(BATCH, 1 + (count - held) // per_sale)):
                clock.advance()
                _sell(tickets.Context(conn, who, clock), sale)
            _print_all(conn, clock())
        held = _ops(store)
        who = staff.sign_in(store, CASHIER_PIN, clock)  # the next shift
        if progress and held - reported >= 100_000:
            reported = held
            progress(f"{held:,} ops in {time.monotonic() - started:.0f} s")
    with store.write() as conn:  # asked once, as a support check would: kept from here
        kept_state.state_hash(conn)
    with store.read() as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return held


def _sell(ctx: tickets.Context, sale: int) -> None:
    view = tickets.open_ticket(ctx, "counter")
    for variant in LINES:
        view = tickets.add_line(ctx, view.id, variant, 1 + sale % 2)
    tickets.pay(ctx, view.id, "cash", view.totals().balance_due)
    tickets.close(ctx, view.id)


def _print_all(conn: sqlite3.Connection, now_ms: int) -> None:
    """What the print worker does with a printer that works: every job printed."""
    for printer in queue.waiting(conn):
        while (job := queue.claim(conn, printer, now_ms)) is not None:
            queue.finish(conn, job.info.id, "done", now_ms)


def _ops(store: Store) -> int:
    with store.read() as conn:
        (last_seq,) = conn.execute("SELECT last_seq FROM device").fetchone()
    return int(last_seq)


def database_file(data_dir: Path) -> Path:
    return data_dir / "agent.sqlite3"


def connect_read_only(data_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{database_file(data_dir)}?mode=ro", uri=True)
