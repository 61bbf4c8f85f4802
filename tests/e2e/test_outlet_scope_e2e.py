"""Outlets of one tenant kept apart, with real processes: a device of another outlet
cannot confirm, refund or add to a till's ticket, and the till's settlement holds.

A hub process and a till (agent process) of DEMO1 that takes a card offline, so the
hub holds its tender as pending. A device enrolled in a second outlet, DEMO2, then
pushes over HTTP, with its own credential, a confirmation of that tender (on DEMO1's
ticket, and on a ticket of its own naming the tender), a refund on DEMO1's ticket and a
line on a ticket of its own.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from sync_protocol import JSON, Event, PushRequest, uuid7
from sync_protocol.hlc import pack
from tests.e2e.sync_world import World, fresh_database, sync_world

pytestmark = pytest.mark.slow

LATTE = 35000  # a regular latte with whole milk, VAT inclusive


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    postgres = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    return fresh_database(request.param, tmp_path, postgres)


class OtherOutlet:
    """A device of DEMO2, enrolled over the admin API, that pushes ops by hand."""

    def __init__(self, world: World) -> None:
        created = world.admin.post(
            "/api/v1/outlets",
            json={"code": "DEMO2", "name": "Second café", "timezone": "Africa/Nairobi"},
        )
        assert created.status_code == 201, created.text
        code = world.admin.post(
            "/api/v1/outlets/DEMO2/enrollment-codes", json={"device_code": "D01"}
        ).json()["code"]
        self.device_id = uuid.uuid4()
        enrolled = httpx.post(
            f"{world.hub.url}/api/v1/enroll",
            json={"code": code, "device_id": str(self.device_id), "name": "till"},
            timeout=30,
        )
        assert enrolled.status_code == 201, enrolled.text
        self.token = enrolled.json()["credential"]
        self.hub_url = world.hub.url
        self.seq = 0

    def event(self, ticket_id: str, name: str, data: dict[str, Any]) -> Event:
        self.seq += 1
        wall_ms = datetime.now().timestamp() * 1000
        return Event(
            op_id=uuid7(int(wall_ms)),
            tenant="demo",
            outlet="DEMO2",
            device_id=self.device_id,
            device_seq=self.seq,
            hlc=pack(int(wall_ms), self.seq),
            entity="ticket",
            entity_id=ticket_id,
            name=name,
            data=data,
        )

    def push(self, ops: list[Event]) -> list[tuple[str, str | None]]:
        answer = httpx.post(
            f"{self.hub_url}/sync/v1/push",
            content=JSON.encode(PushRequest(device_id=self.device_id, ops=ops)),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        return [(r.status, r.code) for r in JSON.decode_message(answer.content).results]


def what_the_hub_shows_of_demo1(world: World, ticket_id: str) -> list[Any]:
    day = datetime.now(ZoneInfo("Africa/Nairobi")).date().isoformat()
    return [
        world.admin.get(path, params=params).json()
        for path, params in (
            ("/api/v1/reports/settlement", {"outlet": "DEMO1", "day": day}),
            (f"/api/v1/tickets/{ticket_id}", {}),
            ("/api/v1/tickets", {"outlet": "DEMO1"}),
            ("/api/v1/conflicts", {"outlet": "DEMO1"}),
        )
    ]


def test_a_device_of_another_outlet_cannot_confirm_refund_or_add_to_a_tills_ticket(
    database_url, tmp_path
) -> None:
    with sync_world(database_url, tmp_path, tills=1) as world:
        (till,) = world.tills
        limits = {"per_transaction_limit": LATTE, "cumulative_limit": LATTE, "expiry_hours": 24}
        world.admin.put("/api/v1/outlets/DEMO1/settings", json={"offline_card": limits})
        world.sync_all()
        till.sign_in()
        world.faults.offline = True
        assert till.sync()["ok"] is False
        ticket = till.sale("latte-r", pay=False)
        paid = till.client.post(
            f"/tickets/{ticket['id']}/payments", json={"method": "card", "amount": LATTE}
        ).json()
        (tender,) = paid["payments"]
        world.faults.offline = False
        world.sync_all()
        before = what_the_hub_shows_of_demo1(world, ticket["id"])
        other = OtherOutlet(world)

        results = other.push(
            [
                other.event(ticket["id"], "payment_confirmed", {"payment_id": tender["id"]}),
                other.event("own-ticket", "payment_confirmed", {"payment_id": tender["id"]}),
                other.event(ticket["id"], "refund_issued", {"refund_id": "r", "amount": LATTE}),
                other.event("own-ticket", "line_added", {"line_id": "l1", "quantity": 1}),
            ]
        )
        world.sync_all()
        after = what_the_hub_shows_of_demo1(world, ticket["id"])
        on_till = till.client.get(f"/tickets/{ticket['id']}").json()
        converged = world.converged()

    assert tender["status"] == "pending"
    assert results == [
        ("quarantined", "foreign_outlet_entity"),
        ("quarantined", "foreign_outlet_entity"),
        ("quarantined", "foreign_outlet_entity"),
        ("applied", None),
    ]
    assert after == before
    assert before[0]["totals"]["pending"] == LATTE
    assert [p["status"] for p in on_till["payments"]] == ["pending"]
    assert converged
