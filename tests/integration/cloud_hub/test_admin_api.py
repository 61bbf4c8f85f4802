"""The admin API on a real database: registry, reference data as ops, reports.

Every test here runs on a SQLite file and, marked ``postgres``, on PostgreSQL.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from cloud_hub.store.models import admin_credentials, devices, ops, quarantine
from edge_agent.domain.rbac import verify_pin
from sync_protocol import MSGPACK, FieldEdit, Op, Tombstone
from tests.integration.cloud_hub.admin_harness import Till, auth, store_device_ops

OFFLINE_CARD = {"per_transaction_limit": 500_000, "cumulative_limit": 2_000_000, "expiry_hours": 48}
LATTE = {
    "name": "Latte",
    "category_id": "coffee",
    "station": "bar",
    "tax_codes": ["VAT16"],
    "variants": [{"id": "latte-r", "name": "Regular", "price": 35000}],
}


@pytest.fixture
async def acme(hub):
    """A tenant with outlet NBO1; yields its admin token."""
    token = await hub.tenant("acme")
    await hub.outlet(token, "NBO1", settings={"offline_card": OFFLINE_CARD})
    return token


async def hub_ops(hub, entity: str) -> list[tuple[dict, Op]]:
    async with hub.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(ops).where(ops.c.entity == entity).order_by(ops.c.scope, ops.c.commit_seq)
        )
        return [(dict(row._mapping), MSGPACK.decode(row.body, Op)) for row in rows]


async def put_catalog_basics(hub, token) -> None:
    for path, doc in (
        ("category/coffee", {"name": "Coffee"}),
        ("station/bar", {"name": "Bar"}),
        ("tax_rate/VAT16", {"code": "VAT16", "name": "VAT", "rate_bp": 1600, "inclusive": True}),
    ):
        answer = await hub.client.put(f"/api/v1/catalog/{path}", json=doc, headers=auth(token))
        assert answer.status_code == 200, answer.text


# Registry


async def test_an_outlet_is_created_with_the_tenant_currency_and_published_to_devices(
    hub, acme
) -> None:
    outlet = (await hub.client.get("/api/v1/outlets/NBO1", headers=auth(acme))).json()
    listed = (await hub.client.get("/api/v1/outlets", headers=auth(acme))).json()
    [(row, op)] = await hub_ops(hub, "ref.outlet")

    assert outlet["currency"] == "KES"
    assert outlet["settings"] == {"offline_card": OFFLINE_CARD}
    assert [o["code"] for o in listed] == ["NBO1"]
    assert row["scope"].startswith("t:")
    assert isinstance(op, FieldEdit)
    assert op.outlet == "HUB"
    assert op.changes == {
        "doc": {
            "name": "Outlet NBO1",
            "currency": "KES",
            "timezone": "Africa/Nairobi",
            "offline_card": OFFLINE_CARD,
        }
    }


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"code": "HUB"}, "invalid_input"),
        ({"code": "hub"}, "invalid_input"),
        ({"code": "-bad"}, "invalid_input"),
        ({"timezone": "Mars/Olympus"}, "invalid_input"),
        ({"currency": "kes"}, "invalid_input"),
        ({"settings": {"offline_card": {"per_transaction_limit": 1.5}}}, "invalid_document"),
        ({"settings": {"surprise": True}}, "invalid_document"),
        ({"settings": {"kiosk_line_quantity_max": 0}}, "invalid_document"),
        ({"settings": {"kiosk_line_quantity_max": 31}}, "invalid_document"),
        (
            {"settings": {"kiosk_line_quantity_max": 5, "kiosk_order_quantity_max": 4}},
            "invalid_document",
        ),
    ],
)
async def test_an_outlet_with_a_bad_field_is_refused(hub, acme, body, code) -> None:
    full = {"code": "X1", "name": "X", "timezone": "Africa/Nairobi", **body}

    answer = await hub.client.post("/api/v1/outlets", json=full, headers=auth(acme))

    assert answer.status_code == 422
    assert answer.json()["code"] == code


async def test_outlet_codes_are_unique_whatever_the_letter_case(hub, acme) -> None:
    body = {"code": "nbo1", "name": "Again", "timezone": "Africa/Nairobi"}

    answer = await hub.client.post("/api/v1/outlets", json=body, headers=auth(acme))

    assert answer.status_code == 409
    assert answer.json()["code"] == "already_exists"


async def test_outlet_settings_change_is_republished(hub, acme) -> None:
    answer = await hub.client.put("/api/v1/outlets/NBO1/settings", json={}, headers=auth(acme))
    docs = [op.changes["doc"] for _, op in await hub_ops(hub, "ref.outlet")]

    assert answer.status_code == 200
    assert answer.json()["settings"] == {}
    assert "offline_card" in docs[0]
    assert "offline_card" not in docs[1]


async def test_an_outlet_caps_its_kiosk_lines_and_orders(hub, acme) -> None:
    caps = {"kiosk_line_quantity_max": 40, "kiosk_order_quantity_max": 100}

    answer = await hub.client.put("/api/v1/outlets/NBO1/settings", json=caps, headers=auth(acme))

    assert answer.status_code == 200, answer.text
    assert answer.json()["settings"] == caps


async def test_a_revoked_admin_token_is_refused(hub, acme) -> None:
    async with hub.engine.begin() as conn:
        await conn.execute(sa.update(admin_credentials).values(revoked_ms=1))

    answer = await hub.client.get("/api/v1/outlets", headers=auth(acme))

    assert answer.status_code == 401
    assert answer.json()["code"] == "admin_token_revoked"


async def test_creating_a_tenant_needs_the_operator_token(hub, acme) -> None:
    body = {"slug": "evil", "name": "Evil"}

    with_admin = await hub.client.post("/api/v1/tenants", json=body, headers=auth(acme))
    without = await hub.client.post("/api/v1/tenants", json=body)
    again = await hub.client.post(
        "/api/v1/tenants",
        json={"slug": "acme", "name": "Twice"},
        headers=auth("operator-secret-for-tests"),
    )

    assert with_admin.status_code == without.status_code == 401
    assert again.status_code == 409


# Devices


async def test_revoking_a_device_keeps_it_listed_as_revoked(hub, acme) -> None:
    device = await hub.enroll(await hub.code(acme, "NBO1", "D01"))
    hub.clock.advance(1000)

    revoked = await hub.client.post(
        f"/api/v1/devices/{device['device_id']}/revoke", headers=auth(acme)
    )
    listed = (await hub.client.get("/api/v1/devices?outlet=NBO1", headers=auth(acme))).json()

    assert revoked.status_code == 200
    assert revoked.json()["revoked_ms"] == hub.clock()
    assert [(d["code"], d["status"]) for d in listed] == [("D01", "revoked")]


async def test_a_forced_sign_out_is_a_session_op_in_the_outlet_scope(hub, acme) -> None:
    device = await hub.enroll(await hub.code(acme, "NBO1", "D01"))

    first = await hub.client.post(
        f"/api/v1/devices/{device['device_id']}/signout", headers=auth(acme)
    )
    hub.clock.advance(60_000)
    second = await hub.client.post(
        f"/api/v1/devices/{device['device_id']}/signout", headers=auth(acme)
    )
    [(row1, op1), (row2, op2)] = await hub_ops(hub, "device.session")
    listed = (await hub.client.get("/api/v1/devices", headers=auth(acme))).json()

    assert first.status_code == second.status_code == 200
    assert row1["scope"] == row2["scope"] != ""
    assert row1["scope"].startswith("o:")
    assert (op1.entity_id, op1.outlet) == (device["device_id"], "NBO1")
    assert op2.changes == {"signout_before_ms": hub.clock()}
    assert op2.base == {"signout_before_ms": op1.op_id}
    assert listed[0]["signout_before_ms"] == hub.clock()


# Reference data


async def test_a_catalog_document_becomes_a_gapless_hub_op_with_its_base(hub, acme) -> None:
    await put_catalog_basics(hub, acme)

    created = await hub.client.put("/api/v1/catalog/product/latte", json=LATTE, headers=auth(acme))
    changed = await hub.client.put(
        "/api/v1/catalog/product/latte", json={**LATTE, "name": "Caffè latte"}, headers=auth(acme)
    )
    same = await hub.client.put(
        "/api/v1/catalog/product/latte", json={**LATTE, "name": "Caffè latte"}, headers=auth(acme)
    )
    [(_, first), (_, second)] = await hub_ops(hub, "ref.product")
    async with hub.engine.connect() as conn:
        writer_seqs = (
            await conn.execute(
                sa.select(ops.c.device_seq)
                .where(ops.c.device_id == str(first.device_id))
                .order_by(ops.c.device_seq)
            )
        ).scalars()
        seqs = list(writer_seqs)

    assert created.json()["changed"] is True
    assert same.json()["changed"] is False
    assert same.json()["version"] == changed.json()["version"] == str(second.op_id)
    assert second.base == {"doc": first.op_id}
    assert second.hlc > first.hlc
    assert second.changes == {"doc": {**LATTE, "name": "Caffè latte"}}
    assert seqs == list(range(1, len(seqs) + 1))


async def test_the_catalog_lists_live_documents_and_a_deletion_is_final(hub, acme) -> None:
    await put_catalog_basics(hub, acme)
    await hub.client.put("/api/v1/catalog/category/tea", json={"name": "Tea"}, headers=auth(acme))

    deleted = await hub.client.delete("/api/v1/catalog/category/tea", headers=auth(acme))
    catalog = (await hub.client.get("/api/v1/catalog", headers=auth(acme))).json()
    again = await hub.client.put(
        "/api/v1/catalog/category/tea", json={"name": "Tea"}, headers=auth(acme)
    )
    twice = await hub.client.delete("/api/v1/catalog/category/tea", headers=auth(acme))

    assert deleted.status_code == 200
    assert [c["id"] for c in catalog["category"]] == ["coffee"]
    assert again.status_code == 409
    assert again.json()["code"] == "entity_deleted"
    assert twice.status_code == 404


async def test_a_deletion_is_a_tombstone_op(hub, acme) -> None:
    await put_catalog_basics(hub, acme)

    await hub.client.delete("/api/v1/catalog/station/bar", headers=auth(acme))
    [_, (_, tombstone)] = await hub_ops(hub, "ref.station")

    assert isinstance(tombstone, Tombstone)
    assert tombstone.entity_id == "bar"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"category_id": "cakes"}, 422, "invalid_document"),
        ({"tax_codes": ["VAT99"]}, 422, "invalid_document"),
        ({"variants": [{"id": "v", "name": "V", "price": 1.5}]}, 422, "invalid_document"),
        ({"variants": [{"id": "v", "name": "V", "price": -1}]}, 422, "invalid_document"),
        ({"variants": []}, 422, "invalid_document"),
        ({"colour": "red"}, 422, "invalid_document"),
    ],
)
async def test_a_product_devices_could_not_sell_is_refused(hub, acme, change, status, code) -> None:
    await put_catalog_basics(hub, acme)

    answer = await hub.client.put(
        "/api/v1/catalog/product/p1", json={**LATTE, **change}, headers=auth(acme)
    )

    assert (answer.status_code, answer.json()["code"]) == (status, code)
    assert await hub_ops(hub, "ref.product") == []


async def test_variant_ids_are_unique_across_products(hub, acme) -> None:
    await put_catalog_basics(hub, acme)
    await hub.client.put("/api/v1/catalog/product/latte", json=LATTE, headers=auth(acme))

    answer = await hub.client.put("/api/v1/catalog/product/copy", json=LATTE, headers=auth(acme))

    assert answer.status_code == 409


async def test_a_document_others_name_is_not_deleted(hub, acme) -> None:
    await put_catalog_basics(hub, acme)
    await hub.client.put("/api/v1/catalog/product/latte", json=LATTE, headers=auth(acme))

    answer = await hub.client.delete("/api/v1/catalog/category/coffee", headers=auth(acme))

    assert answer.status_code == 409
    assert answer.json()["code"] == "still_referenced"
    assert "latte" in answer.json()["message"]


async def test_an_unknown_catalog_entity_is_not_found(hub, acme) -> None:
    answer = await hub.client.put("/api/v1/catalog/staff/x", json={"name": "X"}, headers=auth(acme))

    assert answer.status_code == 404


async def test_a_staff_pin_is_stored_only_as_the_hash_the_agent_verifies(hub, acme) -> None:
    role = {"name": "Cashier", "permissions": ["drawer_open"], "discount_limit_bp": 500}
    await hub.client.put("/api/v1/roles/cashier", json=role, headers=auth(acme))

    created = await hub.client.put(
        "/api/v1/staff/s1",
        json={"name": "Amina", "role": "cashier", "pin": "4321"},
        headers=auth(acme),
    )
    renamed = await hub.client.put(
        "/api/v1/staff/s1", json={"name": "Amina W.", "role": "cashier"}, headers=auth(acme)
    )
    listed = (await hub.client.get("/api/v1/staff", headers=auth(acme))).json()
    [(_, first), (_, second)] = await hub_ops(hub, "ref.staff")

    assert created.status_code == renamed.status_code == 200
    assert "4321" not in created.text + renamed.text + str(listed)
    assert "pin_hash" not in created.text + renamed.text + str(listed)
    assert listed == [{"id": "s1", "name": "Amina W.", "role": "cashier", "outlets": "all"}]
    assert verify_pin("4321", first.changes["doc"]["pin_hash"])
    assert second.changes["doc"]["pin_hash"] == first.changes["doc"]["pin_hash"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"name": "New", "role": "cashier"}, 422, "invalid_input"),
        ({"name": "New", "role": "cashier", "pin": "12a4"}, 422, "invalid_input"),
        ({"name": "New", "role": "cashier", "pin": "123"}, 422, "invalid_input"),
        ({"name": "New", "role": "boss", "pin": "5555"}, 422, "invalid_document"),
        ({"name": "New", "role": "cashier", "pin": "4321"}, 409, "pin_in_use"),
    ],
)
async def test_a_staff_member_needs_a_fresh_valid_pin_and_a_known_role(
    hub, acme, body, status, code
) -> None:
    role = {"name": "Cashier", "permissions": [], "discount_limit_bp": 0}
    await hub.client.put("/api/v1/roles/cashier", json=role, headers=auth(acme))
    await hub.client.put(
        "/api/v1/staff/s1", json={"name": "A", "role": "cashier", "pin": "4321"}, headers=auth(acme)
    )

    answer = await hub.client.put("/api/v1/staff/s2", json=body, headers=auth(acme))

    assert (answer.status_code, answer.json()["code"]) == (status, code)


async def test_a_staff_member_who_leaves_is_deleted_and_then_their_role_can_go(hub, acme) -> None:
    role = {"name": "Cashier", "permissions": [], "discount_limit_bp": 0}
    await hub.client.put("/api/v1/roles/cashier", json=role, headers=auth(acme))
    await hub.client.put(
        "/api/v1/staff/s1", json={"name": "A", "role": "cashier", "pin": "4321"}, headers=auth(acme)
    )

    role_in_use = await hub.client.delete("/api/v1/roles/cashier", headers=auth(acme))
    gone = await hub.client.delete("/api/v1/staff/s1", headers=auth(acme))
    role_gone = await hub.client.delete("/api/v1/roles/cashier", headers=auth(acme))
    listed = (await hub.client.get("/api/v1/staff", headers=auth(acme))).json()
    [_, (_, tombstone)] = await hub_ops(hub, "ref.staff")

    assert role_in_use.status_code == 409
    assert (gone.status_code, role_gone.status_code) == (200, 200)
    assert listed == []
    assert isinstance(tombstone, Tombstone)


async def test_a_role_with_an_unknown_permission_is_refused(hub, acme) -> None:
    role = {"name": "Boss", "permissions": ["launch_rockets"], "discount_limit_bp": 0}

    answer = await hub.client.put("/api/v1/roles/boss", json=role, headers=auth(acme))
    roles = (await hub.client.get("/api/v1/roles", headers=auth(acme))).json()

    assert answer.status_code == 422
    assert roles == []


# What managers watch


async def enrolled_till(hub, token, code="D01", outlet="NBO1", tenant="acme") -> Till:
    device = await hub.enroll(await hub.code(token, outlet, code))
    return Till(device["device_id"], tenant, outlet, hub.clock())


async def test_sync_status_shows_pending_unpulled_ops_and_clock_skew(hub, acme) -> None:
    d01 = await enrolled_till(hub, acme, "D01")
    d02 = await enrolled_till(hub, acme, "D02")
    await store_device_ops(hub, "acme", "NBO1", [d01.edit("t1", {"table": "4"}) for _ in range(3)])
    async with hub.engine.begin() as conn:
        await conn.execute(
            sa.update(devices)
            .where(devices.c.id == str(d02.device_id))
            .values(device_last_seq=7, last_applied_seq=2, clock_skew_ms=-90_000, last_seen_ms=1)
        )
    hub.clock.advance(30_000)

    answer = await hub.client.get("/api/v1/sync/status?outlet=NBO1", headers=auth(acme))

    body = answer.json()
    by_code = {d["code"]: d for d in body["devices"]}
    assert answer.status_code == 200
    assert body["outlet_seq"] == 3
    assert (by_code["D01"]["lag_ops"], by_code["D01"]["pending_ops"]) == (0, 0)
    assert by_code["D02"]["pending_ops"] == 5
    assert by_code["D02"]["lag_ops"] == 3
    assert by_code["D02"]["lag_ms"] == 30_000
    assert by_code["D02"]["clock_skew_ms"] == -90_000


async def test_a_conflict_is_resolved_by_a_hub_edit_that_syncs(hub, acme) -> None:
    d01 = await enrolled_till(hub, acme, "D01")
    d02 = await enrolled_till(hub, acme, "D02")
    a, b = d01.edit("t1", {"table": "4"}), d02.edit("t1", {"table": "9"})
    await store_device_ops(hub, "acme", "NBO1", [a, b])

    [conflict] = (await hub.client.get("/api/v1/conflicts", headers=auth(acme))).json()
    status = (await hub.client.get("/api/v1/sync/status?outlet=NBO1", headers=auth(acme))).json()
    answer = await hub.client.post(
        f"/api/v1/conflicts/{conflict['conflict_id']}/resolve",
        json={"op_id": str(a.op_id)},
        headers=auth(acme),
    )
    again = await hub.client.post(
        f"/api/v1/conflicts/{conflict['conflict_id']}/resolve",
        json={"value": "7"},
        headers=auth(acme),
    )
    still_open = (await hub.client.get("/api/v1/conflicts", headers=auth(acme))).json()
    [(row, resolution)] = [
        (r, op)
        for r, op in await hub_ops(hub, "ticket")
        if r["device_id"] not in (str(a.device_id), str(b.device_id))
    ]

    assert conflict["values"] == {str(a.op_id): "4", str(b.op_id): "9"}
    assert status["open_conflicts"] == 1
    assert [d["open_conflicts"] for d in status["devices"]] == [1, 1]
    assert answer.status_code == 200
    assert answer.json()["value"] == "4"
    assert again.status_code == 409
    assert still_open == []
    assert row["scope"].startswith("o:")
    assert resolution.resolves == (conflict["conflict_id"],)
    assert resolution.changes == {"table": "4"}
    assert resolution.base == {"table": max(a, b, key=lambda op: op.order_key).op_id}
    assert resolution.hlc > max(a.hlc, b.hlc)


async def test_resolving_needs_one_of_the_conflicts_writes_or_a_value(hub, acme) -> None:
    d01 = await enrolled_till(hub, acme, "D01")
    d02 = await enrolled_till(hub, acme, "D02")
    await store_device_ops(
        hub, "acme", "NBO1", [d01.edit("t1", {"n": 1}), d02.edit("t1", {"n": 2})]
    )
    [conflict] = (await hub.client.get("/api/v1/conflicts", headers=auth(acme))).json()
    path = f"/api/v1/conflicts/{conflict['conflict_id']}/resolve"

    stranger = await hub.client.post(path, json={"op_id": str(uuid.uuid4())}, headers=auth(acme))
    both = await hub.client.post(path, json={"op_id": "x", "value": 1}, headers=auth(acme))
    neither = await hub.client.post(path, json={}, headers=auth(acme))
    unknown = await hub.client.post(
        "/api/v1/conflicts/nope/resolve", json={"value": 1}, headers=auth(acme)
    )

    assert stranger.status_code == 422
    assert both.status_code == neither.status_code == 400
    assert unknown.status_code == 404


async def test_the_settlement_adds_up_payments_tips_refunds_and_pending(hub, acme) -> None:
    till = await enrolled_till(hub, acme, "D01")
    paid = [
        till.event(
            "t1",
            "payment_taken",
            {
                "payment_id": "p1",
                "method": "cash",
                "amount": 35000,
                "tip": 1000,
                "status": "confirmed",
            },
        ),
        till.event(
            "t1",
            "payment_taken",
            {"payment_id": "p2", "method": "card", "amount": 42000, "tip": 0, "status": "pending"},
        ),
        till.event(
            "t2",
            "payment_taken",
            {
                "payment_id": "p3",
                "method": "cash",
                "amount": 15000,
                "tip": 0,
                "status": "confirmed",
            },
        ),
        till.event("t2", "refund_issued", {"refund_id": "r1", "method": "cash", "amount": 5000}),
    ]
    till.wall_ms += 24 * 3_600_000
    tomorrow = till.event(
        "t3",
        "payment_taken",
        {"payment_id": "p4", "method": "cash", "amount": 999, "tip": 0, "status": "confirmed"},
    )
    await store_device_ops(hub, "acme", "NBO1", [*paid, tomorrow])

    answer = await hub.client.get(
        "/api/v1/reports/settlement?outlet=NBO1&day=2026-03-02", headers=auth(acme)
    )

    report = answer.json()
    assert answer.status_code == 200
    assert report["totals"] == {
        "taken": 92000,
        "tips": 1000,
        "confirmed": 50000,
        "pending": 42000,
        "refunded": 5000,
        "net": 87000,
        "declined": 0,
        "held_on_voided": 0,
        "sales": 87000,
    }
    assert {p["method"]: (p["count"], p["amount"], p["pending"]) for p in report["payments"]} == {
        "cash": (2, 50000, 0),
        "card": (1, 42000, 42000),
    }
    assert report["refunds"] == [
        {
            "method": "cash",
            "count": 1,
            "amount": 5000,
            "tip": 0,
            "confirmed": 0,
            "pending": 0,
            "declined": 0,
        }
    ]
    # These tickets have no lines: every shilling they took is an overpayment.
    assert [(t["ticket_id"], t["kind"], t["amount"]) for t in report["money_conflicts"]] == [
        ("t1", "overpaid", 77000),
        ("t2", "overpaid", 10000),
    ]


async def test_quarantined_ops_are_listed_without_their_bodies(hub, acme) -> None:
    till = await enrolled_till(hub, acme, "D01")
    outlet_id = (await hub.client.get("/api/v1/outlets/NBO1", headers=auth(acme))).json()["id"]
    async with hub.engine.begin() as conn:
        tenant_id = await conn.scalar(sa.select(devices.c.tenant_id))
        await conn.execute(
            sa.insert(quarantine).values(
                id=1,
                tenant_id=tenant_id,
                outlet_id=outlet_id,
                device_id=str(till.device_id),
                device_seq=1,
                code="read_only",
                reason="devices only read ref.*",
                body=b"\x81secret",
                received_ms=hub.clock(),
            )
        )

    listed = (await hub.client.get("/api/v1/quarantine?outlet=NBO1", headers=auth(acme))).json()
    metrics = (await hub.client.get("/metrics")).text

    assert [(q["code"], q["device_seq"], q["outlet"]) for q in listed] == [("read_only", 1, "NBO1")]
    assert "body" not in listed[0]
    assert "pos_hub_quarantined_ops 1" in metrics
    assert 'pos_hub_devices{status="active"} 1' in metrics
