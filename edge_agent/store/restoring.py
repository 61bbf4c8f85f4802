"""Putting a backup file back as the device database (``pos-agent restore``).

The agent must be stopped. The backup is checked (a device database this agent can
read, with an identity), copied beside the live file with SQLite's backup API, migrated,
marked restored, and then moved over the live file in one rename. The database it
replaces is kept under ``backups/`` first, so a restore loses nothing by itself.

Receipt numbers are never handed out twice: when the replaced database is the same
device, the restored one continues its receipt sequence after the higher of the two.
The restore mark makes the next sync check the log against the hub before anything
else; the hub then grants a successor identity if it holds ops this backup lacks.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from edge_agent.store import identities, private_files
from edge_agent.store.database import backup, connect, write_transaction
from edge_agent.store.migrations import MIGRATIONS, migrate


@dataclass(frozen=True, slots=True)
class Restored:
    """What ``pos-agent restore`` put in place."""

    device_id: str
    outlet: str
    device_code: str
    last_seq: int
    receipt_seq: int
    replaced: Path | None


class NotABackup(RuntimeError):
    """The file is not a device database this agent can restore."""


def restore_backup(source: Path, database: Path, *, keep_dir: Path, now_ms: int) -> Restored:
    """Restore ``source`` as ``database``; keep the replaced file in ``keep_dir``.

    Raises:
        FileNotFoundError: ``source`` does not exist.
        NotABackup: ``source`` is not a device database, is damaged, or is newer than
            this agent.
    """
    if not source.is_file():
        raise FileNotFoundError(f"no backup file at {source}")
    _check(source)
    previous = _replace_candidate(database)
    staging = database.with_name(database.name + ".restoring")
    staging.unlink(missing_ok=True)
    with _read_only(source) as conn:
        target = sqlite3.connect(private_files.private_file(staging))
        try:
            conn.backup(target)
        finally:
            target.close()
    replaced = None
    if previous is not None:
        replaced = keep_dir / f"replaced-{now_ms}.sqlite3"
        _keep(database, replaced)
    conn = connect(staging)
    try:
        migrate(conn)
        with write_transaction(conn):
            if previous is not None and previous[0] == _device(conn)[0]:
                conn.execute("UPDATE device SET receipt_seq = max(receipt_seq, ?)", (previous[1],))
            identities.mark_restored(conn, now_ms)
        device_id, outlet, code, last_seq, receipt_seq = _device(conn)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
        Path(f"{staging}{suffix}").unlink(missing_ok=True)
    os.replace(staging, database)
    return Restored(device_id, outlet, code, last_seq, receipt_seq, replaced)


def _check(source: Path) -> None:
    try:
        with _read_only(source) as conn:
            (result,) = conn.execute("PRAGMA quick_check").fetchone()
            if result != "ok":
                raise NotABackup(f"{source} is damaged: {result}")
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if version > len(MIGRATIONS):
                raise NotABackup(f"{source} is from a newer agent (schema {version})")
            row = conn.execute("SELECT device_id FROM device").fetchone()
    except sqlite3.DatabaseError as exc:
        raise NotABackup(f"{source} is not a device database: {exc}") from exc
    if row is None:
        raise NotABackup(f"{source} holds no device identity")


def _replace_candidate(database: Path) -> tuple[str, int] | None:
    """The live database's device id and receipt sequence (None: no live database)."""
    if not database.exists():
        return None
    try:
        with _read_only(database) as conn:
            row = conn.execute("SELECT device_id, receipt_seq FROM device").fetchone()
    except sqlite3.DatabaseError:
        return ("", 0)  # damaged: kept under backups/, nothing to carry over
    return ("", 0) if row is None else (str(row[0]), int(row[1]))


def _device(conn: sqlite3.Connection) -> tuple[str, str, str, int, int]:
    row = conn.execute(
        "SELECT device_id, outlet, device_code, last_seq, receipt_seq FROM device"
    ).fetchone()
    return str(row[0]), str(row[1]), str(row[2]), int(row[3]), int(row[4])


def _read_only(path: Path) -> closing[sqlite3.Connection]:
    return closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True))


def _keep(database: Path, kept: Path) -> None:
    """Copy the live database aside (its bytes, when SQLite cannot read it)."""
    private_files.private_dir(kept.parent)
    try:
        with _read_only(database) as live:
            backup(live, kept)
    except sqlite3.DatabaseError:
        kept.unlink(missing_ok=True)
        shutil.copyfile(database, private_files.private_file(kept))
