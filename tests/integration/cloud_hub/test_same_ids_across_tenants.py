"""Two tenants whose tills make the very same ticket, payment, entity and op ids.

A device chooses its ids; the hub keys everything a device names with the tenant, so
each tenant's admin API, settlement and sync see exactly its own rows and both settle to
the cent. On a SQLite file and, marked ``postgres``, on PostgreSQL.
"""

from __future__ import annotations

import uuid

import pytest

from sync_protocol import MSGPACK, PullRequest, PullResponse
from tests.integration.cloud_hub.admin_harness import auth
from tests.integration.cloud_hub.shop_day import DAY, OUTLET, Ids, figures, open_shop, trade

SAME = Ids()
PRICES = {"alpha": 35_000, "zulu": 12_345}


@pytest.fixture
async def shops(hub):
    made = {slug: await open_shop(hub, slug) for slug in PRICES}
    for slug, price in PRICES.items():
        await trade(hub, made[slug], SAME, price)
    return made


async def test_each_tenant_sees_its_own_ticket_tenders_and_conflicts(hub, shops) -> None:
    seen = {slug: await figures(hub, shop.token, SAME) for slug, shop in shops.items()}

    for slug, price in PRICES.items():
        mine = {till.device_id for till in shops[slug].tills}
        ticket = seen[slug][f"/api/v1/tickets/{SAME.ticket}"]
        assert (ticket["receipt_no"], ticket["total"], ticket["paid"]) == (
            f"{slug}-1",
            price,
            2 * price,
        )
        assert ticket["money_conflict"]["amount"] == price
        assert {t["device_id"] for t in ticket["tenders"]} == mine
        assert [t["id"] for t in seen[slug]["/api/v1/tickets"]] == [SAME.ticket]
        cash = seen[slug][f"/api/v1/payments/{SAME.cash}"]
        assert (cash["amount"], cash["device_id"]) == (price, shops[slug].tills[0].device_id)
        conflicts = seen[slug]["/api/v1/conflicts"]
        assert sorted((c["kind"], c["amount"]) for c in conflicts) == [
            ("field", None),
            ("overpaid", price),
        ]
        held = seen[slug][f"/api/v1/quarantine?outlet={OUTLET}"]
        # Numbered per tenant: an entry's number tells nothing of other tenants.
        assert [(h["id"], h["device_id"], h["code"]) for h in held] == [
            (1, shops[slug].tills[0].device_id, "clock_drift")
        ]
        assert {d["id"] for d in seen[slug]["/api/v1/devices"]} == mine


async def test_both_tenants_settle_to_the_cent(hub, shops) -> None:
    reports = {
        slug: (
            await hub.client.get(
                f"/api/v1/reports/settlement?outlet={OUTLET}&day={DAY}",
                headers=auth(shops[slug].token),
            )
        ).json()
        for slug in PRICES
    }

    for slug, price in PRICES.items():
        totals = reports[slug]["totals"]
        assert (totals["taken"], totals["confirmed"], totals["pending"]) == (
            2 * price,
            price,
            price,
        )
        assert [(m["ticket_id"], m["amount"]) for m in reports[slug]["money_conflicts"]] == [
            (SAME.ticket, price)
        ]


async def test_a_till_pulls_only_its_own_tenants_ops(hub, shops) -> None:
    pulled = {}
    for slug, shop in shops.items():
        headers = {"Content-Type": MSGPACK.content_type} | auth(shop.tills[1].token)
        answer = await hub.client.post(
            "/sync/v1/pull", content=MSGPACK.encode(PullRequest()), headers=headers
        )
        assert answer.status_code == 200, answer.text
        page = MSGPACK.decode_message(answer.content)
        assert isinstance(page, PullResponse)
        pulled[slug] = page.ops

    for slug, shop in shops.items():
        ops = [op for op in pulled[slug] if op.entity == "ticket"]
        # The first till's five applied ops (its sixth is held in quarantine).
        assert [op.device_seq for op in ops] == [1, 2, 3, 4, 5]
        assert {(op.tenant, str(op.device_id)) for op in ops} == {(slug, shop.tills[0].device_id)}


async def test_tills_of_two_tenants_may_share_a_device_id(hub) -> None:
    till_ids = (str(uuid.uuid4()), str(uuid.uuid4()))
    shops = {slug: await open_shop(hub, slug, till_ids) for slug in PRICES}
    for slug, price in PRICES.items():
        await trade(hub, shops[slug], SAME, price)

    for slug, price in PRICES.items():
        seen = await figures(hub, shops[slug].token, SAME)
        status = seen[f"/api/v1/sync/status?outlet={OUTLET}"]
        assert [(d["device_id"], d["last_applied_seq"]) for d in status["devices"]] == [
            (till_ids[0], 6),
            (till_ids[1], 2),
        ]
        assert (
            seen[f"/api/v1/reports/settlement?outlet={OUTLET}&day={DAY}"]["totals"]["taken"]
            == 2 * price
        )
