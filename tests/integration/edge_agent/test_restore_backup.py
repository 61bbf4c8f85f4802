"""``pos-agent restore``: a backup put back as the device database on a real SQLite file."""

from __future__ import annotations

import uuid

import pytest

from edge_agent.store import identities
from edge_agent.store.database import backup, connect, write_transaction
from edge_agent.store.device import DeviceIdentity, initialise
from edge_agent.store.migrations import migrate
from edge_agent.store.restoring import NotABackup, restore_backup
from tests.integration.edge_agent.test_store import ME

NOW_MS = 1_795_426_200_000


def new_database(path, me: DeviceIdentity = ME, receipt_seq: int = 0) -> None:
    conn = connect(path)
    migrate(conn)
    with write_transaction(conn):
        initialise(conn, me)
        conn.execute("UPDATE device SET receipt_seq = ?, last_seq = ?", (receipt_seq, receipt_seq))
    conn.close()


def set_receipts(path, receipt_seq: int) -> None:
    conn = connect(path)
    with write_transaction(conn):
        conn.execute("UPDATE device SET receipt_seq = ?", (receipt_seq,))
    conn.close()


def take_backup(path, to) -> None:
    conn = connect(path)
    backup(conn, to)
    conn.close()


def read_device(path) -> tuple:
    conn = connect(path)
    row = tuple(conn.execute("SELECT device_id, receipt_seq FROM device").fetchone())
    restored = identities.recovery(conn).restored_ms
    conn.close()
    return (*row, restored)


def test_a_restored_device_continues_its_receipts_after_the_database_it_replaces(
    tmp_path,
) -> None:
    live = tmp_path / "agent.sqlite3"
    new_database(live, receipt_seq=3)
    take_backup(live, tmp_path / "backup.sqlite3")
    set_receipts(live, 9)

    done = restore_backup(
        tmp_path / "backup.sqlite3", live, keep_dir=tmp_path / "backups", now_ms=NOW_MS
    )

    assert read_device(live) == (str(ME.device_id), 9, NOW_MS)
    assert done.receipt_seq == 9
    assert done.replaced == tmp_path / "backups" / f"replaced-{NOW_MS}.sqlite3"
    assert read_device(done.replaced) == (str(ME.device_id), 9, None)


def test_a_backup_of_another_device_keeps_its_own_receipts(tmp_path) -> None:
    other = DeviceIdentity(uuid.uuid4(), "demo", "DEMO1", "D02", "KES", "Africa/Nairobi")
    live = tmp_path / "agent.sqlite3"
    new_database(live, receipt_seq=50)
    new_database(tmp_path / "other.sqlite3", other, receipt_seq=4)

    restore_backup(tmp_path / "other.sqlite3", live, keep_dir=tmp_path / "backups", now_ms=NOW_MS)

    assert read_device(live) == (str(other.device_id), 4, NOW_MS)


def test_a_backup_into_an_empty_data_directory_needs_nothing_kept(tmp_path) -> None:
    new_database(tmp_path / "backup.sqlite3", receipt_seq=2)
    live = tmp_path / "data" / "agent.sqlite3"
    live.parent.mkdir()

    done = restore_backup(
        tmp_path / "backup.sqlite3", live, keep_dir=tmp_path / "backups", now_ms=NOW_MS
    )

    assert done.replaced is None
    assert read_device(live) == (str(ME.device_id), 2, NOW_MS)


def test_a_database_without_a_device_is_not_a_backup_and_nothing_changes(tmp_path) -> None:
    live = tmp_path / "agent.sqlite3"
    new_database(live, receipt_seq=5)
    empty = connect(tmp_path / "empty.sqlite3")
    migrate(empty)
    empty.close()

    with pytest.raises(NotABackup, match="no device identity"):
        restore_backup(tmp_path / "empty.sqlite3", live, keep_dir=tmp_path, now_ms=NOW_MS)

    assert read_device(live) == (str(ME.device_id), 5, None)
