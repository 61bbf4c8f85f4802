"""Inputs at the edge of what the hub's columns hold: a 4xx, never a 5xx.

A cursor is not signed, so a device can send any position; a settlement day can be any
date; an enrolling device names itself. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import uuid

import pytest

from cloud_hub.store.meta import ensure_epoch
from sync_protocol import JSON, PullRequest, encode_cursor
from tests.hub_rows import HubDevice
from tests.integration.cloud_hub.admin_harness import (
    Hub,
    Till,
    auth,
    store_device_ops,
)


@pytest.fixture
async def acme(hub: Hub) -> str:
    token = await hub.tenant("acme")
    await hub.outlet(token, "NBO1")
    return token


@pytest.fixture
async def till(hub: Hub, acme: str) -> HubDevice:
    answer = await hub.enroll(await hub.code(acme, "NBO1", "D01"))
    return HubDevice(answer["device_id"], answer["credential"], "D01", "", "acme", "", "NBO1")


@pytest.mark.parametrize("position", [(1 << 63, 0), (0, 1 << 63), ((1 << 64) - 1, (1 << 64) - 1)])
async def test_a_cursor_past_any_commit_sequence_is_malformed_not_a_5xx(
    hub: Hub, till: HubDevice, position: tuple[int, int]
) -> None:
    async with hub.engine.begin() as conn:
        epoch = await ensure_epoch(conn)
    request = PullRequest(cursor=encode_cursor(epoch, *position))

    answer = await hub.client.post(
        "/sync/v1/pull",
        content=JSON.encode(request),
        headers={**auth(till.token), "Content-Type": "application/json"},
    )

    assert answer.status_code == 400, answer.text
    assert answer.json()["code"] == "malformed"


@pytest.mark.parametrize("day", ["9999-12-31", "7000-01-01", "0001-01-01"])
async def test_a_settlement_day_far_from_now_is_a_4xx_or_an_empty_day(
    hub: Hub, acme: str, day: str
) -> None:
    answer = await hub.client.get(
        "/api/v1/reports/settlement", params={"outlet": "NBO1", "day": day}, headers=auth(acme)
    )

    assert answer.status_code in (200, 422), answer.text
    if answer.status_code == 200:
        assert answer.json()["totals"]["taken"] == 0
    else:
        assert answer.json()["code"] == "invalid_input"


@pytest.mark.parametrize("field", ["name", "agent_version"])
async def test_an_enrolling_device_naming_itself_with_a_nul_is_not_a_5xx(
    hub: Hub, acme: str, field: str
) -> None:
    code = await hub.code(acme, "NBO1", "D01")
    body = {"code": code, "device_id": str(uuid.uuid4()), field: "till\x00one"}

    answer = await hub.client.post("/api/v1/enroll", json=body)

    assert answer.status_code in (201, 422), answer.text
    if answer.status_code == 201:
        listed = await hub.client.get("/api/v1/devices", headers=auth(acme))
        assert listed.status_code == 200


def nested(depth: int) -> object:
    value: object = "deep"
    for _ in range(depth):
        value = [value]
    return value


async def test_a_resolution_value_nested_as_deep_as_a_payload_allows_is_not_a_5xx(
    hub: Hub, acme: str
) -> None:
    tills = []
    for code in ("D01", "D02"):
        answer = await hub.enroll(await hub.code(acme, "NBO1", code))
        tills.append(Till(answer["device_id"], "acme", "NBO1", hub.clock()))
    edits = [till.edit("t1", {"table": str(n)}) for n, till in enumerate(tills)]
    await store_device_ops(hub, "acme", "NBO1", edits)
    [conflict] = (await hub.client.get("/api/v1/conflicts", headers=auth(acme))).json()
    path = f"/api/v1/conflicts/{conflict['conflict_id']}/resolve"

    answers = [
        await hub.client.post(path, json={"value": nested(depth)}, headers=auth(acme))
        for depth in (17, 16, 15)
    ]

    # In the edit the value sits one level down, under ``changes``.
    assert [a.status_code for a in answers] == [422, 422, 200], [a.text for a in answers]


NUL_REQUESTS = [
    ("GET", "/api/v1/outlets/a%00b", None),
    ("GET", "/api/v1/sync/status?outlet=a%00b", None),
    ("GET", "/api/v1/devices?outlet=a%00b", None),
    ("GET", "/api/v1/conflicts?outlet=a%00b", None),
    ("GET", "/api/v1/quarantine?outlet=a%00b", None),
    ("GET", "/api/v1/state-hash?outlet=a%00b", None),
    ("GET", "/api/v1/reports/settlement?outlet=a%00b&day=2026-01-01", None),
    ("POST", "/api/v1/conflicts/a%00b/resolve", {"value": 1}),
    ("POST", "/api/v1/devices/a%00b/revoke", None),
    ("POST", "/api/v1/devices/a%00b/signout", None),
    ("PUT", "/api/v1/outlets/a%00b/settings", {}),
    ("POST", "/api/v1/outlets/a%00b/enrollment-codes", {"device_code": "D1"}),
    ("DELETE", "/api/v1/catalog/category/a%00b", None),
    ("DELETE", "/api/v1/roles/a%00b", None),
    ("DELETE", "/api/v1/staff/a%00b", None),
    ("PUT", "/api/v1/staff/s1", {"name": "Ann", "role": "r\u0000", "pin": "1234"}),
]


@pytest.mark.parametrize(("method", "url", "body"), NUL_REQUESTS)
async def test_a_nul_in_a_path_query_or_reference_is_a_4xx_on_every_store(
    hub: Hub, acme: str, method: str, url: str, body: object
) -> None:
    answer = await hub.client.request(
        method, url, headers=auth(acme), **({} if body is None else {"json": body})
    )

    assert 400 <= answer.status_code < 500, answer.text
    assert isinstance(answer.json()["code"], str)
