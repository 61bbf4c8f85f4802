"""A manager lists, releases and discards the ops the hub holds in quarantine.

Devices are enrolled through the admin API and push over ``/sync/v1``; every test runs
on a SQLite file and, marked ``postgres``, on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest

from sync_protocol import (
    JSON,
    PROTOCOL_VERSION,
    SCHEMA_VERSION,
    Handshake,
    PullRequest,
    PushRequest,
    Replica,
)
from tests.hub_rows import HubDevice, OpMaker
from tests.integration.cloud_hub.admin_harness import Hub, auth

DAY_MS = 86_400_000


@pytest.fixture
async def acme(hub: Hub) -> str:
    token = await hub.tenant("acme")
    await hub.outlet(token, "NBO1")
    return token


async def enroll(hub: Hub, admin: str, code: str) -> HubDevice:
    answer = await hub.enroll(await hub.code(admin, "NBO1", code))
    return HubDevice(answer["device_id"], answer["credential"], code, "", "acme", "", "NBO1")


@pytest.fixture
async def till(hub: Hub, acme: str) -> HubDevice:
    return await enroll(hub, acme, "D01")


@pytest.fixture
async def tablet(hub: Hub, acme: str) -> HubDevice:
    return await enroll(hub, acme, "D02")


async def sync(hub: Hub, path: str, message: Any, device: HubDevice) -> Any:
    answer = await hub.client.post(
        f"/sync/v1/{path}",
        content=JSON.encode(message),
        headers={"Content-Type": "application/json", **auth(device.token)},
    )
    assert answer.status_code == 200, answer.text
    return JSON.decode_message(answer.content)


async def pull_all(hub: Hub, device: HubDevice) -> list[Any]:
    page = await sync(hub, "pull", PullRequest(limit=5000), device)
    assert not page.has_more
    return list(page.ops)


async def held(hub: Hub, admin: str, **params: str) -> list[dict[str, Any]]:
    answer = await hub.client.get("/api/v1/quarantine", params=params, headers=auth(admin))
    assert answer.status_code == 200, answer.text
    return list(answer.json())


async def settle(hub: Hub, admin: str, entry: int | str, action: str, note: str = "checked") -> Any:
    return await hub.client.post(
        f"/api/v1/quarantine/{entry}/{action}", json={"note": note}, headers=auth(admin)
    )


async def hub_hash(hub: Hub, admin: str) -> str:
    answer = await hub.client.get("/api/v1/state-hash?outlet=NBO1", headers=auth(admin))
    return str(answer.json()["state_hash"])


async def push_far_ahead_sale(hub: Hub, till: HubDevice) -> list[Any]:
    """A header and a line stamped a day ahead, then a line on time: two held, one applied."""
    ahead = OpMaker(till, clock_ms=hub.clock() + DAY_MS)
    on_time = OpMaker(till, clock_ms=hub.clock() - 1_000, seq=2)
    ops = [
        ahead.field("ticket", "t1", {"table": "T4"}),
        ahead.event("ticket", "t1", "line_added", {"line_id": "l1", "qty": 1}),
        on_time.event("ticket", "t1", "line_added", {"line_id": "l2", "qty": 2}),
    ]
    answer = await sync(hub, "push", PushRequest(device_id=till.uuid, ops=ops), till)
    assert [r.status for r in answer.results] == ["quarantined", "quarantined", "applied"]
    return ops


async def test_held_ops_are_listed_with_their_state_and_filtered_by_it(
    hub: Hub, acme: str, till: HubDevice
) -> None:
    await push_far_ahead_sale(hub, till)

    listed = await held(hub, acme)
    only_held = await held(hub, acme, status="held")
    released = await held(hub, acme, status="released")
    bad = await hub.client.get("/api/v1/quarantine?status=lost", headers=auth(acme))

    assert [(q["device_seq"], q["code"], q["state"]) for q in listed] == [
        (2, "clock_drift", "held"),
        (1, "clock_drift", "held"),
    ]
    assert only_held == listed
    assert released == []
    assert (bad.status_code, bad.json()["code"]) == (422, "invalid_input")


async def test_a_released_op_is_committed_pulled_by_every_device_and_converges(
    hub: Hub, acme: str, till: HubDevice, tablet: HubDevice
) -> None:
    ops = await push_far_ahead_sale(hub, till)
    (line,) = [q for q in await held(hub, acme) if q["device_seq"] == 2]

    answer = await settle(hub, acme, line["id"], "release", "clock was a day ahead; sale is real")
    pulled = await pull_all(hub, tablet)
    status = (await hub.client.get("/api/v1/sync/status?outlet=NBO1", headers=auth(acme))).json()

    assert answer.status_code == 200, answer.text
    settled = answer.json()
    assert (settled["state"], settled["op_id"], settled["device_seq"]) == (
        "released",
        str(ops[1].op_id),
        2,
    )
    assert settled["settled_by"].startswith("first admin")
    assert settled["note"] == "clock was a day ahead; sale is real"
    assert str(ops[1].op_id) in {str(op.op_id) for op in pulled}
    (audit,) = [op for op in pulled if op.entity == "device.quarantine"]
    assert (audit.entity_id, audit.name) == (till.device_id, "op_released")
    assert audit.data["op_id"] == str(ops[1].op_id)
    assert [q["state"] for q in await held(hub, acme)] == ["released", "held"]
    (device,) = [d for d in status["devices"] if d["device_id"] == till.device_id]
    assert device["quarantined"] == 1
    replica = Replica()
    for op in pulled:
        replica.apply(op)
    assert replica.state_hash() == await hub_hash(hub, acme)


async def test_a_discarded_op_leaves_the_held_list_and_is_never_merged(
    hub: Hub, acme: str, till: HubDevice, tablet: HubDevice
) -> None:
    ops = await push_far_ahead_sale(hub, till)
    (header,) = [q for q in await held(hub, acme) if q["device_seq"] == 1]

    answer = await settle(hub, acme, header["id"], "discard", "test sale")
    again = await settle(hub, acme, header["id"], "release")
    pulled = await pull_all(hub, tablet)

    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "discarded"
    assert (again.status_code, again.json()["code"]) == (409, "quarantine_settled")
    assert [q["device_seq"] for q in await held(hub, acme, status="held")] == [2]
    assert [q["device_seq"] for q in await held(hub, acme, status="discarded")] == [1]
    assert str(ops[0].op_id) not in {str(op.op_id) for op in pulled}
    (audit,) = [op for op in pulled if op.entity == "device.quarantine"]
    assert audit.name == "op_discarded"


async def test_an_op_whose_cause_remains_cannot_be_released_only_discarded(
    hub: Hub, acme: str, till: HubDevice
) -> None:
    ops = OpMaker(till, clock_ms=hub.clock() - 1_000)
    refused = [ops.status("ticket", "t1", "parked"), ops.field("ref.product", "p1", {"x": 1})]
    await sync(hub, "push", PushRequest(device_id=till.uuid, ops=refused), till)
    entries = {q["code"]: q["id"] for q in await held(hub, acme)}

    unknown = await settle(hub, acme, entries["unknown_status"], "release")
    read_only = await settle(hub, acme, entries["read_only"], "release")
    missing = await settle(hub, acme, 999_999, "release")
    huge = await settle(hub, acme, 1 << 62, "discard")
    word = await settle(hub, acme, "first", "discard")
    discarded = await settle(hub, acme, entries["read_only"], "discard")

    assert (unknown.status_code, unknown.json()["code"]) == (409, "still_refused")
    assert (read_only.status_code, read_only.json()["code"]) == (409, "still_refused")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert (huge.status_code, huge.json()["code"]) == (404, "not_found")
    assert (word.status_code, word.json()["code"]) == (404, "not_found")
    assert discarded.status_code == 200


async def test_another_tenant_cannot_see_or_settle_the_held_ops(
    hub: Hub, acme: str, till: HubDevice
) -> None:
    await push_far_ahead_sale(hub, till)
    (entry, _) = await held(hub, acme)
    other = await hub.tenant("globex")

    seen = await held(hub, other)
    released = await settle(hub, other, entry["id"], "release")

    assert seen == []
    assert released.status_code == 404
    assert [q["state"] for q in await held(hub, acme)] == ["held", "held"]


async def test_a_resent_quarantined_op_answers_its_verdict_not_duplicate(
    hub: Hub, acme: str, till: HubDevice
) -> None:
    ops = await push_far_ahead_sale(hub, till)
    (header,) = [q for q in await held(hub, acme) if q["device_seq"] == 1]
    await settle(hub, acme, header["id"], "discard")

    resent = await sync(hub, "push", PushRequest(device_id=till.uuid, ops=ops), till)

    assert [(r.status, r.code) for r in resent.results] == [
        ("quarantined", "discarded"),
        ("quarantined", "clock_drift"),
        ("duplicate", None),
    ]


async def test_the_handshake_records_how_far_ahead_the_device_stamps(
    hub: Hub, acme: str, till: HubDevice
) -> None:
    now = hub.clock()
    shake = Handshake(
        protocol_version=PROTOCOL_VERSION,
        schema_version=SCHEMA_VERSION,
        device_id=till.uuid,
        device_clock_ms=now - 1,
        device_hlc=(now + DAY_MS) << 16,
        last_seq=0,
    )

    accepted = await sync(hub, "handshake", shake, till)
    status = (await hub.client.get("/api/v1/sync/status?outlet=NBO1", headers=auth(acme))).json()

    assert accepted.clock_skew_ms == -1
    (device,) = status["devices"]
    assert (device["clock_skew_ms"], device["hlc_skew_ms"]) == (-1, DAY_MS)


async def test_a_push_records_the_lead_of_its_furthest_ahead_stamp(
    hub: Hub, acme: str, till: HubDevice
) -> None:
    await push_far_ahead_sale(hub, till)

    status = (await hub.client.get("/api/v1/sync/status?outlet=NBO1", headers=auth(acme))).json()

    listed = await held(hub, acme)
    (device,) = status["devices"]
    assert device["hlc_skew_ms"] == DAY_MS + 2
    assert (device["quarantined"], device["held_ahead_ms"]) == (2, DAY_MS + 2)
    assert [q["ahead_ms"] for q in listed] == [DAY_MS + 2, DAY_MS + 1]


async def test_a_settlement_without_a_body_or_with_an_unknown_field_is_a_4xx(
    hub: Hub, acme: str, till: HubDevice
) -> None:
    await push_far_ahead_sale(hub, till)
    (entry, _) = await held(hub, acme)

    empty = await hub.client.post(f"/api/v1/quarantine/{entry['id']}/release", headers=auth(acme))
    typo = await hub.client.post(
        f"/api/v1/quarantine/{entry['id']}/release", json={"notes": "x"}, headers=auth(acme)
    )

    assert (empty.status_code, typo.status_code) == (400, 400)
    assert [q["state"] for q in await held(hub, acme)] == ["held", "held"]
