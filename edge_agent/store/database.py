"""Opening the device database and running write transactions on it.

Discipline: WAL journal, ``synchronous=FULL`` (every commit is fsynced, so a ``kill -9``
or a power cut loses nothing that was acknowledged), foreign keys on, and one writer at a
time through ``BEGIN IMMEDIATE``, which takes the write lock up front instead of failing
half-way through a transaction when another writer got there first. ``secure_delete``
overwrites what a change removes (a staff member's old PIN hash), so the file does not
keep it in free pages.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from edge_agent.store import private_files

BUSY_TIMEOUT_MS = 10_000


def connect(path: Path | str) -> sqlite3.Connection:
    """Open (creating if needed) the device database with the store's pragmas.

    Transactions are explicit: use :func:`write_transaction` for every change.
    """
    conn = sqlite3.connect(
        path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
    )
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA secure_delete=ON")
    return conn


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """Run the block in one ``BEGIN IMMEDIATE`` transaction; roll back on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def backup(conn: sqlite3.Connection, destination: Path) -> int:
    """Copy the live database to ``destination`` with SQLite's online backup API.

    Sales may go on meanwhile: the copy is a consistent snapshot, owner-only like the
    database (it holds the same PIN hashes). Returns the number of pages copied.

    Raises:
        FileExistsError: if ``destination`` exists (a backup is never overwritten).
    """
    if destination.exists():
        raise FileExistsError(f"backup target {destination} already exists")
    private_files.private_dir(destination.parent)
    target = sqlite3.connect(private_files.private_file(destination))
    try:
        conn.backup(target)
        pages = target.execute("PRAGMA page_count").fetchone()[0]
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
    return int(pages)
