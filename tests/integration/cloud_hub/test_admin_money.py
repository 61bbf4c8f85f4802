"""The hub's view of the tickets' money: totals, money conflicts, settlement, and tenders
confirmed or declined on the hub as ops the tills pull.

Every test here runs on a SQLite file and, marked ``postgres``, on PostgreSQL.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from cloud_hub.store.models import ops
from sync_protocol import MSGPACK, Event, Op
from sync_protocol.promotions import BuyXGetY, Target
from sync_protocol.ticket_promotions import TicketPromotions
from tests.integration.cloud_hub.admin_harness import Till, auth, store_device_ops

DAY = "2026-03-02"
LINE = {
    "line_id": "l1",
    "unit_price": 35000,
    "quantity": 1,
    "modifiers": [],
    "tax_rates": [{"code": "VAT16", "name": "VAT", "rate_bp": 1600, "inclusive": True}],
}


@pytest.fixture
async def acme(hub):
    token = await hub.tenant("acme")
    await hub.outlet(token, "NBO1")
    return token


async def tills(hub, token) -> tuple[Till, Till]:
    made = []
    for code in ("D01", "D02"):
        device_id = str(uuid.uuid4())
        await hub.enroll(await hub.code(token, "NBO1", code), device_id)
        made.append(Till(device_id, "acme", "NBO1", hub.clock()))
    return made[0], made[1]


async def sold(hub, till: Till, *facts) -> None:
    """Ticket t1 with a latte on it, then ``facts``, stored as an applied push would."""
    header = till.edit("t1", {"receipt_no": "NBO1-D01-000001", "currency": "KES"})
    opening = [header, till.event("t1", "line_added", LINE)]
    await store_device_ops(hub, "acme", "NBO1", [*opening, *facts])


def cash(payment_id: str, amount: int = 35000) -> dict:
    return {"payment_id": payment_id, "method": "cash", "amount": amount, "status": "confirmed"}


def card(payment_id: str, amount: int = 35000) -> dict:
    return {"payment_id": payment_id, "method": "card", "amount": amount, "status": "pending"}


async def test_a_ticket_paid_on_two_tills_shows_its_totals_and_one_overpaid_conflict(
    hub, acme
) -> None:
    a, b = await tills(hub, acme)
    await sold(
        hub,
        a,
        a.event("t1", "payment_taken", cash("pa")),
        b.event("t1", "payment_taken", cash("pb")),
    )

    ticket = (await hub.client.get("/api/v1/tickets/t1", headers=auth(acme))).json()
    listed = (await hub.client.get("/api/v1/tickets?outlet=NBO1", headers=auth(acme))).json()
    conflicts = (await hub.client.get("/api/v1/conflicts", headers=auth(acme))).json()
    resolved_only = (
        await hub.client.get("/api/v1/conflicts?resolved=true", headers=auth(acme))
    ).json()
    report = (
        await hub.client.get(
            f"/api/v1/reports/settlement?outlet=NBO1&day={DAY}", headers=auth(acme)
        )
    ).json()

    assert (ticket["total"], ticket["paid"], ticket["balance"]) == (35000, 70000, 0)
    assert ticket["money_conflict"]["kind"] == "overpaid"
    assert ticket["money_conflict"]["amount"] == 35000
    assert ticket["money_conflict"]["resolutions"] == ["refund"]
    assert sorted(t["id"] for t in ticket["tenders"]) == ["pa", "pb"]
    assert [t["id"] for t in listed] == ["t1"]
    assert [(c["kind"], c["field"], c["amount"]) for c in conflicts] == [
        ("overpaid", "money", 35000)
    ]
    assert conflicts[0]["conflict_id"] == ticket["money_conflict"]["conflict_id"]
    assert resolved_only == []
    assert [(t["ticket_id"], t["kind"]) for t in report["money_conflicts"]] == [("t1", "overpaid")]


async def test_money_held_by_a_voided_ticket_is_flagged_and_no_sale_until_reinstated(
    hub, acme
) -> None:
    a, b = await tills(hub, acme)
    await sold(
        hub,
        a,
        a.status("t1", "voided"),
        b.event("t1", "payment_taken", cash("pb")),
    )
    url = f"/api/v1/reports/settlement?outlet=NBO1&day={DAY}"

    flagged = (await hub.client.get(url, headers=auth(acme))).json()
    await store_device_ops(
        hub, "acme", "NBO1", [b.event("t1", "ticket_reinstated", {"reason": "paid"})]
    )
    reinstated = (await hub.client.get(url, headers=auth(acme))).json()
    ticket = (await hub.client.get("/api/v1/tickets/t1", headers=auth(acme))).json()

    assert flagged["totals"]["net"] == 35000
    assert (flagged["totals"]["held_on_voided"], flagged["totals"]["sales"]) == (35000, 0)
    assert [t["kind"] for t in flagged["money_conflicts"]] == ["voided_with_payments"]
    assert (reinstated["totals"]["held_on_voided"], reinstated["totals"]["sales"]) == (0, 35000)
    assert reinstated["money_conflicts"] == []
    assert (ticket["status"], ticket["reinstated"], ticket["money_conflict"]) == (
        "voided",
        True,
        None,
    )


async def test_a_tender_confirmed_on_the_hub_is_an_event_of_the_writer_in_the_outlet_scope(
    hub, acme
) -> None:
    a, _ = await tills(hub, acme)
    await sold(
        hub,
        a,
        a.event("t1", "payment_taken", card("p1")),
    )

    first = await hub.client.post(
        "/api/v1/payments/p1/confirm", json={"reference": " AUTH7 "}, headers=auth(acme)
    )
    again = await hub.client.post("/api/v1/payments/p1/confirm", json={}, headers=auth(acme))
    declined = await hub.client.post(
        "/api/v1/payments/p1/decline", json={"reason": "chargeback"}, headers=auth(acme)
    )
    async with hub.engine.connect() as conn:
        rows = await conn.execute(sa.select(ops).where(ops.c.device_id != str(a.device_id)))
        written = [(row.scope, MSGPACK.decode(row.body, Op)) for row in rows]
    confirmations = [(scope, op) for scope, op in written if isinstance(op, Event)]
    ticket = (await hub.client.get("/api/v1/tickets/t1", headers=auth(acme))).json()

    assert first.status_code == 200, first.text
    assert first.json()["status"] == "confirmed"
    assert first.json()["op_id"] is not None
    assert again.status_code == 200
    assert again.json()["op_id"] is None
    assert declined.status_code == 409
    assert declined.json()["code"] == "payment_already_settled"
    assert len(confirmations) == 1
    scope, op = confirmations[0]
    assert scope.startswith("o:")
    assert (op.name, op.entity, op.entity_id, op.outlet) == (
        "payment_confirmed",
        "ticket",
        "t1",
        "NBO1",
    )
    assert op.data["status"] == "confirmed"
    assert op.data["reference"] == "AUTH7"
    assert [t["status"] for t in ticket["tenders"]] == ["confirmed"]
    assert ticket["pending"] == 0


async def test_a_tender_declined_on_the_hub_reopens_the_balance_of_its_closed_ticket(
    hub, acme
) -> None:
    a, _ = await tills(hub, acme)
    await sold(
        hub,
        a,
        a.event("t1", "payment_taken", card("p1")),
        a.status("t1", "closed"),
    )

    declined = await hub.client.post(
        "/api/v1/payments/p1/decline", json={"reason": "card declined"}, headers=auth(acme)
    )
    ticket = (await hub.client.get("/api/v1/tickets/t1", headers=auth(acme))).json()
    report = (
        await hub.client.get(
            f"/api/v1/reports/settlement?outlet=NBO1&day={DAY}", headers=auth(acme)
        )
    ).json()

    assert declined.status_code == 200, declined.text
    assert (ticket["paid"], ticket["balance"]) == (0, 35000)
    assert ticket["money_conflict"]["kind"] == "balance_due"
    assert (report["totals"]["taken"], report["totals"]["declined"]) == (0, 35000)
    assert report["payments"][0]["declined"] == 35000


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/api/v1/payments/nope/confirm", {}, 404, "not_found"),
        ("/api/v1/payments/p1/decline", {"reason": "  "}, 422, "invalid_input"),
        ("/api/v1/payments/p1/decline", {}, 400, "malformed"),
        ("/api/v1/payments/p1/confirm", {"reference": "x" * 65}, 400, "malformed"),
        ("/api/v1/payments/r1/confirm", {}, 404, "not_found"),
        ("/api/v1/tickets/nope", None, 404, "not_found"),
        ("/api/v1/tickets?outlet=NOPE", None, 404, "not_found"),
    ],
)
async def test_bad_money_requests_get_a_4xx_with_a_code(
    hub, acme, path, body, status, code
) -> None:
    a, _ = await tills(hub, acme)
    refund = {"refund_id": "r1", "method": "card", "amount": 1}
    await sold(
        hub, a, a.event("t1", "payment_taken", card("p1")), a.event("t1", "refund_issued", refund)
    )

    if body is None:
        answer = await hub.client.get(path, headers=auth(acme))
    else:
        answer = await hub.client.post(path, json=body, headers=auth(acme))

    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code


async def test_the_hub_prices_lines_two_tills_added_offline_under_the_pinned_promotions(
    hub, acme
) -> None:
    a, b = await tills(hub, acme)
    bogo = BuyXGetY(
        id="bogo", name="Latte BOGO", buy=1, get=1, target=Target(variant_ids=("latte",))
    )
    pins = TicketPromotions.at(
        [bogo], outlet_code="NBO1", timezone="Africa/Nairobi", moment_ms=hub.clock()
    ).data()
    latte = LINE | {"variant_id": "latte", "product_id": "p-latte"}
    header = a.edit("t1", {"receipt_no": "NBO1-D01-000001", "currency": "KES"})

    await store_device_ops(
        hub,
        "acme",
        "NBO1",
        [
            header,
            a.event("t1", "promotions_priced", pins),
            a.event("t1", "line_added", latte | {"line_id": "la"}),
            b.event("t1", "promotions_priced", pins),
            b.event("t1", "line_added", latte | {"line_id": "lb"}),
            a.event("t1", "payment_taken", cash("pa")),
            a.status("t1", "paid"),
        ],
    )
    ticket = (await hub.client.get("/api/v1/tickets/t1", headers=auth(acme))).json()

    assert (ticket["total"], ticket["paid"], ticket["balance"]) == (35000, 35000, 0)
    assert ticket["money_conflict"] is None
