"""A device of one outlet cannot change anything of another outlet of its tenant.

Outlet B ("NBO2") holds a ticket with a line, a pending card tender, a cash tender into
a drawer session, a refund, a Z report and its device's audit entities. A device of
outlet A ("NBO1") pushes, over ``/sync/v1``, one op on (or naming) each of B's
entities, followed by a sale of its own: every such op is quarantined
``foreign_outlet_entity``, the op behind it is applied, and B's tickets, tenders,
settlement, conflicts, read models and state hash are unchanged to the cent. Every test
runs on a SQLite file and, marked ``postgres``, on PostgreSQL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from cloud_hub.domain.outlet_scope import ENTITY_SCOPES, EVENTS, REFERENCE_KEYS, Scope
from cloud_hub.store.models import entities, outlets, payments, tickets
from cloud_hub.store.owners import lock_named, owners
from sync_protocol import JSON, Op, PushRequest
from tests.hub_rows import HubDevice, OpMaker
from tests.integration.cloud_hub.admin_harness import Hub, auth, running_hub

DAY = "2026-03-02"
A, B = "NBO1", "NBO2"
LINE = {"line_id": "lb1", "product_id": "chai", "name": "Kenyan chai", "quantity": 1}
B_LINE = LINE | {"unit_price": 40000, "modifiers": [], "tax_rates": []}
CARD = {"payment_id": "pb-card", "method": "card", "amount": 20000, "status": "pending"}
CASH = {"payment_id": "pb-cash", "method": "cash", "amount": 20000, "drawer_session": "sb"}
REFUND = {"refund_id": "rb1", "method": "cash", "amount": 1000, "drawer_session": "sb"}


@pytest.fixture
async def acme(hub: Hub) -> str:
    token = await hub.tenant("acme")
    await hub.outlet(token, A)
    await hub.outlet(token, B)
    return token


async def enroll(hub: Hub, admin: str, outlet: str) -> HubDevice:
    answer = await hub.enroll(await hub.code(admin, outlet, "D01"))
    return HubDevice(answer["device_id"], answer["credential"], "D01", "", "acme", "", outlet)


async def push(hub: Hub, device: HubDevice, ops: list[Op]) -> list[Any]:
    answer = await hub.client.post(
        "/sync/v1/push",
        content=JSON.encode(PushRequest(device_id=device.uuid, ops=ops)),
        headers={"Content-Type": "application/json", **auth(device.token)},
    )
    assert answer.status_code == 200, answer.text
    return list(JSON.decode_message(answer.content).results)


@pytest.fixture
async def outlet_b(hub: Hub, acme: str) -> HubDevice:
    """Outlet B's device and what it sold: every kind of entity a till writes."""
    till = await enroll(hub, acme, B)
    ops = OpMaker(till, clock_ms=hub.clock() - 60_000)
    sale = [
        ops.field("ticket", "tb", {"receipt_no": "NBO2-D01-1", "currency": "KES"}),
        ops.status("ticket", "tb", "open"),
        ops.event("ticket", "tb", "line_added", B_LINE),
        ops.event("drawer_session", "sb", "drawer_opened", {"float": 5000}),
        ops.status("drawer_session", "sb", "open"),
        ops.event("ticket", "tb", "payment_taken", CARD),
        ops.event("ticket", "tb", "payment_taken", CASH),
        ops.status("ticket", "tb", "paid"),
        ops.event("ticket", "tb", "refund_issued", REFUND),
        ops.event("z_report", "zb", "z_report_issued", {"session_id": "sb", "number": 1}),
        ops.event("audit", till.device_id, "identity_replaced", {"reason": "enroll"}),
        ops.event("device_clock", till.device_id, "hlc_rebased", {"ahead_ms": 1}),
        ops.event("pairing", "pb", "pairing_code_created", {"by": "service"}),
    ]
    results = await push(hub, till, sale)
    assert {r.status for r in results} == {"applied"}
    return till


@pytest.fixture
async def outlet_a(hub: Hub, acme: str, outlet_b: HubDevice) -> HubDevice:
    return await enroll(hub, acme, A)


async def snapshot_of_b(hub: Hub, admin: str) -> dict[str, Any]:
    """Everything the hub shows or holds of outlet B."""
    shown = {
        path: (await hub.client.get(path, headers=auth(admin))).json()
        for path in (
            f"/api/v1/tickets?outlet={B}",
            "/api/v1/tickets/tb",
            f"/api/v1/reports/settlement?outlet={B}&day={DAY}",
            f"/api/v1/conflicts?outlet={B}",
            f"/api/v1/state-hash?outlet={B}",
        )
    }
    async with hub.engine.connect() as conn:
        b_id = (await conn.execute(sa.select(outlets.c.id).where(outlets.c.code == B))).scalar()
        for table in (entities, tickets):
            rows = await conn.execute(sa.select(table).where(table.c.outlet_id == b_id))
            shown[table.name] = sorted(
                (_without_touch_time(dict(row._mapping)) for row in rows), key=repr
            )
        rows = await conn.execute(sa.select(payments).order_by(payments.c.id))
        shown["payments"] = [dict(row._mapping) for row in rows]
    return shown


def _without_touch_time(row: dict[str, Any]) -> dict[str, Any]:
    # A read-model row's touch time is not B's data; everything else must hold.
    return {key: value for key, value in row.items() if key != "updated_ms"}


Case = Callable[[OpMaker, str], Op]
#: One op of outlet A per way of reaching one of B's entities (b is B's device id).
CASES: dict[str, Case] = {
    # B's ticket itself, by every kind of op and every event a till writes on a ticket.
    "ticket field edit": lambda o, b: o.field("ticket", "tb", {"table": "T9"}),
    "ticket status": lambda o, b: o.status("ticket", "tb", "closed"),
    "ticket tombstone": lambda o, b: o.tombstone("ticket", "tb", "gone"),
    "ticket counter": lambda o, b: o.counter("ticket", "tb", "covers", 4),
    "ticket line_added": lambda o, b: o.event("ticket", "tb", "line_added", B_LINE),
    "ticket line_changed": lambda o, b: o.event(
        "ticket", "tb", "line_changed", {"line_id": "lb1", "changes": {"quantity": 3}}
    ),
    "ticket line_voided": lambda o, b: o.event("ticket", "tb", "line_voided", {"line_id": "lb1"}),
    "ticket line_moved": lambda o, b: o.event(
        "ticket", "tb", "line_moved", {"line_id": "lb1", "to_ticket_id": "ta"}
    ),
    "ticket discount_applied": lambda o, b: o.event(
        "ticket", "tb", "discount_applied", {"line_id": None, "kind": "percent", "value": 5000}
    ),
    "ticket sent_to_kitchen": lambda o, b: o.event(
        "ticket", "tb", "sent_to_kitchen", {"line_ids": ["lb1"]}
    ),
    "ticket split_evenly": lambda o, b: o.event("ticket", "tb", "split_evenly", {"parts": 2}),
    "ticket merged_into": lambda o, b: o.event("ticket", "tb", "merged_into", {"ticket_id": "ta"}),
    "ticket payment_taken": lambda o, b: o.event(
        "ticket", "tb", "payment_taken", CARD | {"payment_id": "pa-new"}
    ),
    "ticket payment_confirmed": lambda o, b: o.event(
        "ticket", "tb", "payment_confirmed", {"payment_id": "pb-card", "status": "confirmed"}
    ),
    "ticket payment_reference_duplicated": lambda o, b: o.event(
        "ticket", "tb", "payment_reference_duplicated", {"flagged_payment_id": "pa-x"}
    ),
    "ticket refund_issued": lambda o, b: o.event(
        "ticket", "tb", "refund_issued", REFUND | {"refund_id": "ra-new"}
    ),
    "ticket ticket_voided": lambda o, b: o.event("ticket", "tb", "ticket_voided", {"reason": "x"}),
    "ticket ticket_reinstated": lambda o, b: o.event(
        "ticket", "tb", "ticket_reinstated", {"reason": "x"}
    ),
    "ticket promotions_priced": lambda o, b: o.event(
        "ticket",
        "tb",
        "promotions_priced",
        {"promotions": [], "outlet_code": "NBO1", "timezone": "UTC", "moment_ms": 1},
    ),
    "ticket kitchen_bumped": lambda o, b: o.event(
        "ticket", "tb", "kitchen_bumped", {"station": "kitchen", "status": "ready"}
    ),
    "ticket tab_preauthorised": lambda o, b: o.event(
        "ticket", "tb", "tab_preauthorised", {"preauth_id": "pre-b", "amount": 1, "reference": "R"}
    ),
    "ticket tab_limit_overridden": lambda o, b: o.event(
        "ticket", "tb", "tab_limit_overridden", {"limit": 1, "total": 2}
    ),
    "ticket kiosk_checked_out": lambda o, b: o.event(
        "ticket", "tb", "kiosk_checked_out", {"pay_at": "counter", "by": "kiosk:k1"}
    ),
    # B's drawer session, Z report and device entities.
    "drawer_session drawer_opened": lambda o, b: o.event(
        "drawer_session", "sb", "drawer_opened", {"float": 1}
    ),
    "drawer_session cash_movement": lambda o, b: o.event(
        "drawer_session", "sb", "cash_movement", {"kind": "pay_out", "amount": 5000}
    ),
    "drawer_session drawer_counted": lambda o, b: o.event(
        "drawer_session", "sb", "drawer_counted", {"counted": 1}
    ),
    "drawer_session status": lambda o, b: o.status("drawer_session", "sb", "closed"),
    "z_report z_report_issued": lambda o, b: o.event(
        "z_report", "zb", "z_report_issued", {"number": 2}
    ),
    "audit identity_replaced": lambda o, b: o.event("audit", b, "identity_replaced", {}),
    "audit print_job_resent": lambda o, b: o.event("audit", b, "print_job_resent", {}),
    "audit print_job_confirmed": lambda o, b: o.event("audit", b, "print_job_confirmed", {}),
    "audit print_job_cancelled": lambda o, b: o.event(
        "audit", b, "print_job_cancelled", {"reason": "x"}
    ),
    "device_clock hlc_rebased": lambda o, b: o.event("device_clock", b, "hlc_rebased", {}),
    "pairing pairing_code_created": lambda o, b: o.event(
        "pairing", "pb", "pairing_code_created", {"by": "service"}
    ),
    "pairing device_paired": lambda o, b: o.event("pairing", "pb", "device_paired", {"name": "x"}),
    "pairing pairing_revoked": lambda o, b: o.event(
        "pairing", "pb", "pairing_revoked", {"by": "m"}
    ),
    # A's own entities whose payload names one of B's.
    "ref ticket_id (a line moved in from B's ticket)": lambda o, b: o.event(
        "ticket", "ta", "line_added", LINE | {"moved_from": {"ticket_id": "tb", "line_id": "l"}}
    ),
    "ref to_ticket_id (a line moved into B's ticket)": lambda o, b: o.event(
        "ticket", "ta", "line_moved", {"line_id": "la1", "to_ticket_id": "tb"}
    ),
    "ref ticket_id (merged into B's ticket)": lambda o, b: o.event(
        "ticket", "ta", "merged_into", {"ticket_id": "tb"}
    ),
    "ref split_from (a check split from B's ticket)": lambda o, b: o.event(
        "ticket", "ta", "discount_applied", {"kind": "percent", "value": 1, "split_from": "tb"}
    ),
    "ref payment_id (B's card tender confirmed)": lambda o, b: o.event(
        "ticket", "ta", "payment_confirmed", {"payment_id": "pb-card", "status": "confirmed"}
    ),
    "ref payment_id (a tender under B's tender id)": lambda o, b: o.event(
        "ticket", "ta", "payment_taken", CARD | {"status": "confirmed"}
    ),
    "ref drawer_session (cash into B's drawer)": lambda o, b: o.event(
        "ticket", "ta", "payment_taken", CASH | {"payment_id": "pa-cash"}
    ),
    "ref ticket_id (a duplicate reference of B's ticket)": lambda o, b: o.event(
        "ticket",
        "ta",
        "payment_taken",
        CARD | {"payment_id": "pa-c", "duplicate_reference_of": [{"ticket_id": "tb"}]},
    ),
    "ref flagged_payment_id (B's tender flagged)": lambda o, b: o.event(
        "ticket", "ta", "payment_reference_duplicated", {"flagged_payment_id": "pb-card"}
    ),
    "ref refund_id (a refund under B's refund id)": lambda o, b: o.event(
        "ticket", "ta", "refund_issued", {"refund_id": "rb1", "method": "card", "amount": 1}
    ),
    "ref ticket_id (a print job of B's ticket cancelled)": lambda o, b: o.event(
        "audit", "audit-a", "print_job_cancelled", {"ticket_id": "tb", "reason": "x"}
    ),
    "ref session_id (a Z report of B's drawer)": lambda o, b: o.event(
        "z_report", "za", "z_report_issued", {"session_id": "sb", "number": 1}
    ),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_an_op_on_or_naming_another_outlets_entity_is_quarantined_and_changes_nothing(
    hub: Hub, acme: str, outlet_b: HubDevice, outlet_a: HubDevice, case: str
) -> None:
    ops = OpMaker(outlet_a, clock_ms=hub.clock() - 1_000)
    before = await snapshot_of_b(hub, acme)
    bad = CASES[case](ops, outlet_b.device_id)
    own = ops.event("ticket", "ta-own", "line_added", LINE | {"line_id": "la9"})

    results = await push(hub, outlet_a, [bad, own])
    after = await snapshot_of_b(hub, acme)
    held = (await hub.client.get("/api/v1/quarantine", headers=auth(acme))).json()

    assert [(r.status, r.code) for r in results] == [
        ("quarantined", "foreign_outlet_entity"),
        ("applied", None),
    ]
    assert "another outlet" in (results[0].reason or "")
    assert after == before
    assert [(q["device_seq"], q["code"]) for q in held] == [(1, "foreign_outlet_entity")]


async def test_a_held_foreign_outlet_op_can_only_be_discarded(
    hub: Hub, acme: str, outlet_b: HubDevice, outlet_a: HubDevice
) -> None:
    ops = OpMaker(outlet_a, clock_ms=hub.clock() - 1_000)
    confirm = ops.event("ticket", "tb", "payment_confirmed", {"payment_id": "pb-card"})
    await push(hub, outlet_a, [confirm])
    before = await snapshot_of_b(hub, acme)
    (entry,) = (await hub.client.get("/api/v1/quarantine", headers=auth(acme))).json()

    release = await hub.client.post(
        f"/api/v1/quarantine/{entry['id']}/release", json={"note": "?"}, headers=auth(acme)
    )
    discard = await hub.client.post(
        f"/api/v1/quarantine/{entry['id']}/discard", json={"note": "no"}, headers=auth(acme)
    )

    assert (release.status_code, release.json()["code"]) == (409, "still_refused")
    assert discard.status_code == 200, discard.text
    assert await snapshot_of_b(hub, acme) == before


async def test_a_device_writes_its_own_outlets_entities_and_the_tenants_shared_ones(
    hub: Hub, acme: str, outlet_b: HubDevice, outlet_a: HubDevice
) -> None:
    ops = OpMaker(outlet_a, clock_ms=hub.clock() - 1_000)
    own_sale = [
        ops.field("ticket", "ta", {"receipt_no": "NBO1-D01-1", "currency": "KES"}),
        ops.event("ticket", "ta", "line_added", B_LINE | {"line_id": "la1"}),
        ops.event("ticket", "ta", "payment_taken", CARD | {"payment_id": "pa-card"}),
        ops.event("ticket", "ta", "payment_confirmed", {"payment_id": "pa-card"}),
        ops.event("staff", "s-shared", "signed_in", {}),
    ]
    b_ops = OpMaker(outlet_b, clock_ms=hub.clock() - 500, seq=13)  # after its sale

    mine = await push(hub, outlet_a, own_sale)
    theirs = await push(hub, outlet_b, [b_ops.event("staff", "s-shared", "signed_in", {})])
    shared_edit = await push(hub, outlet_a, [ops.field("staff", "s-shared", {"name": "x"})])

    assert [r.status for r in mine + theirs] == ["applied"] * 6
    assert [(r.status, r.code) for r in shared_edit] == [("quarantined", "read_only")]


def test_the_cases_reach_every_entity_and_event_a_till_writes_and_every_reference() -> None:
    reached = {name.split(" (")[0] for name in CASES}
    outlet_entities = {e for e, scope in ENTITY_SCOPES.items() if scope is Scope.OUTLET}

    assert {f"{entity} {event}" for entity, event in EVENTS if entity in outlet_entities} <= (
        reached
    )
    assert {f"ticket {kind}" for kind in ("field edit", "status", "tombstone", "counter")} <= (
        reached
    )
    assert {f"ref {key}" for key in REFERENCE_KEYS} <= reached


@pytest.mark.postgres
async def test_a_push_naming_an_id_another_push_is_creating_waits_and_then_sees_its_owner(
    postgres_url, tmp_path
) -> None:
    async with running_hub(tmp_path, postgres_url) as hub:
        admin = await hub.tenant("acme")
        await hub.outlet(admin, A)
        async with hub.engine.connect() as conn:
            query = sa.select(outlets.c.tenant_id, outlets.c.id).where(outlets.c.code == A)
            tenant_id, outlet_id = (await conn.execute(query)).one()
        new = ("ticket", "t-new")
        async with hub.engine.connect() as first, hub.engine.connect() as second:
            second_pid = (await second.get_raw_connection()).driver_connection.get_server_pid()
            await first.begin()
            await lock_named(first, tenant_id, [new])
            await first.execute(
                sa.insert(entities).values(
                    tenant_id=tenant_id,
                    entity="ticket",
                    entity_id="t-new",
                    outlet_id=outlet_id,
                    fields={},
                    updated_ms=1,
                )
            )

            async def second_push() -> dict[Any, str | None]:
                async with second.begin():
                    await lock_named(second, tenant_id, [new])
                    return await owners(second, tenant_id, [new])

            waiting = asyncio.create_task(second_push())
            await _until_waiting_for_a_lock(hub, second_pid)
            await first.commit()
            seen = await waiting

    assert seen == {new: outlet_id}


async def _until_waiting_for_a_lock(hub: Hub, pid: int) -> None:
    """Return once the backend ``pid`` waits for an advisory lock (within 10 s)."""
    query = sa.text(
        "SELECT count(*) FROM pg_locks WHERE pid = :pid AND locktype = 'advisory' AND NOT granted"
    )
    async with hub.engine.connect() as watcher:
        for _ in range(1000):
            if (await watcher.execute(query, {"pid": pid})).scalar():
                return
            await watcher.rollback()
            await asyncio.sleep(0.01)
    raise AssertionError("the second push never waited for the first")
