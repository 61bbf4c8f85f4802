"""One handle on the device database, shared by the API threads.

The agent is one process serving one till: every database use goes through one lock, so
threads never share the connection at the same time, and every write is one
``BEGIN IMMEDIATE`` transaction.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from edge_agent.store.database import connect, write_transaction
from edge_agent.store.migrations import migrate


class Store:
    """The device database, migrated on open.

    Args:
        path: the SQLite file; created when missing.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn = connect(path)
        self._lock = threading.RLock()
        migrate(self._conn)

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction; committed when the block ends, rolled back on error."""
        with self._lock, write_transaction(self._conn) as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """The connection, for reads outside a write transaction."""
        with self._lock:
            yield self._conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()
