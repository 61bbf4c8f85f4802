"""PIN verifiers reach only the tills of the outlets a staff member works at.

A real hub with two outlets, DEMO1 and CITY2, and one enrolled till at each. The test
reads each till's SQLite files as an attacker with a copied database would: every
``scrypt$...`` string anywhere in the bytes is tried against the PINs.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import msgspec
import pytest

from edge_agent.domain.rbac import verify_pin
from tests.e2e.sync_world import DRIVEN, Till, World, fresh_database, sync_world
from tests.processes import AgentProcess, enroll, free_port

pytestmark = pytest.mark.slow

HASH = re.compile(rb"scrypt\$[0-9]+\$[0-9]+\$[0-9]+\$[0-9a-f]+\$[0-9a-f]+")
CITY_ONLY_PIN, SHARED_PIN = "4826", "5937"


def hashes_in_files(data_dir: Path) -> list[str]:
    """Every PIN hash in the device database's files, read as raw bytes."""
    found: list[str] = []
    for path in data_dir.glob("agent.sqlite3*"):
        found += [match.decode() for match in HASH.findall(path.read_bytes())]
    return found


def hashes_in_rows(data_dir: Path) -> list[str]:
    """Every PIN hash the device's reference data and op log hold, read with SQL."""
    with sqlite3.connect(data_dir / "agent.sqlite3") as conn:
        texts = [row[0].encode() for row in conn.execute("SELECT data FROM reference_data")]
        texts += [
            msgspec.json.encode(msgspec.msgpack.decode(row[0]))
            for row in conn.execute("SELECT body FROM ops")
        ]
    return [match.decode() for text in texts for match in HASH.findall(text)]


def staff_names(data_dir: Path) -> dict[str, str]:
    """The staff names the till can show (on old tickets, moved ones)."""
    with sqlite3.connect(data_dir / "agent.sqlite3") as conn:
        rows = conn.execute("SELECT entity_id, data FROM reference_data WHERE entity = 'staff'")
        return {staff_id: msgspec.json.decode(data)["name"] for staff_id, data in rows}


def opens(pin: str, hashes: list[str]) -> bool:
    return any(verify_pin(pin, encoded) for encoded in hashes)


@contextmanager
def second_outlet(world: World, tmp_path: Path) -> Iterator[Till]:
    """Outlet CITY2 with one enrolled, running till."""
    created = world.admin.post(
        "/api/v1/outlets", json={"code": "CITY2", "name": "City", "timezone": "Africa/Nairobi"}
    )
    assert created.status_code == 201, created.text
    code = world.hub.cli(
        "enroll-code", "--tenant", "demo", "--outlet", "CITY2", "--device", "D01"
    ).split()[0]
    data_dir = tmp_path / "agent-city2"
    enroll(data_dir, world.proxy_url, code)
    agent = AgentProcess(data_dir, free_port(), env=dict(DRIVEN))
    agent.start()
    till = Till(agent)
    try:
        yield till
    finally:
        till.client.close()
        agent.stop()


@contextmanager
def two_outlets(tmp_path: Path) -> Iterator[tuple[World, Till]]:
    """A demo hub with a till at DEMO1 (``world.tills[0]``) and one at CITY2."""
    with (
        sync_world(fresh_database("sqlite", tmp_path, None), tmp_path, tills=1) as world,
        second_outlet(world, tmp_path) as city,
    ):
        yield world, city


def put_staff(world: World, staff_id: str, pin: str | None, outlets: list[str]) -> None:
    body = {"name": staff_id, "role": "cashier", "outlets": outlets}
    answer = world.admin.put(f"/api/v1/staff/{staff_id}", json=body | ({"pin": pin} if pin else {}))
    assert answer.status_code == 200, answer.text


def test_a_till_holds_no_pin_verifier_of_staff_who_work_only_at_another_outlet(
    tmp_path: Path,
) -> None:
    with two_outlets(tmp_path) as (world, city):
        demo = world.tills[0]
        put_staff(world, "city-only", CITY_ONLY_PIN, ["CITY2"])
        put_staff(world, "both", SHARED_PIN, ["DEMO1", "CITY2"])

        for till in (demo, city):
            till.sync()

        demo_files = hashes_in_files(demo.agent.data_dir)
        assert not opens(CITY_ONLY_PIN, demo_files)
        assert opens(SHARED_PIN, demo_files)
        assert opens(CITY_ONLY_PIN, hashes_in_files(city.agent.data_dir))
        assert staff_names(demo.agent.data_dir)["city-only"] == "city-only"
        signed = city.client.post("/auth/pin", json={"pin": CITY_ONLY_PIN})
        refused = demo.client.post("/auth/pin", json={"pin": CITY_ONLY_PIN})
        assert signed.status_code == 201, signed.text
        assert refused.status_code == 401, refused.text


def test_a_staff_member_moved_off_an_outlet_loses_their_verifier_there_at_the_next_pull(
    tmp_path: Path,
) -> None:
    with two_outlets(tmp_path) as (world, city):
        demo = world.tills[0]
        put_staff(world, "mover", SHARED_PIN, ["DEMO1", "CITY2"])
        demo.sync()
        assert opens(SHARED_PIN, hashes_in_rows(demo.agent.data_dir))
        session = demo.client.post("/auth/pin", json={"pin": SHARED_PIN}).json()["token"]

        put_staff(world, "mover", None, ["CITY2"])
        demo.sync()
        city.sync()

        assert not opens(SHARED_PIN, hashes_in_rows(demo.agent.data_dir))
        assert opens(SHARED_PIN, hashes_in_rows(city.agent.data_dir))
        refused = demo.client.post("/auth/pin", json={"pin": SHARED_PIN})
        assert refused.status_code == 401, refused.text
        ended = demo.client.get("/tickets", headers={"Authorization": f"Bearer {session}"})
        assert ended.status_code == 401, ended.text
        assert world.hub_hash("DEMO1") == demo.state_hash()
        assert world.hub_hash("CITY2") == city.state_hash()
