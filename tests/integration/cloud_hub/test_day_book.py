"""An outlet's tickets and payments of a day on the hub, paged, with the day's totals;
lookups by id that see only the caller's tenant; and who an admin credential is.

Every test here runs on a SQLite file and, marked ``postgres``, on PostgreSQL.
"""

from __future__ import annotations

import uuid

import pytest

from tests.integration.cloud_hub.admin_harness import (
    START_MS,
    Till,
    auth,
    store_device_ops,
)

DAY = "2026-03-02"
NEXT_DAY_MS = START_MS + 24 * 3_600_000
LINE = {"line_id": "l1", "unit_price": 0, "quantity": 1, "modifiers": [], "tax_rates": []}


async def outlet_with_till(hub, slug: str) -> tuple[str, Till]:
    token = await hub.tenant(slug)
    await hub.outlet(token, "NBO1")
    device_id = str(uuid.uuid4())
    await hub.enroll(await hub.code(token, "NBO1", "D01"), device_id)
    return token, Till(device_id, slug, "NBO1", hub.clock())


async def sell(hub, till: Till, ticket_id: str, price: int, paid: int, *, method="cash") -> None:
    """A ticket opened now on the till's clock, with one line of ``price`` and a payment."""
    opened = till.wall_ms + 1
    line = {**LINE, "unit_price": price}
    status = "confirmed" if method == "cash" else "pending"
    payment = {"payment_id": f"p-{ticket_id}", "method": method, "amount": paid, "status": status}
    await store_device_ops(
        hub,
        till.tenant,
        "NBO1",
        [
            till.edit(ticket_id, {"currency": "KES", "opened_ms": opened}),
            till.event(ticket_id, "line_added", line),
            till.event(ticket_id, "payment_taken", payment),
        ],
    )


async def pages(hub, token: str, url: str) -> list[dict]:
    """Every page of a day listing, following ``next_cursor``."""
    found, cursor = [], None
    while True:
        page_url = url if cursor is None else f"{url}&cursor={cursor}"
        answer = await hub.client.get(page_url, headers=auth(token))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        found.append(body)
        cursor = body["next_cursor"]
        if cursor is None:
            return found


async def test_a_days_tickets_come_in_stable_pages_with_the_whole_days_totals_to_the_cent(
    hub,
) -> None:
    token, till = await outlet_with_till(hub, "acme")
    prices = [35001, 120, 99999, 5, 1250]
    for n, price in enumerate(prices):
        await sell(hub, till, f"t{n}", price, paid=price - n)
    till.wall_ms = NEXT_DAY_MS
    await sell(hub, till, "tomorrow", 777, paid=777)
    url = f"/api/v1/outlets/NBO1/tickets?day={DAY}&limit=2"

    listed = await pages(hub, token, url)

    assert [len(page["tickets"]) for page in listed] == [2, 2, 1]
    assert [t["id"] for page in listed for t in page["tickets"]] == [f"t{n}" for n in range(5)]
    totals = listed[0]["totals"]
    assert all(page["totals"] == totals for page in listed)
    assert totals["count"] == 5
    assert totals["total"] == sum(prices)
    assert totals["paid"] == sum(prices) - sum(range(5))
    assert totals["balance"] == sum(range(5))
    assert (listed[0]["day"], listed[0]["currency"], listed[0]["timezone"]) == (
        DAY,
        "KES",
        "Africa/Nairobi",
    )


async def test_a_ticket_arriving_between_pages_neither_repeats_nor_hides_another(hub) -> None:
    token, till = await outlet_with_till(hub, "acme")
    for n in range(3):
        await sell(hub, till, f"t{n}", 100, paid=100)
    first = (
        await hub.client.get(f"/api/v1/outlets/NBO1/tickets?day={DAY}&limit=2", headers=auth(token))
    ).json()

    await sell(hub, till, "late", 100, paid=100)
    rest = await pages(
        hub,
        token,
        f"/api/v1/outlets/NBO1/tickets?day={DAY}&limit=2&cursor={first['next_cursor']}",
    )

    seen = [t["id"] for t in first["tickets"]] + [t["id"] for p in rest for t in p["tickets"]]
    assert seen == ["t0", "t1", "t2", "late"]


async def test_a_days_payments_are_paged_with_the_settlement_totals(hub) -> None:
    token, till = await outlet_with_till(hub, "acme")
    await sell(hub, till, "t0", 35000, paid=35000)
    await sell(hub, till, "t1", 12050, paid=12050, method="card")
    await sell(hub, till, "t2", 999, paid=1000)

    listed = await pages(hub, token, f"/api/v1/outlets/NBO1/payments?day={DAY}&limit=1")
    report = (
        await hub.client.get(
            f"/api/v1/reports/settlement?outlet=NBO1&day={DAY}", headers=auth(token)
        )
    ).json()

    rows = [p for page in listed for p in page["payments"]]
    assert [(p["id"], p["amount"], p["status"]) for p in rows] == [
        ("p-t0", 35000, "confirmed"),
        ("p-t1", 12050, "pending"),
        ("p-t2", 1000, "confirmed"),
    ]
    assert all(page["totals"] == report["totals"] for page in listed)
    assert (report["totals"]["taken"], report["totals"]["pending"]) == (48050, 12050)
    assert all(p["recorded_ms"] >= START_MS for p in rows)


async def test_a_ticket_or_payment_is_looked_up_by_id_in_the_callers_tenant_only(hub) -> None:
    acme, acme_till = await outlet_with_till(hub, "acme")
    _, beta_till = await outlet_with_till(hub, "beta")
    await sell(hub, acme_till, "acme-t", 500, paid=500)
    await sell(hub, beta_till, "beta-t", 700, paid=700)

    mine = await hub.client.get("/api/v1/tickets/acme-t", headers=auth(acme))
    my_payment = await hub.client.get("/api/v1/payments/p-acme-t", headers=auth(acme))
    theirs = await hub.client.get("/api/v1/tickets/beta-t", headers=auth(acme))
    their_payment = await hub.client.get("/api/v1/payments/p-beta-t", headers=auth(acme))
    absent = await hub.client.get("/api/v1/payments/nowhere", headers=auth(acme))

    assert (mine.status_code, mine.json()["total"]) == (200, 500)
    assert my_payment.status_code == 200
    assert (my_payment.json()["ticket_id"], my_payment.json()["amount"]) == ("acme-t", 500)
    for answer in (theirs, their_payment, absent):
        assert answer.status_code == 404
        assert answer.json()["code"] == "not_found"
    assert theirs.json() == {"code": "not_found", "message": "no ticket 'beta-t'"}


async def test_another_tenants_outlet_day_is_not_found(hub) -> None:
    acme, _ = await outlet_with_till(hub, "acme")
    beta = await hub.tenant("beta")
    await hub.outlet(beta, "MSA1")

    answer = await hub.client.get(f"/api/v1/outlets/MSA1/tickets?day={DAY}", headers=auth(acme))

    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        (f"day={DAY}&cursor=not-a-cursor", 400, "malformed"),
        (f"day={DAY}&cursor=WzEsMl0", 400, "malformed"),
        (f"day={DAY}&limit=0", 400, "malformed"),
        (f"day={DAY}&limit=501", 400, "malformed"),
        ("day=2026-02-30", 422, "invalid_input"),
        ("", 400, "malformed"),
    ],
)
async def test_bad_paging_input_is_refused_with_a_code(hub, query, status, code) -> None:
    token, _ = await outlet_with_till(hub, "acme")

    answer = await hub.client.get(f"/api/v1/outlets/NBO1/payments?{query}", headers=auth(token))

    assert (answer.status_code, answer.json()["code"]) == (status, code)


async def test_me_says_which_admin_token_is_calling_and_what_it_may_do(hub) -> None:
    first = await hub.tenant("acme")
    issued = (
        await hub.client.post(
            "/api/v1/admin-tokens",
            json={"name": "backoffice", "expires_days": 7},
            headers=auth(first),
        )
    ).json()

    me = (await hub.client.get("/api/v1/me", headers=auth(issued["token"]))).json()
    nobody = await hub.client.get("/api/v1/me", headers=auth("not-a-token"))

    assert (me["token_id"], me["name"], me["scope"]) == (issued["id"], "backoffice", "tenant")
    assert (me["tenant"], me["currency"]) == ("acme", "KES")
    assert me["expires_ms"] == issued["expires_ms"]
    assert "payments" in me["permissions"]
    assert len(me["fingerprint"]) == 8
    assert (nobody.status_code, nobody.json()["code"]) == (401, "unauthorized")
