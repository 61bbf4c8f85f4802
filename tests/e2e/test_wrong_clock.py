"""Wrong clocks and held ops with real processes: a till whose clock runs a day ahead,
then is set right, strands nothing; ops the hub holds are released or discarded by a
manager and every replica converges.

The tills' wall clocks are shifted by the test-only ``tests/clockshift`` seam.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from tests.e2e.sync_world import Till, World, fresh_database, sync_world

pytestmark = pytest.mark.slow

DAY_MS = 86_400_000
ABOUT_A_DAY = DAY_MS - 60_000


@pytest.fixture
def world(tmp_path):
    """Two tills of DEMO1 in sync, then offline; D01 rebooted with a clock a day ahead."""
    database = fresh_database("sqlite", tmp_path, None)
    with sync_world(database, tmp_path, clock_offsets=(0, 0)) as world:
        world.sync_all()
        for till in world.tills:
            till.sign_in()
        world.sync_all()
        world.faults.offline = True
        world.tills[0].reboot(clock_offset_ms=DAY_MS)
        # A day gone by on the till's clock ended the cashier's session: sign in again.
        world.tills[0].sign_in()
        yield world


def hub_op_ids(world: World, ticket_id: str) -> set[str]:
    path = world.hub.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT op_id FROM ops WHERE entity_id = ?", (ticket_id,))
        return {row[0] for row in rows}


def till_op_ids(till: Till, ticket_id: str) -> set[str]:
    with sqlite3.connect(till.agent.data_dir / "agent.sqlite3") as conn:
        rows = conn.execute(
            "SELECT op_id FROM ops WHERE entity_id = ? AND discarded = 0", (ticket_id,)
        )
        return {row[0] for row in rows}


def hub_device(world: World, code: str) -> dict[str, Any]:
    status = world.admin.get("/api/v1/sync/status", params={"outlet": "DEMO1"}).json()
    (device,) = [d for d in status["devices"] if d["code"] == code]
    return dict(device)


def held_on_hub(world: World) -> list[dict[str, Any]]:
    answer = world.admin.get("/api/v1/quarantine", params={"status": "held"})
    assert answer.status_code == 200, answer.text
    return list(answer.json())


def settle(world: World, entry: dict[str, Any], action: str) -> None:
    answer = world.admin.post(
        f"/api/v1/quarantine/{entry['id']}/{action}", json={"note": "checked with the till"}
    )
    assert answer.status_code == 200, answer.text


def test_a_till_a_day_ahead_then_fixed_strands_no_op_and_both_sides_show_the_skew(
    world,
) -> None:
    a, _ = world.tills
    early = a.sale("chai")["id"]
    world.faults.offline = False

    a.sync()
    shown_by_till, shown_by_hub = a.status(), hub_device(world, "D01")
    while_wrong = a.sale("samosa")["id"]
    a.sync()
    on_hub_while_wrong = hub_op_ids(world, while_wrong)
    a.set_clock(0)
    fixed = a.sale("croissant")["id"]
    a.sync()
    after_fix = a.status()
    on_hub_after_fix = hub_op_ids(world, fixed)
    for entry in held_on_hub(world):
        settle(world, entry, "release")
    world.sync_all()

    assert shown_by_till["clock_skew_ms"] >= ABOUT_A_DAY
    assert "ahead of the hub" in shown_by_till["clock_problem"]["message"]
    assert shown_by_till["held_by_hub"] > 0
    assert "held by the hub" in shown_by_till["summary"]
    assert shown_by_hub["clock_skew_ms"] >= ABOUT_A_DAY
    assert shown_by_hub["held_ahead_ms"] >= ABOUT_A_DAY
    assert on_hub_while_wrong == till_op_ids(a, while_wrong)
    assert on_hub_after_fix == till_op_ids(a, fixed)
    assert abs(after_fix["clock_skew_ms"]) < 60_000
    assert after_fix["clock_problem"] is None
    for ticket in (early, while_wrong, fixed):
        assert hub_op_ids(world, ticket) == till_op_ids(a, ticket) != set()
    assert held_on_hub(world) == []
    assert (a.status()["held_by_hub"], a.status()["summary"]) == (0, "nothing pending")
    assert world.converged()


def test_a_till_set_right_before_it_syncs_shows_how_far_ahead_it_stamped_and_strands_nothing(
    world,
) -> None:
    a, _ = world.tills
    early = a.sale("chai")["id"]
    a.set_clock(0)
    fixed_offline = a.sale("samosa")["id"]
    world.faults.offline = False

    a.sync()
    shown_by_till, shown_by_hub = a.status(), hub_device(world, "D01")
    after = a.sale("croissant")["id"]
    a.sync()
    on_hub_before_release = {t: hub_op_ids(world, t) for t in (fixed_offline, after)}
    for entry in held_on_hub(world):
        settle(world, entry, "release")
    world.sync_all()

    assert abs(shown_by_hub["clock_skew_ms"]) < 60_000
    assert shown_by_hub["held_ahead_ms"] >= ABOUT_A_DAY
    assert shown_by_till["hlc_rebased"]["ahead_ms"] >= ABOUT_A_DAY
    assert shown_by_till["held_by_hub"] > 0
    for ticket, ops in on_hub_before_release.items():
        assert ops == till_op_ids(a, ticket) != set()
    for ticket in (early, fixed_offline, after):
        assert hub_op_ids(world, ticket) == till_op_ids(a, ticket)
    assert world.converged()


def test_a_released_op_converges_everywhere_and_a_discarded_one_leaves_every_count(
    world,
) -> None:
    a, b = world.tills
    kept = a.sale("chai", "samosa")
    dropped = a.sale("croissant")["id"]
    world.faults.offline = False
    a.sync()
    held = held_on_hub(world)
    held_before = a.status()["held_by_hub"]

    for entry in held:
        dropped_op = entry["op_id"] in till_op_ids(a, dropped)
        settle(world, entry, "discard" if dropped_op else "release")
    world.sync_all()

    assert held_before == len(held) > 0
    assert held_on_hub(world) == []
    assert (a.status()["held_by_hub"], hub_device(world, "D01")["quarantined"]) == (0, 0)
    assert world.converged()
    on_b = b.client.get(f"/tickets/{kept['id']}")
    assert on_b.status_code == 200
    assert on_b.json()["totals"]["total"] == kept["totals"]["total"]
    assert len(on_b.json()["lines"]) == 2
    assert hub_op_ids(world, dropped) == set()
    assert b.client.get(f"/tickets/{dropped}").status_code == 404
