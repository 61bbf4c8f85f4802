"""The device store on a real SQLite file: pragmas, migrations, outbox, backup."""

from __future__ import annotations

import sqlite3
import uuid
from itertools import count

import pytest

from edge_agent.bootstrap import init_device
from edge_agent.printing import queue
from edge_agent.settings import AgentSettings
from edge_agent.store import oplog
from edge_agent.store.database import backup, connect, write_transaction
from edge_agent.store.device import DeviceIdentity, initialise
from edge_agent.store.migrations import MIGRATIONS, _statements, migrate, schema_version
from sync_protocol import DecodeError, Replica

ME = DeviceIdentity(
    device_id=uuid.UUID("0193a6d4-0000-7000-8000-0000000000d1"),
    tenant="demo",
    outlet="DEMO1",
    device_code="D01",
    currency="KES",
    timezone="Africa/Nairobi",
)


@pytest.fixture
def conn(tmp_path):
    conn = connect(tmp_path / "agent.sqlite3")
    migrate(conn)
    with write_transaction(conn):
        initialise(conn, ME)
    yield conn
    conn.close()


@pytest.fixture
def wall_clock():
    ticks = count(1_750_000_000_000, 7)
    return lambda: next(ticks)


def line(ticket: str, sku: str) -> oplog.Draft:
    return oplog.Draft("event", "ticket", ticket, {"name": "line_added", "data": {"sku": sku}})


def test_the_database_commits_with_fsync_in_wal_mode(conn) -> None:
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_migrating_twice_applies_nothing_the_second_time(tmp_path) -> None:
    conn = connect(tmp_path / "fresh.sqlite3")

    first, second = migrate(conn), migrate(conn)

    assert first == list(range(1, len(MIGRATIONS) + 1))
    assert second == []
    assert schema_version(conn) == len(MIGRATIONS)


def test_print_jobs_queued_before_jobs_could_be_cancelled_survive_and_can_be_cancelled(
    tmp_path,
) -> None:
    conn = connect(tmp_path / "agent.sqlite3")
    for version, script in enumerate(MIGRATIONS[:14], start=1):  # an agent of schema 14
        with write_transaction(conn):
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={version}")
    with write_transaction(conn):
        queue.enqueue(
            conn, "kitchen:t1", "kitchen", "kitchen", b"1 x Beef samosa", 1, ticket_id="t1"
        )

    applied = migrate(conn)
    with write_transaction(conn):
        cancelled = queue.cancel(conn, "kitchen:t1", 2, "made by hand")

    assert applied == list(range(15, len(MIGRATIONS) + 1))
    assert cancelled
    job = queue.get(conn, "kitchen:t1")
    assert job is not None
    assert (job.state, job.ticket_id, job.last_error) == (
        "cancelled",
        "t1",
        "cancelled: made by hand",
    )
    assert queue.payload(conn, "kitchen:t1") == b"1 x Beef samosa"
    assert queue.listing(conn, state="cancelled") == [job]


def test_a_database_newer_than_the_agent_is_refused(tmp_path) -> None:
    conn = connect(tmp_path / "future.sqlite3")
    conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")

    with pytest.raises(RuntimeError, match="upgrade the agent"):
        migrate(conn)


def test_initialising_twice_keeps_the_first_identity(conn) -> None:
    other = DeviceIdentity(uuid.uuid4(), "other", "X1", "D09", "USD", "UTC")

    with write_transaction(conn):
        again = initialise(conn, other)

    assert again is False
    assert oplog.identity(conn) == ME


def test_the_outbox_numbers_ops_gaplessly_with_increasing_hlcs(conn, wall_clock) -> None:
    with write_transaction(conn):
        first = oplog.append(conn, [line("t1", "LATTE"), line("t1", "TEA")], wall_clock)
    with write_transaction(conn):
        second = oplog.append(conn, [line("t2", "MOCHA")], wall_clock)

    ops = first + second
    assert [op.device_seq for op in ops] == [1, 2, 3]
    assert [op.hlc for op in ops] == sorted({op.hlc for op in ops})
    assert all(op.op_id.version == 7 and op.device_id == ME.device_id for op in ops)
    assert oplog.local_ops(conn, after_seq=1) == ops[1:]
    assert oplog.local_ops(conn, limit=1) == ops[:1]


def test_a_rolled_back_change_takes_its_ops_and_numbers_with_it(conn, wall_clock) -> None:
    def failing_sale() -> None:
        with write_transaction(conn):
            oplog.append(conn, [line("t1", "LATTE")], wall_clock)
            raise RuntimeError("the sale failed after logging")

    with pytest.raises(RuntimeError):
        failing_sale()

    with write_transaction(conn):
        kept = oplog.append(conn, [line("t1", "TEA")], wall_clock)

    assert [op.device_seq for op in oplog.local_ops(conn)] == [1]
    assert kept[0].data == {"sku": "TEA"}


def test_an_invalid_draft_is_refused_and_nothing_is_logged(conn, wall_clock) -> None:
    bad = oplog.Draft("event", "Ticket With Spaces", "t1", {"name": "line_added"})

    with pytest.raises(DecodeError, match="entity"), write_transaction(conn):
        oplog.append(conn, [line("t1", "LATTE"), bad], wall_clock)

    assert oplog.local_ops(conn) == []
    assert conn.execute("SELECT last_seq FROM device").fetchone()[0] == 0


def test_replaying_the_store_gives_the_ops_state(conn, wall_clock) -> None:
    with write_transaction(conn):
        ops = oplog.append(conn, [line("t1", "LATTE"), line("t2", "TEA")], wall_clock)
    expected = Replica()
    for op in ops:
        expected.apply(op)

    replica = oplog.replay(conn)

    assert replica.state_hash() == expected.state_hash()
    assert oplog.entity_ops(conn, "ticket", "t2") == ops[1:]


def test_a_backup_is_a_consistent_readable_copy(conn, wall_clock, tmp_path) -> None:
    with write_transaction(conn):
        oplog.append(conn, [line("t1", "LATTE")], wall_clock)
    target = tmp_path / "backup.sqlite3"

    pages = backup(conn, target)

    copy = sqlite3.connect(target)
    assert pages > 0
    assert copy.execute("SELECT count(*) FROM ops").fetchone()[0] == 1
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with pytest.raises(FileExistsError):
        backup(conn, target)


def test_a_new_data_directory_is_readable_by_its_owner_only(tmp_path) -> None:
    store, _ = init_device(AgentSettings(data_dir=tmp_path / "till"), with_demo=True)
    store.close()

    assert (tmp_path / "till").stat().st_mode & 0o777 == 0o700
