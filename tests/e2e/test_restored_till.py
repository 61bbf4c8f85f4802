"""A till restored from a backup, and tills enrolled again, with real processes: no sale
made on the till is lost, no receipt number is used twice, and the till keeps syncing.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.e2e.sync_world import DRIVEN, Till, World, fresh_database, sync_world
from tests.processes import AGENT_ENV, AgentProcess, free_port

pytestmark = pytest.mark.slow


def agent_cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edge_agent.cli", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **AGENT_ENV},
        timeout=120,
    )


def hub_rows(world: World, sql: str, *params: object) -> list[tuple]:
    path = world.hub.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


def till_rows(till: Till, sql: str, *params: object) -> list[tuple]:
    with sqlite3.connect(till.agent.data_dir / "agent.sqlite3") as conn:
        return conn.execute(sql, params).fetchall()


def restart(world: World, index: int, between=None) -> Till:
    """Stop a till's agent, run ``between`` on its data dir, start it again signed in."""
    old = world.tills[index]
    old.agent.stop()
    old.client.close()
    if between is not None:
        between(old.agent.data_dir)
    agent = AgentProcess(
        old.agent.data_dir,
        free_port(),
        env=DRIVEN,
    )
    agent.start()
    till = Till(agent)
    till.sign_in()
    world.tills[index] = till
    return till


def stop_all(world: World) -> None:
    for till in world.tills:
        till.agent.stop()
        till.client.close()


def copy_back(backup: Path):
    """Restore by putting the backup file back in place, as a disk restore would."""

    def put_back(data_dir: Path) -> None:
        database = data_dir / "agent.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        database.write_bytes(backup.read_bytes())
        database.chmod(0o600)  # a disk restore keeps the owner-only mode

    return put_back


def sync_rounds(world: World, rounds: int = 3) -> list[dict]:
    outcomes = []
    for _ in range(rounds):
        for till in world.tills:
            outcomes.append(till.sync())
    return outcomes


@pytest.fixture
def world(tmp_path):
    with sync_world(fresh_database("sqlite", tmp_path, None), tmp_path) as world:
        world.sync_all()
        for till in world.tills:
            till.sign_in()
        yield world
        stop_all(world)


def test_a_till_restored_then_selling_past_the_hubs_mark_loses_no_sale_and_reuses_no_receipt_number(
    world, tmp_path
) -> None:
    a, b = world.tills
    before_backup = [a.sale("chai")["id"], a.sale("samosa")["id"]]
    world.sync_all()
    backup = tmp_path / "till-a-backup.sqlite3"
    assert agent_cli(a.agent.data_dir, "backup", "--to", str(backup)).returncode == 0
    lost_by_the_backup = [a.sale("croissant")["id"] for _ in range(3)]
    world.sync_all()
    world.faults.offline = True
    a = restart(world, 0, between=copy_back(backup))
    after_restore = [a.sale("chai", "samosa")["id"] for _ in range(5)]
    (hub_mark,) = hub_rows(world, "SELECT last_applied_seq FROM devices WHERE code = 'D01'")
    (till_log,) = till_rows(a, "SELECT last_seq FROM device")
    assert till_log[0] > hub_mark[0], "the restored till must sell past the hub's mark"
    world.faults.offline = False

    outcomes = sync_rounds(world)

    sold_on_a = {*before_backup, *lost_by_the_backup, *after_restore}
    on_hub = {row[0] for row in hub_rows(world, "SELECT id FROM tickets")}
    paid_on_hub = {
        row[0]: row[1] for row in hub_rows(world, "SELECT ticket_id, amount FROM payments")
    }
    receipts = [row[0] for row in hub_rows(world, "SELECT receipt_no FROM tickets")]
    on_b = {t["id"] for t in b.client.get("/tickets").json()}
    on_a = a.client.get("/tickets").json()
    status = a.client.get("/sync/status").json()
    assert all(outcome["ok"] for outcome in outcomes), outcomes
    assert sold_on_a <= on_hub
    assert sold_on_a <= set(paid_on_hub)
    assert all(paid_on_hub[t] > 0 for t in sold_on_a)
    assert sold_on_a <= on_b
    assert sold_on_a <= {t["id"] for t in on_a}
    assert len(receipts) == len(set(receipts))
    assert len({t["receipt_no"] for t in on_a}) == len(on_a)
    assert status["pending_ops"] == 0
    assert status["restore"]["previous_identities"][0]["device_code"] == "D01"
    assert "D01R1" in status["restore"]["note"]
    assert world.converged()


def test_a_till_restored_with_pos_agent_restore_and_synced_at_once_recovers_and_keeps_syncing(
    world, tmp_path
) -> None:
    a, b = world.tills
    first = a.sale("chai")["id"]
    world.sync_all()
    backup = tmp_path / "till-a-backup.sqlite3"
    assert agent_cli(a.agent.data_dir, "backup", "--to", str(backup)).returncode == 0
    lost_by_the_backup = a.sale("samosa")["id"]
    world.sync_all()
    restored = {}

    def restore(data_dir: Path) -> None:
        restored["cli"] = agent_cli(data_dir, "restore", "--from", str(backup))

    a = restart(world, 0, between=restore)
    synced = a.sync()
    restore_status = a.client.get("/sync/status").json()["restore"]
    from_b = b.sale("croissant")["id"]
    b.sync()
    a.sync()
    new_sale = a.sale("latte-r")
    outcomes = sync_rounds(world)

    on_hub = dict(hub_rows(world, "SELECT id, receipt_no FROM tickets"))
    on_a = {t["id"] for t in a.client.get("/tickets").json()}
    devices = world.admin.get("/api/v1/devices").json()
    assert restored["cli"].returncode == 0, restored["cli"].stderr
    assert synced["ok"] is True, synced
    assert restore_status["pending"] is False
    assert "D01R1" in restore_status["note"]
    assert all(outcome["ok"] for outcome in outcomes), outcomes
    assert {first, lost_by_the_backup, from_b} <= on_a
    assert {first, lost_by_the_backup, from_b, new_sale["id"]} <= set(on_hub)
    assert on_hub[new_sale["id"]] == new_sale["receipt_no"] == "DEMO1-D01R1-000001"
    assert len(set(on_hub.values())) == len(on_hub)
    assert {d["code"]: d["status"] for d in devices}["D01"] == "retired"
    assert world.converged()


def test_pos_agent_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(
    tmp_path,
) -> None:
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("not a database")
    data_dir = tmp_path / "agent"

    missing = agent_cli(data_dir, "restore", "--from", str(tmp_path / "nowhere.sqlite3"))
    garbage = agent_cli(data_dir, "restore", "--from", str(not_a_backup))
    usage = agent_cli(data_dir, "restore")
    helped = agent_cli(data_dir, "restore", "--help")

    assert (missing.returncode, garbage.returncode, usage.returncode) == (1, 1, 2)
    assert "not a device database" in garbage.stderr
    assert helped.returncode == 0
    assert "successor" in helped.stdout
    assert not (data_dir / "agent.sqlite3").exists()


def test_enrolling_an_enrolled_till_again_starts_its_sync_bookkeeping_over(world) -> None:
    a, b = world.tills
    sold = a.sale("chai")["id"]
    world.sync_all()
    code = world.hub.cli(
        "enroll-code", "--tenant", "demo", "--outlet", "DEMO1", "--device", "D07"
    ).split()[0]
    enrolled = {}

    def enroll_again(data_dir: Path) -> None:
        with sqlite3.connect(data_dir / "agent.sqlite3") as conn:
            conn.execute(
                "INSERT INTO quarantined_ops (op_id, device_seq, code, reason, recorded_ms)"
                " VALUES ('x', 1, 'clock_drift', 'ahead', 1)"
            )
        enrolled["plain"] = agent_cli(data_dir, "enroll", "--hub", world.proxy_url, "--code", code)
        enrolled["forced"] = agent_cli(
            data_dir, "enroll", "--force", "--hub", world.proxy_url, "--code", code
        )
        with sqlite3.connect(data_dir / "agent.sqlite3") as conn:
            enrolled["device"] = conn.execute(
                "SELECT device_code, last_seq, acked_seq, pull_cursor FROM device"
            ).fetchone()
            enrolled["quarantined"] = conn.execute(
                "SELECT count(*) FROM quarantined_ops"
            ).fetchone()

    a = restart(world, 0, between=enroll_again)
    synced = a.sync()
    later = a.sale("samosa")
    outcomes = sync_rounds(world)

    assert enrolled["plain"].returncode == 1
    assert "--force" in enrolled["plain"].stderr
    assert enrolled["forced"].returncode == 0, enrolled["forced"].stderr
    device_code, last_seq, acked_seq, cursor = enrolled["device"]
    assert (device_code, acked_seq, cursor) == ("D07", 0, None)
    assert last_seq == 1  # the audit op saying what happened
    assert enrolled["quarantined"] == (0,)
    assert synced["ok"] is True, synced
    assert all(outcome["ok"] for outcome in outcomes), outcomes
    assert later["receipt_no"] == "DEMO1-D07-000001"
    assert sold in {t["id"] for t in a.client.get("/tickets").json()}
    assert later["id"] in {t["id"] for t in b.client.get("/tickets").json()}
    assert a.client.get("/sync/status").json()["pending_ops"] == 0
    assert world.converged()


def test_a_lost_enrollment_answer_is_retried_with_the_same_code_and_gets_the_same_device(
    world, tmp_path
) -> None:
    code = world.hub.cli(
        "enroll-code", "--tenant", "demo", "--outlet", "DEMO1", "--device", "D05"
    ).split()[0]
    data_dir = tmp_path / "agent-d05"
    world.faults.drop_next("/api/v1/enroll")

    lost = agent_cli(data_dir, "enroll", "--hub", world.proxy_url, "--code", code)
    retried = agent_cli(data_dir, "enroll", "--hub", world.proxy_url, "--code", code)
    agent = AgentProcess(
        data_dir,
        free_port(),
        env=DRIVEN,
    )
    agent.start()
    till = Till(agent)
    world.tills.append(till)
    synced = till.sync()
    till.sign_in()
    sale = till.sale("chai")
    world.sync_all()

    on_hub = hub_rows(world, "SELECT id FROM devices WHERE code = 'D05'")
    with sqlite3.connect(data_dir / "agent.sqlite3") as conn:
        (device_id,) = conn.execute("SELECT device_id FROM device").fetchone()
    assert world.faults.dropped == ["/api/v1/enroll"]
    assert lost.returncode == 1
    assert retried.returncode == 0, retried.stderr
    assert on_hub == [(device_id,)]
    assert synced["ok"] is True, synced
    assert sale["receipt_no"] == "DEMO1-D05-000001"
    assert httpx.get(f"{world.hub.url}/health").status_code == 200
    assert world.converged()


def test_a_restored_till_whose_successor_answer_is_lost_gets_the_same_successor_again(
    world, tmp_path
) -> None:
    a, _ = world.tills
    a.sale("chai")
    world.sync_all()
    backup = tmp_path / "till-a-backup.sqlite3"
    assert agent_cli(a.agent.data_dir, "backup", "--to", str(backup)).returncode == 0
    lost_by_the_backup = a.sale("samosa")["id"]
    world.sync_all()
    world.faults.drop_next("/sync/v1/successor")

    a = restart(world, 0, between=copy_back(backup))
    outcomes = sync_rounds(world)
    after_restore = a.sale("croissant")
    outcomes += sync_rounds(world)

    successors = hub_rows(world, "SELECT id FROM devices WHERE code LIKE 'D01R%'")
    (device_id,) = till_rows(a, "SELECT device_id FROM device")
    assert world.faults.dropped == ["/sync/v1/successor"]
    assert outcomes[-1]["ok"] is True, outcomes
    assert successors == [device_id]
    assert after_restore["receipt_no"].startswith("DEMO1-D01R1-")
    assert lost_by_the_backup in {t["id"] for t in a.client.get("/tickets").json()}
    assert world.converged()
