"""One worker thread per printer, draining its queue; the runtime that runs them all.

A worker takes the printer's next due job in a short transaction, sends it with no
transaction open (a sale never waits for a printer), then records the outcome. Before
each job it asks the printer its status: a printer out of paper or with its cover open
keeps its jobs waiting (a drawer kick still goes, the drawer does not need paper), and
so does a printer that should answer and does not (a job is never sent blind).

A job is ``done`` only when the printer confirmed it (it answered a status query sent
after the job, so it read the whole job) or, for a printer that cannot answer, when the
line drained it. The wait for either grows with the job's size at the line's speed
(:meth:`PrinterConfig.confirm_wait_s`). A job sent but never confirmed is
``unconfirmed``: shown to the cashier, never printed again on its own. Drawer kicks go
out only while their 15 s window is open and are dropped, never delayed, past it.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable

from edge_agent.printing import queue, registry
from edge_agent.printing.backends import Transport, open_transport
from edge_agent.printing.config import PrinterConfig
from edge_agent.printing.errors import PrinterError, PrinterNotReady, PrinterTimeout
from edge_agent.printing.probe import confirm, probe
from edge_agent.printing.retry import retry_delay_s
from edge_agent.printing.status import PrinterStatus, unknown
from edge_agent.store.gateway import Store

log = logging.getLogger(__name__)
Clock = Callable[[], int]
Connect = Callable[[PrinterConfig], Transport]


class PrintWorker:
    """Sends one printer's jobs, one at a time, in order.

    Args:
        store: the device database.
        printer: the printer this worker owns.
        clock: Unix milliseconds.
        connect: opens a connection to the printer (tests may wrap it).
        jitter: random numbers in [0, 1) for the retry delays.
        idle_s: the longest wait between looks at the queue.
    """

    def __init__(
        self,
        store: Store,
        printer: PrinterConfig,
        clock: Clock,
        *,
        connect: Connect = open_transport,
        jitter: Callable[[], float] = random.random,
        idle_s: float = 1.0,
    ) -> None:
        self.store, self.printer, self.clock = store, printer, clock
        self._connect, self._jitter = connect, jitter
        self.idle_s = idle_s
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_probe_ms: int | None = None

    def step(self) -> str | None:
        """Send the next due job, if any; return its id.

        Never raises: a failure puts the job back for a later attempt.
        """
        with self.store.read() as conn:  # most wake-ups find nothing: no write lock then
            due = queue.next_due_ms(conn, self.printer.name)
        if due is None or due > self.clock():
            return None
        with self.store.write() as conn:
            job = queue.claim(conn, self.printer.name, self.clock())
        if job is None:
            return None
        info = job.info
        try:
            if info.kind == queue.KICK and (info.expires_ms or 0) < self.clock():
                self._finish(info.id, "expired", "not sent within 15 s")
                return info.id
            state, error = self._deliver(job)
        except PrinterError as exc:
            self._retry(job.info, exc)
        except Exception as exc:  # a worker must outlive any one job
            log.exception("print job %s failed unexpectedly", info.id)
            self._retry(job.info, exc)
        else:
            self._finish(info.id, state, error)
            log.debug("%s: job %s %s", self.printer.name, info.id, state)
        return info.id

    def _deliver(self, job: queue.Job) -> tuple[str, str | None]:
        """Send one job; return its final state (``done`` or ``unconfirmed``) and why.

        Raises:
            PrinterError: the job did not go out, or not all of it: it waits for a retry.
        """
        kick = job.info.kind == queue.KICK
        transport = self._connect(self.printer)
        try:
            status = self._status(transport)
            self._record(status)
            if self.printer.status and transport.can_read and not status.known:
                raise PrinterNotReady(status)  # it should answer: never send blind
            if status.blocks_printing and not kick:
                raise PrinterNotReady(status)
            wait_s = self.printer.confirm_wait_s(len(job.payload))
            if kick:
                wait_s = min(wait_s, max(0, (job.info.expires_ms or 0) - self.clock()) / 1000)
            transport.write(job.payload)
            if status.known:
                if confirm(transport, wait_s):
                    return "done", None
                if kick:
                    raise PrinterTimeout("the printer did not take the drawer pulse in time")
                return "unconfirmed", f"the printer did not confirm the job within {wait_s:.0f} s"
            if not transport.flush(wait_s):
                raise PrinterTimeout(f"the job was still not through after {wait_s:.0f} s")
            return "done", None
        finally:
            transport.close()

    def _status(self, transport: Transport) -> PrinterStatus:
        self._last_probe_ms = self.clock()
        if not self.printer.status:
            return unknown("status queries are switched off for this printer")
        return probe(transport, self.printer.status_timeout_s)

    def _record(self, status: PrinterStatus) -> None:
        with self.store.write() as conn:
            registry.record_status(conn, self.printer.name, status, self.clock())

    def _finish(self, job_id: str, state: str, error: str | None) -> None:
        with self.store.write() as conn:
            queue.finish(conn, job_id, state, self.clock(), error)

    def _retry(self, info: queue.JobInfo, exc: Exception) -> None:
        delay = retry_delay_s(
            info.attempts, self.printer.retry_base_s, self.printer.retry_max_s, self._jitter()
        )
        now = self.clock()
        status = exc.status if isinstance(exc, PrinterNotReady) else unknown(str(exc))
        next_ms, error = now + int(delay * 1000), str(exc) or repr(exc)
        with self.store.write() as conn:
            if info.kind == queue.KICK and next_ms > (info.expires_ms or 0):
                queue.finish(conn, info.id, "expired", now, error)
            else:
                queue.retry_later(conn, info.id, next_ms, error)
            registry.record_status(conn, self.printer.name, status, now)

    def check_status(self) -> PrinterStatus:
        """Ask the printer its status now and record it; never raises."""
        try:
            transport = self._connect(self.printer)
            try:
                status = self._status(transport)
            finally:
                transport.close()
        except PrinterError as exc:
            status = unknown(str(exc))
        self._record(status)
        return status

    def _idle_wait_s(self) -> float:
        with self.store.read() as conn:
            due = queue.next_due_ms(conn, self.printer.name)
        now = self.clock()
        if (
            self._last_probe_ms is None
            or now - self._last_probe_ms >= self.printer.status_every_s * 1000
        ):
            self.check_status()
        if due is None:
            return self.idle_s
        return max(0.0, min(self.idle_s, (due - now) / 1000))

    def run(self) -> None:
        """The thread's loop: send due jobs, wait for a wake-up or the next due time."""
        with self.store.write() as conn:
            requeued = queue.requeue_interrupted(conn, self.printer.name)
        if requeued:
            log.warning("%s: %d interrupted jobs will print again", self.printer.name, requeued)
        while not self._stopping.is_set():
            try:
                if self.step() is not None:
                    continue
                wait = self._idle_wait_s()
            except Exception:  # e.g. a locked database: try again soon
                log.exception("print worker %s hit an error", self.printer.name)
                wait = self.idle_s
            self._wake.wait(wait)
            self._wake.clear()

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.run, name=f"print-{self.printer.name}", daemon=True
        )
        self._thread.start()

    def wake(self) -> None:
        """Look at the queue now (a job was just queued)."""
        self._wake.set()

    def stop(self, timeout_s: float | None = None) -> None:
        """Stop after the job in hand (at most one I/O timeout away)."""
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s if timeout_s is not None else self.printer.timeout_s * 3)


class PrintRuntime:
    """The workers of every configured printer."""

    def __init__(self, store: Store, printers: tuple[PrinterConfig, ...], clock: Clock) -> None:
        self.store, self.clock = store, clock
        self.workers = {p.name: PrintWorker(store, p, clock) for p in printers}
        self._started = False
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            self._started = True
            for worker in self.workers.values():
                worker.start()

    def reload(self, printers: tuple[PrinterConfig, ...]) -> None:
        """Run workers for exactly these printers: a worker whose printer changed or went
        is stopped after the job in hand; new and changed printers get a new worker."""
        wanted = {p.name: p for p in printers}
        with self._lock:
            for name, worker in list(self.workers.items()):
                if wanted.get(name) != worker.printer:
                    worker.stop()
                    del self.workers[name]
            for name, printer in wanted.items():
                if name not in self.workers:
                    worker = PrintWorker(self.store, printer, self.clock)
                    self.workers[name] = worker
                    if self._started:
                        worker.start()

    def wake(self) -> None:
        for worker in self.workers.values():
            worker.wake()

    def stop(self) -> None:
        for worker in self.workers.values():
            worker._stopping.set()
            worker.wake()
        for worker in self.workers.values():
            worker.stop()
