"""Printer settings applied again without a restart.

The agent looks at its printers file every ``every_s`` seconds (2 by default) and, when
the file changed, reads it, checks it whole and applies it: the ``printers`` table, and
one worker per printer (:meth:`PrintRuntime.reload`). A file that does not describe
printers is not applied: the running settings stay, and the problem is shown with the
printer alerts until a good file is applied. ``POST /api/v1/printers/reload`` does the
same at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from edge_agent.printing import files, registry
from edge_agent.printing.config import PrinterConfig
from edge_agent.printing.errors import PrinterConfigError
from edge_agent.printing.worker import PrintRuntime
from edge_agent.store.gateway import Store

log = logging.getLogger(__name__)
Signature = tuple[str, int, int] | None


def signature(path: Path | None) -> Signature:
    """What changes when the file is edited, replaced or removed."""
    if path is None:
        return None
    try:
        stat = path.stat()
    except OSError:
        return None
    return str(path), stat.st_mtime_ns, stat.st_size


class PrintersReloader:
    """Watches the printers file and applies it when it changes.

    Args:
        find: the printers file now (it may appear or go while the agent runs).
        store: the device database.
        runtime: the print workers.
        clock: Unix milliseconds.
        every_s: how often to look at the file.
    """

    def __init__(
        self,
        find: Callable[[], Path | None],
        store: Store,
        runtime: PrintRuntime,
        clock: Callable[[], int],
        every_s: float = 2.0,
    ) -> None:
        self._find, self.store, self.runtime, self.clock = find, store, runtime, clock
        self.every_s = every_s
        self._seen = signature(find())
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def reload(self) -> tuple[PrinterConfig, ...]:
        """Read the printers file and apply it now.

        Raises:
            PrinterConfigError: the file does not describe printers (nothing changes;
                the problem is recorded for the printer alerts).
        """
        with self._lock:
            path = self._find()
            self._seen = signature(path)
            try:
                printers = files.load(path)
            except PrinterConfigError as exc:
                with self.store.write() as conn:
                    registry.record_problem(conn, str(exc), self.clock())
                raise
            with self.store.write() as conn:
                registry.apply(conn, printers, self.clock())
            self.runtime.reload(printers)
            log.info("printers file applied: %s", ", ".join(p.name for p in printers) or "none")
            return printers

    def check(self) -> bool:
        """Apply the file if it changed since it was last read; return whether it was."""
        if signature(self._find()) == self._seen:
            return False
        try:
            self.reload()
        except PrinterConfigError as exc:
            log.warning("printers file not applied: %s", exc)
            return False
        return True

    def _run(self) -> None:
        while not self._stopping.wait(self.every_s):
            try:
                self.check()
            except Exception:  # e.g. a locked database: look again next time
                log.exception("checking the printers file failed")

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="printers-file", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(self.every_s + 1)
