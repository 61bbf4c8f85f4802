"""Faults of the sync loop with real processes: a lost answer, the hub killed mid-push,
PostgreSQL restarted mid-sync, a malformed op, a clock a day ahead, a hub restored from
an older backup. Nothing acknowledged is lost and nothing is applied twice.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest

from sync_protocol import JSON, Event, FieldEdit, Handshake, PushRequest, uuid7
from sync_protocol.hlc import pack
from sync_protocol.messages import PROTOCOL_VERSION, SCHEMA_VERSION
from tests.e2e.sync_world import World, fresh_database, sync_world

pytestmark = pytest.mark.slow

DAY_MS = 86_400_000


def wait_for(condition, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)  # polling another process, not waiting for a result


def hub_rows(world: World, sql: str, *params: object) -> list[tuple]:
    path = world.hub.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


def sync_until_settled(world: World, rounds: int = 4) -> None:
    """Sync every till until none has ops pending (a run may fail while the hub recovers)."""
    for _ in range(rounds):
        for till in world.tills:
            till.sync()
        if all(t.client.get("/sync/status").json()["pending_ops"] == 0 for t in world.tills):
            for till in world.tills:
                till.sync()
            return
    raise AssertionError("ops still pending after several sync runs")


@pytest.fixture
def world(tmp_path):
    with sync_world(fresh_database("sqlite", tmp_path, None), tmp_path) as world:
        world.sync_all()
        for till in world.tills:
            till.sign_in()
        yield world


def test_a_push_whose_answer_is_lost_is_retried_without_a_second_ticket(world) -> None:
    a, _ = world.tills
    world.faults.drop_next("/sync/v1/push")

    ticket = a.sale("chai", "samosa")
    a.sync()
    sync_until_settled(world)

    assert world.faults.dropped == ["/sync/v1/push"]
    assert hub_rows(world, "SELECT count(*) FROM tickets WHERE id = ?", ticket["id"]) == [(1,)]
    ops_on_hub = hub_rows(world, "SELECT count(*) FROM ops WHERE entity_id = ?", ticket["id"])
    with sqlite3.connect(a.agent.data_dir / "agent.sqlite3") as conn:
        ops_on_till = conn.execute(
            "SELECT count(*) FROM ops WHERE entity_id = ?", (ticket["id"],)
        ).fetchall()
    assert ops_on_hub == ops_on_till
    assert world.converged()


def test_the_hub_killed_mid_push_and_restarted_loses_and_doubles_nothing(world) -> None:
    a, _ = world.tills
    world.faults.offline = True
    sold = [a.sale("chai", "samosa", "croissant")["id"] for _ in range(40)]
    world.faults.offline = False
    world.faults.arrived.clear()

    pushing = threading.Thread(target=a.sync)
    pushing.start()
    wait_for(lambda: "/sync/v1/push" in world.faults.arrived)
    world.hub.kill()
    pushing.join(timeout=60)
    world.hub.start()
    sync_until_settled(world)

    on_hub = {row[0] for row in hub_rows(world, "SELECT id FROM tickets")}
    assert set(sold) <= on_hub
    (duplicates,) = hub_rows(world, "SELECT count(*) - count(DISTINCT op_id) FROM ops")
    assert duplicates == (0,)
    assert world.converged()


def test_a_malformed_op_is_quarantined_and_the_rest_of_its_batch_applied(world) -> None:
    device_id = uuid.uuid4()
    code = world.hub.cli(
        "enroll-code", "--tenant", "demo", "--outlet", "DEMO1", "--device", "D09"
    ).split()[0]
    enrolled = httpx.post(
        f"{world.hub.url}/api/v1/enroll", json={"code": code, "device_id": str(device_id)}
    ).json()
    now = time.time_ns() // 1_000_000
    good = [_header_op(device_id, 1, now), _line_op(device_id, 3, now)]
    bad = JSON.encode(_line_op(device_id, 2, now)).replace(b'"quantity":1', b'"quantity":1.5')
    body = (
        b'{"type":"push","device_id":"'
        + str(device_id).encode()
        + b'","ops":['
        + JSON.encode(good[0])
        + b","
        + bad
        + b","
        + JSON.encode(good[1])
        + b"]}"
    )
    headers = {"Authorization": f"Bearer {enrolled['credential']}"}

    answer = httpx.post(
        f"{world.hub.url}/sync/v1/push",
        content=body,
        headers={**headers, "Content-Type": "application/json"},
    )
    quarantined = world.admin.get("/api/v1/quarantine").json()
    a, _ = world.tills
    a.sync()
    pulled = a.client.get(f"/tickets/{good[0].entity_id}")

    assert answer.status_code == 200, answer.text
    statuses = [r["status"] for r in answer.json()["results"]]
    assert statuses == ["applied", "quarantined", "applied"]
    assert answer.json()["last_applied_seq"] == 3
    assert [(q["device_seq"], q["code"]) for q in quarantined] == [(2, "malformed")]
    assert pulled.status_code == 200
    assert [line["id"] for line in pulled.json()["lines"]] == ["l3"]


def test_a_device_clock_a_day_ahead_is_shown_and_poisons_nothing(world) -> None:
    device_id = uuid.uuid4()
    code = world.hub.cli(
        "enroll-code", "--tenant", "demo", "--outlet", "DEMO1", "--device", "D08"
    ).split()[0]
    credential = httpx.post(
        f"{world.hub.url}/api/v1/enroll", json={"code": code, "device_id": str(device_id)}
    ).json()["credential"]
    ahead = time.time_ns() // 1_000_000 + DAY_MS
    headers = {"Authorization": f"Bearer {credential}", "Content-Type": "application/json"}
    handshake = Handshake(
        protocol_version=PROTOCOL_VERSION,
        schema_version=SCHEMA_VERSION,
        device_id=device_id,
        device_clock_ms=ahead,
        device_hlc=pack(ahead, 0),
        last_seq=1,
    )
    accepted = httpx.post(
        f"{world.hub.url}/sync/v1/handshake", content=JSON.encode(handshake), headers=headers
    )
    pushed = httpx.post(
        f"{world.hub.url}/sync/v1/push",
        content=JSON.encode(PushRequest(device_id=device_id, ops=[_line_op(device_id, 1, ahead)])),
        headers=headers,
    )
    status = world.admin.get("/api/v1/sync/status", params={"outlet": "DEMO1"}).json()
    a, b = world.tills
    b.sync()
    b_clock = b.client.get("/sync/status").json()

    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["clock_skew_ms"] >= DAY_MS - 60_000
    assert pushed.json()["results"][0]["status"] == "quarantined"
    assert pushed.json()["results"][0]["code"] == "clock_drift"
    (skewed,) = [d for d in status["devices"] if d["device_id"] == str(device_id)]
    assert skewed["clock_skew_ms"] >= DAY_MS - 60_000
    assert skewed["quarantined"] == 1
    assert b_clock["clock_problem"] is None
    assert b.client.get(f"/tickets/{_ticket_id(device_id)}").status_code == 404
    a.sync()
    assert (world.hub_hash(), a.state_hash()) == (b.state_hash(), b.state_hash())


def test_a_hub_restored_from_an_older_backup_resets_the_tills_and_they_upload_again(
    world, tmp_path
) -> None:
    a, b = world.tills
    early = a.sale("chai")["id"]
    sync_until_settled(world)
    hub_file = Path(world.hub.database_url.removeprefix("sqlite:///"))
    backup = tmp_path / "hub-backup.sqlite3"
    with sqlite3.connect(hub_file) as live, sqlite3.connect(backup) as copy:
        live.backup(copy)

    late = [a.sale("samosa")["id"], b.sale("croissant")["id"]]
    sync_until_settled(world)
    world.hub.stop()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{hub_file}{suffix}").unlink(missing_ok=True)
    shutil.copy(backup, hub_file)
    world.hub.cli("restore-mark")
    world.hub.start()
    sync_until_settled(world)

    on_hub = {row[0] for row in hub_rows(world, "SELECT id FROM tickets")}
    assert {early, *late} <= on_hub
    assert world.converged()


@pytest.mark.postgres
@pytest.mark.serial
def test_postgresql_restarted_mid_sync_loses_nothing(postgres_url, tmp_path) -> None:
    with sync_world(fresh_database("postgres", tmp_path, postgres_url), tmp_path) as world:
        world.sync_all()
        a, b = world.tills
        a.sign_in()
        world.faults.offline = True
        sold = [a.sale("chai", "samosa")["id"] for _ in range(30)]
        world.faults.offline = False
        world.faults.arrived.clear()

        pushing = threading.Thread(target=a.sync)
        pushing.start()
        wait_for(lambda: "/sync/v1/push" in world.faults.arrived)
        _restart_postgresql()
        pushing.join(timeout=60)
        sync_until_settled(world, rounds=8)

        assert set(sold) <= {t["id"] for t in b.client.get("/tickets").json()}
        assert world.converged()


def _restart_postgresql() -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart", "-m", "fast"],
        check=True,
        capture_output=True,
        timeout=120,
    )


def _ticket_id(device_id: uuid.UUID) -> str:
    return f"t-{device_id.hex[:12]}"


def _envelope(device_id: uuid.UUID, seq: int, now_ms: int) -> dict:
    """What every op of the hand-made device's one ticket carries."""
    return {
        "op_id": uuid7(now_ms),
        "tenant": "demo",
        "outlet": "DEMO1",
        "device_id": device_id,
        "device_seq": seq,
        "hlc": pack(now_ms, seq),
        "entity": "ticket",
        "entity_id": _ticket_id(device_id),
    }


def _header_op(device_id: uuid.UUID, seq: int, now_ms: int) -> FieldEdit:
    header = {
        "kind": "counter",
        "receipt_no": "DEMO1-D09-000001",
        "order_no": 1,
        "currency": "KES",
        "opened_by": "staff-cashier",
        "opened_ms": now_ms,
    }
    return FieldEdit(**_envelope(device_id, seq, now_ms), changes=header)


def _line_op(device_id: uuid.UUID, seq: int, now_ms: int) -> Event:
    line = {
        "line_id": f"l{seq}",
        "product_id": "chai",
        "variant_id": "chai",
        "name": "Kenyan chai",
        "quantity": 1,
        "unit_price": 15000,
        "modifiers": [],
        "notes": "",
        "seat": None,
        "course": 1,
        "tax_rates": [],
        "station": None,
    }
    return Event(**_envelope(device_id, seq, now_ms), name="line_added", data=line)
