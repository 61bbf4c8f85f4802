"""Admin creating requests honour ``Idempotency-Key``: a double tap (or a lost answer sent
again) makes one tenant, outlet, enrollment code, device, staff member..., and answers the
first answer again; the key with another body is 409 ``idempotency_key_reused``.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from cloud_hub.store.models import admin_idempotency, devices, enrollment_codes, ops, outlets
from tests.integration.cloud_hub.admin_harness import OPERATOR_TOKEN, auth


@pytest.fixture
async def acme(hub):
    token = await hub.tenant("acme")
    await hub.outlet(token, "NBO1")
    return token


def keyed(token: str, key: str) -> dict[str, str]:
    return {**auth(token), "Idempotency-Key": key}


async def count(hub, table, *where) -> int:
    async with hub.engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).select_from(table).where(*where)))


async def twice(hub, method: str, path: str, body: dict, headers: dict):
    first = await hub.client.request(method, path, json=body, headers=headers)
    second = await hub.client.request(method, path, json=body, headers=headers)
    return first, second


async def test_a_double_tap_on_create_outlet_makes_one_outlet_and_answers_the_same(
    hub, acme
) -> None:
    body = {"code": "MSA1", "name": "Mombasa", "timezone": "Africa/Nairobi"}

    first, second = await twice(hub, "POST", "/api/v1/outlets", body, keyed(acme, "k-1"))

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert await count(hub, outlets, outlets.c.code == "MSA1") == 1


async def test_a_double_tap_on_an_enrollment_code_issues_one_code_shown_again(hub, acme) -> None:
    path = "/api/v1/outlets/NBO1/enrollment-codes"

    first, second = await twice(hub, "POST", path, {"device_code": "D07"}, keyed(acme, "k-2"))

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["code"] == first.json()["code"]
    assert await count(hub, enrollment_codes) == 1


async def test_a_double_tap_on_create_tenant_makes_one_tenant_and_shows_its_token_again(
    hub,
) -> None:
    body = {"slug": "beta", "name": "Beta Ltd"}

    first, second = await twice(hub, "POST", "/api/v1/tenants", body, keyed(OPERATOR_TOKEN, "k-3"))

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["admin_token"] == first.json()["admin_token"]
    listed = await hub.client.get("/api/v1/outlets", headers=auth(first.json()["admin_token"]))
    assert listed.status_code == 200


async def test_a_repeated_enroll_with_its_key_makes_one_device_with_one_credential(
    hub, acme
) -> None:
    code = await hub.code(acme, "NBO1", "D05")
    body = {"code": code, "device_id": str(uuid.uuid4())}

    first, second = await twice(hub, "POST", "/api/v1/enroll", body, {"Idempotency-Key": "k-4"})

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["credential"] == first.json()["credential"]
    assert await count(hub, devices, devices.c.code == "D05") == 1


async def test_a_double_tap_on_put_staff_writes_one_op(hub, acme) -> None:
    role = {"name": "Cashier", "permissions": [], "discount_limit_bp": 0}
    await hub.client.put("/api/v1/roles/cashier", json=role, headers=auth(acme))
    body = {"name": "Wanjiru", "role": "cashier", "pin": "4321"}

    first, second = await twice(hub, "PUT", "/api/v1/staff/s-1", body, keyed(acme, "k-5"))

    assert (first.status_code, second.status_code) == (200, 200), first.text
    assert second.json() == first.json()
    assert await count(hub, ops, ops.c.entity == "ref.staff") == 1


async def test_the_same_key_with_another_body_is_refused_and_changes_nothing(hub, acme) -> None:
    headers = keyed(acme, "k-6")
    body = {"code": "MSA1", "name": "Mombasa", "timezone": "Africa/Nairobi"}
    await hub.client.post("/api/v1/outlets", json=body, headers=headers)

    other = await hub.client.post("/api/v1/outlets", json={**body, "code": "KSM1"}, headers=headers)

    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"
    assert await count(hub, outlets, outlets.c.code == "KSM1") == 0


async def test_keys_are_the_callers_own_another_tenant_may_use_the_same_key(hub, acme) -> None:
    beta = await hub.tenant("beta")
    body = {"code": "MSA1", "name": "Mombasa", "timezone": "Africa/Nairobi"}
    mine = await hub.client.post("/api/v1/outlets", json=body, headers=keyed(acme, "shared"))

    theirs = await hub.client.post("/api/v1/outlets", json=body, headers=keyed(beta, "shared"))

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert theirs.json()["id"] != mine.json()["id"]


async def test_an_answer_is_kept_sealed_and_the_key_only_as_a_hash(hub) -> None:
    key = "k-secret-" + uuid.uuid4().hex
    answer = await hub.client.post(
        "/api/v1/tenants", json={"slug": "gamma", "name": "G"}, headers=keyed(OPERATOR_TOKEN, key)
    )

    async with hub.engine.connect() as conn:
        (row,) = (await conn.execute(sa.select(admin_idempotency))).all()

    assert answer.status_code == 201
    assert key not in row.key_hash
    assert answer.json()["admin_token"].encode() not in bytes(row.answer)


async def test_without_a_key_a_double_tap_is_two_requests(hub, acme) -> None:
    body = {"code": "MSA1", "name": "Mombasa", "timezone": "Africa/Nairobi"}

    first, second = await twice(hub, "POST", "/api/v1/outlets", body, auth(acme))

    assert (first.status_code, second.status_code) == (201, 409)


async def test_an_overlong_key_is_malformed(hub, acme) -> None:
    answer = await hub.client.post(
        "/api/v1/outlets",
        json={"code": "MSA1", "name": "Mombasa", "timezone": "Africa/Nairobi"},
        headers=keyed(acme, "k" * 201),
    )

    assert answer.status_code == 400
    assert answer.json()["code"] == "malformed"
