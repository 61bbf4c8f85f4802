"""One handle on the device database, shared by the API threads.

The agent is one process serving one till: every database use goes through one lock, so
threads never share the connection at the same time, and every write is one
``BEGIN IMMEDIATE`` transaction, which ends by settling what its ops changed in the kept
open conflicts (:mod:`edge_agent.store.kept_state`). Listeners registered with
:meth:`Store.on_commit` hear about every committed transaction that wrote this device's
own ops (the sync scheduler pushes them right away).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from edge_agent.store import kept_state, private_files
from edge_agent.store.database import connect, write_transaction
from edge_agent.store.migrations import migrate

log = logging.getLogger(__name__)


class Store:
    """The device database, migrated on open.

    Args:
        path: the SQLite file; created when missing, owner-only.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn = connect(private_files.private_file(path))
        self._lock = threading.RLock()
        self._listeners: list[Callable[[], None]] = []
        migrate(self._conn)

    def on_commit(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after each commit that appended ops to the device's log.

        It runs on the committing thread after the lock is released; it must be quick
        and must not raise (an error is logged, never passed to the writer).
        """
        self._listeners.append(listener)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; committed when the block ends, rolled back on error."""
        wrote_ops = False
        with self._lock, write_transaction(self._conn) as conn:
            before = self._last_seq(conn) if self._listeners else None
            yield conn
            kept_state.settle_conflicts(conn)
            wrote_ops = before is not None and self._last_seq(conn) > max(before, 0)
        if wrote_ops:
            self._notify()

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """The connection, for reads outside a write transaction."""
        with self._lock:
            yield self._conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @staticmethod
    def _last_seq(conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT last_seq FROM device").fetchone()
        return -1 if row is None else int(row[0])

    def _notify(self) -> None:
        for listener in self._listeners:
            try:
                listener()
            except Exception:
                log.exception("a commit listener failed")
