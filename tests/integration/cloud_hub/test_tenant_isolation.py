"""One tenant never reads or writes another's data, whatever endpoint it tries.

The endpoints come from the application's own OpenAPI schema, so a new endpoint is
covered the day it is added. Tenant B ("zulu") holds data whose names carry a marker
that never appears in a request; tenant A's admin token is pointed at B's outlet,
device, conflict and documents on every path. A's calls may fail (401/403/404) or act
on A's own data, but no answer may carry B's marker, and B's data must be unchanged.
"""

from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

from cloud_hub.store.models import devices, quarantine
from tests.integration.cloud_hub.admin_harness import Till, auth, running_hub, store_device_ops

MARKER = "zulusecret"
B_OUTLET = "ZOUT1"
DAY = "2026-03-02"
#: Paths whose parameters name one of B's things: A must get no answer but 401/403/404.
B_ONLY = ("{code}", "{device_id}", "{conflict_id}", "{ticket_id}", "{payment_id}")
SNAPSHOT = (
    "/api/v1/outlets",
    "/api/v1/devices",
    "/api/v1/catalog",
    "/api/v1/roles",
    "/api/v1/staff",
    f"/api/v1/conflicts?outlet={B_OUTLET}",
    f"/api/v1/quarantine?outlet={B_OUTLET}",
    f"/api/v1/sync/status?outlet={B_OUTLET}",
    f"/api/v1/reports/settlement?outlet={B_OUTLET}&day={DAY}",
    f"/api/v1/tickets?outlet={B_OUTLET}",
    "/api/v1/tickets/zt",
)


@pytest.fixture
async def world(tmp_path):
    """Tenant A (alpha) and tenant B (zulu), each with an outlet, a device and data."""
    async with running_hub(tmp_path) as hub:
        a_token = await hub.tenant("alpha")
        await hub.outlet(a_token, "AOUT1")
        a_device = await hub.enroll(await hub.code(a_token, "AOUT1", "D01"))
        b = await _zulu(hub)
        yield hub, a_token, a_device, b


async def _zulu(hub) -> dict:
    token = await hub.tenant("zulu")
    await hub.client.post(
        "/api/v1/outlets",
        json={"code": B_OUTLET, "name": f"{MARKER} outlet", "timezone": "Africa/Nairobi"},
        headers=auth(token),
    )
    ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    for device_code, device_id in zip(("D01", "D02"), ids, strict=True):
        code = await hub.code(token, B_OUTLET, device_code)
        enrolled = await hub.client.post(
            "/api/v1/enroll", json={"code": code, "device_id": device_id, "name": f"{MARKER} till"}
        )
    credential = enrolled.json()["credential"]
    await _reference_data(hub, token)
    conflict_id = await _conflict_and_payment(hub, token, ids)
    await _quarantined(hub, ids[0])
    return {"token": token, "device_id": ids[0], "credential": credential, "conflict": conflict_id}


async def _reference_data(hub, token) -> None:
    for path, body in (
        ("/api/v1/catalog/category/zcat", {"name": f"{MARKER} cat"}),
        (
            "/api/v1/roles/zrole",
            {"name": f"{MARKER} role", "permissions": [], "discount_limit_bp": 0},
        ),
        ("/api/v1/staff/zstaff", {"name": f"{MARKER} staff", "role": "zrole", "pin": "2468"}),
    ):
        answer = await hub.client.put(path, json=body, headers=auth(token))
        assert answer.status_code == 200, answer.text


async def _conflict_and_payment(hub, token, ids) -> str:
    one = Till(ids[0], "zulu", B_OUTLET, hub.clock())
    two = Till(ids[1], "zulu", B_OUTLET, hub.clock())
    paid = one.event("zt", "payment_taken", {"payment_id": "zp", "method": MARKER, "amount": 1})
    await store_device_ops(
        hub,
        "zulu",
        B_OUTLET,
        [one.edit("zt", {"note": MARKER}), two.edit("zt", {"note": "x"}), paid],
    )
    listed = (await hub.client.get("/api/v1/conflicts", headers=auth(token))).json()
    [conflict] = [c for c in listed if c["kind"] == "field"]
    return str(conflict["conflict_id"])


async def _quarantined(hub, device_id) -> None:
    async with hub.engine.begin() as conn:
        device = (await conn.execute(sa.select(devices).where(devices.c.id == device_id))).one()
        await conn.execute(
            sa.insert(quarantine).values(
                id=1,
                tenant_id=device.tenant_id,
                outlet_id=device.outlet_id,
                device_id=device_id,
                device_seq=9,
                code="read_only",
                reason=f"{MARKER} reason",
                body=b"\x80",
                received_ms=hub.clock(),
            )
        )


async def snapshot(hub, token) -> list[str]:
    return [(await hub.client.get(path, headers=auth(token))).text for path in SNAPSHOT]


async def operations(hub) -> list[tuple[str, str]]:
    schema = (await hub.client.get("/schema/openapi.json")).json()
    return [
        (method.upper(), path)
        for path, item in schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "delete", "patch")
    ]


def fill(path: str, b: dict) -> str:
    values = {
        "code": B_OUTLET,
        "device_id": b["device_id"],
        "conflict_id": b["conflict"],
        "entity": "category",
        "doc_id": "zcat",
        "role_id": "zrole",
        "staff_id": "zstaff",
        "ticket_id": "zt",
        "payment_id": "zp",
    }
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "zvalue"), path)


BODIES = {
    "/api/v1/tenants": {"slug": "alpha2", "name": "Alpha two"},
    "/api/v1/outlets": {"code": "AOUT2", "name": "Alpha two", "timezone": "Africa/Nairobi"},
    "/api/v1/outlets/{code}/settings": {},
    "/api/v1/outlets/{code}/enrollment-codes": {"device_code": "D77"},
    "/api/v1/enroll": {"code": "AAAA-BBBB-CC", "device_id": str(uuid.uuid4())},
    "/api/v1/catalog/{entity}/{doc_id}": {"name": "Alpha's own category"},
    "/api/v1/roles/{role_id}": {"name": "Alpha role", "permissions": [], "discount_limit_bp": 0},
    "/api/v1/staff/{staff_id}": {"name": "Alpha staff", "role": "zrole", "pin": "8642"},
    "/api/v1/conflicts/{conflict_id}/resolve": {"value": "hijacked"},
    "/api/v1/payments/{payment_id}/confirm": {},
    "/api/v1/payments/{payment_id}/decline": {"reason": "hijacked"},
}


async def call(hub, method: str, path: str, b: dict, headers: dict):
    url = fill(path, b)
    if "?" not in url and any(p in path for p in ("/sync/status", "/settlement", "state-hash")):
        url += f"?outlet={B_OUTLET}&day={DAY}"
    elif path in ("/api/v1/conflicts", "/api/v1/quarantine", "/api/v1/devices", "/api/v1/tickets"):
        url += f"?outlet={B_OUTLET}"
    body = BODIES.get(path)
    return await hub.client.request(method, url, json=body, headers=headers)


async def test_a_tenant_admin_gets_nothing_of_another_tenant_on_any_endpoint(world) -> None:
    hub, a_token, _, b = world
    before = await snapshot(hub, b["token"])
    found = await operations(hub)
    answers = {
        (method, path): await call(hub, method, path, b, auth(a_token)) for method, path in found
    }

    after = await snapshot(hub, b["token"])
    assert len(found) >= 20
    assert MARKER in "".join(before).lower()
    for (method, path), answer in answers.items():
        where = f"{method} {path} -> {answer.status_code} {answer.text[:200]}"
        assert answer.status_code < 500, where
        assert MARKER not in answer.text.lower(), where
        if any(name in path for name in B_ONLY) or "outlet=" in str(answer.request.url):
            assert answer.status_code in (401, 403, 404), where
    assert after == before


async def test_a_device_credential_opens_no_admin_endpoint(world) -> None:
    hub, _, a_device, b = world
    found = [(m, p) for m, p in await operations(hub) if p.startswith("/api/v1/")]

    for credential in (a_device["credential"], b["credential"], None):
        headers = auth(credential) if credential else {}
        for method, path in found:
            if path == "/api/v1/enroll":
                continue
            answer = await call(hub, method, path, b, headers)

            assert answer.status_code in (401, 403), f"{method} {path} -> {answer.status_code}"
            assert answer.json()["code"] in ("unauthorized", "forbidden")
