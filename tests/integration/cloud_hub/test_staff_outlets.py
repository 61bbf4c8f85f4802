"""Staff members' outlets and the PIN length their role asks for, over the admin API."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from cloud_hub.services import reference, tenancy
from cloud_hub.store.models import ops
from sync_protocol import MSGPACK, Op
from tests.integration.cloud_hub.admin_harness import auth


@pytest.fixture
async def acme(hub):
    """Tenant acme with outlets NBO1 and MSA1, roles cashier (4 digits) and manager (6)."""
    token = await hub.tenant("acme")
    for code in ("NBO1", "MSA1"):
        await hub.outlet(token, code)
    for role_id, length in (("cashier", 4), ("manager", 6)):
        role = {
            "name": role_id,
            "permissions": [],
            "discount_limit_bp": 0,
            "min_pin_length": length,
        }
        answer = await hub.client.put(f"/api/v1/roles/{role_id}", json=role, headers=auth(token))
        assert answer.status_code == 200, answer.text
    return token


async def put(hub, token, staff_id: str, **body):
    return await hub.client.put(f"/api/v1/staff/{staff_id}", json=body, headers=auth(token))


async def newest_doc(hub, staff_id: str) -> dict:
    async with hub.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(ops.c.body).where(ops.c.entity == "ref.staff", ops.c.entity_id == staff_id)
        )
        edits = sorted((MSGPACK.decode(row.body, Op) for row in rows), key=lambda op: op.hlc)
    return dict(edits[-1].changes["doc"])


async def test_a_staff_member_is_assigned_to_outlets_by_code_and_listed_with_them(
    hub, acme
) -> None:
    created = await put(hub, acme, "s1", name="Amina", role="cashier", pin="4321", outlets=["NBO1"])
    kept = await put(hub, acme, "s1", name="Amina W.", role="cashier")
    listed = (await hub.client.get("/api/v1/staff", headers=auth(acme))).json()

    assert created.status_code == kept.status_code == 200
    assert created.json()["outlets"] == kept.json()["outlets"] == ["NBO1"]
    assert listed == [{"id": "s1", "name": "Amina W.", "role": "cashier", "outlets": ["NBO1"]}]
    assert (await newest_doc(hub, "s1"))["outlets"] == ["NBO1"]


async def test_a_new_staff_member_without_outlets_works_at_every_outlet(hub, acme) -> None:
    created = await put(hub, acme, "s1", name="Amina", role="cashier", pin="4321")

    assert created.json()["outlets"] == "all"
    assert "outlets" not in await newest_doc(hub, "s1")


@pytest.mark.parametrize(
    ("outlets", "code"),
    [
        (["NBO1", "ZZZ9"], "invalid_document"),
        (["NBO1", "NBO1"], "invalid_document"),
        ("some", "malformed"),
    ],
)
async def test_staff_outlets_must_be_distinct_codes_of_the_tenant(hub, acme, outlets, code) -> None:
    answer = await put(hub, acme, "s1", name="Amina", role="cashier", pin="4321", outlets=outlets)

    assert answer.status_code in (400, 422)
    assert answer.json()["code"] == code


async def test_a_role_that_asks_for_six_digits_refuses_a_shorter_pin_with_pin_too_short(
    hub, acme
) -> None:
    short = await put(hub, acme, "m1", name="Mo", role="manager", pin="98765")
    long_enough = await put(hub, acme, "m1", name="Mo", role="manager", pin="987654")

    assert (short.status_code, short.json()["code"]) == (422, "pin_too_short")
    assert long_enough.status_code == 200, long_enough.text


async def test_moving_to_a_role_asking_for_longer_pins_takes_a_new_pin(hub, acme) -> None:
    await put(hub, acme, "s1", name="Amina", role="cashier", pin="4321")

    kept_pin = await put(hub, acme, "s1", name="Amina", role="manager")
    new_pin = await put(hub, acme, "s1", name="Amina", role="manager", pin="432198")

    assert (kept_pin.status_code, kept_pin.json()["code"]) == (422, "pin_too_short")
    assert new_pin.status_code == 200, new_pin.text


@pytest.mark.parametrize("length", [3, 13])
async def test_a_role_min_pin_length_is_4_to_12(hub, acme, length) -> None:
    role = {"name": "x", "permissions": [], "discount_limit_bp": 0, "min_pin_length": length}

    answer = await hub.client.put("/api/v1/roles/x", json=role, headers=auth(acme))

    assert (answer.status_code, answer.json()["code"]) == (422, "invalid_document")


@pytest.mark.parametrize(("pin", "status"), [("123456789012", 200), ("1234567890123", 422)])
async def test_a_pin_has_up_to_12_digits(hub, acme, pin, status) -> None:
    answer = await put(hub, acme, "s1", name="Amina", role="cashier", pin=pin)

    assert answer.status_code == status


async def test_a_hash_with_former_parameters_is_made_again_when_its_pin_is_set(hub, acme) -> None:
    salt = bytes(16)
    key = hashlib.scrypt(b"4321", salt=salt, n=2**14, r=8, p=1, maxmem=2**25, dklen=32)
    former = {
        "name": "Amina",
        "role": "cashier",
        "pin_hash": f"scrypt$16384$8$1${salt.hex()}${key.hex()}",
    }
    async with hub.engine.begin() as conn:
        tenant = await tenancy.tenant_by_slug(conn, "acme")
        await reference.put(conn, tenant, "staff", "s1", former, now_ms=hub.clock())

    answer = await put(hub, acme, "s1", name="Amina", role="cashier", pin="4321")

    assert answer.status_code == 200, answer.text
    assert (await newest_doc(hub, "s1"))["pin_hash"].startswith("scrypt$8192$8$1$")
