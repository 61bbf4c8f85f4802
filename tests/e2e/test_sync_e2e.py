"""The sync loop end to end: a real hub process and two real agent processes over real
HTTP, on the embedded SQLite hub and on PostgreSQL.
"""

from __future__ import annotations

import pytest

from tests.e2e.sync_world import fresh_database, sync_world

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    postgres = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    return fresh_database(request.param, tmp_path, postgres)


def test_two_tills_selling_offline_converge_with_the_hub_once_reconnected(
    database_url, tmp_path
) -> None:
    with sync_world(database_url, tmp_path) as world:
        a, b = world.tills
        world.sync_all()
        catalog = a.client.get("/catalog").json()
        a.sign_in()
        b.sign_in()

        world.faults.offline = True
        a_sales = [a.sale("chai", "samosa"), a.sale("latte-r")]
        b_sales = [b.sale("espresso", pay=False, table="T3"), b.sale("croissant")]
        offline_status = a.client.get("/sync/status").json()
        a.sync()
        after_failed_run = a.client.get("/sync/status").json()

        world.faults.offline = False
        world.sync_all()
        b_sees = {t["id"] for t in b.client.get("/tickets").json()}
        a_sees = {t["id"] for t in a.client.get("/tickets").json()}

        assert {p["id"] for p in catalog["products"]} >= {"latte", "chai", "samosa"}
        assert offline_status["pending_ops"] > 0
        assert after_failed_run["online"] is False
        assert after_failed_run["last_error"]
        assert {t["id"] for t in a_sales} <= b_sees
        assert {t["id"] for t in b_sales} <= a_sees
        assert world.converged()
        assert a.client.get("/sync/status").json()["pending_ops"] == 0


def test_a_ticket_edited_on_two_tills_at_once_converges_with_the_conflict_visible(
    database_url, tmp_path
) -> None:
    with sync_world(database_url, tmp_path) as world:
        a, b = world.tills
        world.sync_all()
        a.sign_in()
        b.sign_in()
        ticket = a.sale("chai", pay=False, kind="table", table="T1")
        world.sync_all()

        world.faults.offline = True
        a.client.post(f"/tickets/{ticket['id']}/transfer", json={"table": "T5"})
        b.client.post(f"/tickets/{ticket['id']}/transfer", json={"table": "T7"})
        world.faults.offline = False
        world.sync_all()

        on_a = a.client.get(f"/tickets/{ticket['id']}").json()
        on_b = b.client.get(f"/tickets/{ticket['id']}").json()
        hub_conflicts = world.admin.get("/api/v1/conflicts").json()
        converged = world.converged()
        resolved = world.admin.post(
            f"/api/v1/conflicts/{hub_conflicts[0]['conflict_id']}/resolve", json={"value": "T9"}
        )
        world.sync_all()
        settled_a = a.client.get(f"/tickets/{ticket['id']}").json()
        settled_b = b.client.get(f"/tickets/{ticket['id']}").json()
        settled_everywhere = world.converged()

    assert converged
    assert on_a["table"] == on_b["table"] in {"T5", "T7"}
    assert len(on_a["conflicts"]) == 1
    assert on_a["conflicts"] == on_b["conflicts"]
    assert [c["entity_id"] for c in hub_conflicts] == [ticket["id"]]
    assert resolved.status_code == 200, resolved.text
    assert (settled_a["table"], settled_b["table"]) == ("T9", "T9")
    assert settled_a["conflicts"] == settled_b["conflicts"] == []
    assert settled_everywhere


def test_a_price_changed_on_the_hub_reaches_every_till_and_a_revoked_till_is_refused(
    tmp_path,
) -> None:
    database_url = fresh_database("sqlite", tmp_path, None)
    with sync_world(database_url, tmp_path) as world:
        a, b = world.tills
        world.sync_all()
        products = world.admin.get("/api/v1/catalog").json()["product"]
        chai = next(p for p in products if p["id"] == "chai")
        chai.pop("id")
        chai["variants"][0]["price"] = 17500

        edited = world.admin.put("/api/v1/catalog/product/chai", json=chai)
        world.sync_all()
        a.sign_in()
        priced = a.sale("chai", pay=False)
        devices = world.admin.get("/api/v1/devices").json()
        b_device = next(d for d in devices if d["code"] == "D02")
        revoked = world.admin.post(f"/api/v1/devices/{b_device['id']}/revoke")
        refused = b.sync()
        b_status = b.client.get("/sync/status").json()

    assert edited.status_code == 200, edited.text
    assert priced["lines"][0]["unit_price"] == 17500
    assert revoked.status_code == 200, revoked.text
    assert refused["ok"] is False
    assert b_status["last_error"]["code"] == "device_revoked"


def test_a_reference_already_used_on_another_till_is_flagged_on_both_sales(tmp_path) -> None:
    with sync_world(fresh_database("sqlite", tmp_path, None), tmp_path) as world:
        a, b = world.tills
        world.sync_all()
        a.sign_in()
        b.sign_in()
        first = a.sale("croissant", pay=False)
        a.client.post(
            f"/tickets/{first['id']}/payments",
            json={"method": "mobile_money", "amount": first["totals"]["total"], "reference": "QK7"},
        )
        world.sync_all()
        second = b.sale("espresso", pay=False)

        taken = b.client.post(
            f"/tickets/{second['id']}/payments",
            json={
                "method": "mobile_money",
                "amount": second["totals"]["total"],
                "reference": "QK7",
            },
        )
        world.sync_all()
        on_a = a.client.get(f"/tickets/{first['id']}").json()

        assert taken.status_code == 201
        assert [w["code"] for w in taken.json()["warnings"]] == ["duplicate_reference"]
        assert on_a["flags"][0]["other_ticket_id"] == second["id"]
        assert on_a["payments"][0]["duplicate_reference"] is True
        assert world.converged()
