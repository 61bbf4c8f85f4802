"""Money end to end: tenders confirmed through the hub, and the three money conflicts two
tills selling offline can make, each visible on the hub and both tills and each settled
at a till until every replica agrees again; a bar tab closed on two tills at once, one
of them capturing its card pre-authorisation (ADR 0030). Real hub and agent processes
over HTTP.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.sync_world import Till, World, fresh_database, sync_world

pytestmark = pytest.mark.slow

MANAGER_PIN = "9999"
LATTE = 35000  # a regular latte with whole milk, VAT inclusive
SAMOSA = 12000  # a beef samosa, VAT inclusive, in no price book


#: Both hub stores; a flow runs on PostgreSQL, the production store, unless it names
#: these (the stores themselves are compared flow by flow in tests/contract/hub).
BOTH_STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:
    postgres = request.getfixturevalue("postgres_url") if request.param == "postgres" else None
    return fresh_database(request.param, tmp_path, postgres)


def offline(world: World, till: Till) -> None:
    """Cut the outlet off; the till knows it once a sync has failed."""
    world.faults.offline = True
    assert till.sync()["ok"] is False


def online(world: World, till: Till) -> None:
    world.faults.offline = False
    assert till.sync()["ok"] is True


def card(till: Till, ticket_id: str, amount: int):
    return till.client.post(
        f"/tickets/{ticket_id}/payments", json={"method": "card", "amount": amount}
    )


def pay_cash_and_close(till: Till, ticket_id: str) -> dict:
    due = till.client.get(f"/tickets/{ticket_id}").json()["totals"]["balance_due"]
    paid = till.client.post(
        f"/tickets/{ticket_id}/payments", json={"method": "cash", "amount": due}
    )
    assert paid.status_code == 201, paid.text
    closed = till.client.post(f"/tickets/{ticket_id}/close")
    assert closed.status_code == 200, closed.text
    return dict(closed.json())


def money_conflicts_everywhere(world: World, ticket_id: str) -> list[list[tuple[str, int]]]:
    """The ticket's open money conflicts as the hub, then each till, shows them."""
    hub = [
        (c["kind"], c["amount"])
        for c in world.admin.get("/api/v1/conflicts").json()
        if c["entity_id"] == ticket_id
    ]
    seen = [hub]
    for till in world.tills:
        ticket = till.client.get(f"/tickets/{ticket_id}").json()
        status = till.client.get("/sync/status").json()
        in_status = [(c["kind"], c["amount"]) for c in status["conflicts"]]
        in_ticket = [(c["kind"], c["amount"]) for c in ticket["money_conflicts"]]
        assert in_status == in_ticket, (in_status, in_ticket)
        assert len(ticket["conflicts"]) == len(in_ticket)
        seen.append(in_ticket)
    return seen


def settlement_today(world: World) -> dict:
    day = datetime.now(ZoneInfo("Africa/Nairobi")).date().isoformat()
    answer = world.admin.get("/api/v1/reports/settlement", params={"outlet": "DEMO1", "day": day})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def staffed(world: World) -> None:
    """A cashier signed in on each till, with its drawer open."""
    world.sync_all()
    for till in world.tills:
        till.sign_in()
        till.open_drawer()  # cash goes into an open drawer session


def shared_ticket(world: World) -> str:
    """Cashiers on both tills, and a latte on a ticket opened on the first, which both
    tills then hold."""
    staffed(world)
    ticket = world.tills[0].sale("latte-r", pay=False, kind="table", table="T2")
    world.sync_all()
    return str(ticket["id"])


def test_card_tenders_confirmed_on_the_hub_free_the_till_s_offline_card_limit(
    database_url, tmp_path
) -> None:
    with sync_world(database_url, tmp_path) as world:
        a, _ = world.tills
        limits = {"per_transaction_limit": LATTE, "cumulative_limit": 2 * LATTE, "expiry_hours": 24}
        settings = world.admin.put("/api/v1/outlets/DEMO1/settings", json={"offline_card": limits})
        world.sync_all()
        a.sign_in()
        online_ticket = a.sale("latte-r", pay=False)
        online_card = card(a, online_ticket["id"], LATTE)

        offline(world, a)
        taken = []
        for _ in range(2):
            ticket = a.sale("latte-r", pay=False)
            answer = card(a, ticket["id"], LATTE)
            assert answer.status_code == 201, answer.text
            taken.append(answer.json()["payments"][0])
        full = card(a, a.sale("latte-r", pay=False)["id"], LATTE)
        online(world, a)
        confirmed = [
            world.admin.post(f"/api/v1/payments/{p['id']}/confirm", json={"reference": "AUTH1"})
            for p in taken
        ]
        again = world.admin.post(f"/api/v1/payments/{taken[0]['id']}/confirm", json={})
        declined_after = world.admin.post(
            f"/api/v1/payments/{taken[0]['id']}/decline", json={"reason": "chargeback"}
        )
        world.sync_all()
        offline(world, a)
        freed = card(a, a.sale("latte-r", pay=False)["id"], LATTE)

    assert settings.status_code == 200, settings.text
    assert online_card.status_code == 201, online_card.text
    assert online_card.json()["payments"][0]["status"] == "confirmed"
    assert [p["status"] for p in taken] == ["pending", "pending"]
    assert full.status_code == 422
    assert full.json()["code"] == "offline_card_limit"
    assert [c.status_code for c in confirmed] == [200, 200], [c.text for c in confirmed]
    assert [c.json()["status"] for c in confirmed] == ["confirmed", "confirmed"]
    assert again.status_code == 200
    assert again.json()["op_id"] is None
    assert declined_after.status_code == 409
    assert declined_after.json()["code"] == "payment_already_settled"
    assert freed.status_code == 201, freed.text
    assert freed.json()["payments"][0]["status"] == "pending"


@pytest.mark.parametrize("database_url", BOTH_STORES, indirect=True)
def test_a_ticket_closed_on_two_tills_at_once_is_overpaid_everywhere_until_a_refund(
    database_url, tmp_path
) -> None:
    with sync_world(database_url, tmp_path) as world:
        a, b = world.tills
        ticket_id = shared_ticket(world)

        world.faults.offline = True
        pay_cash_and_close(a, ticket_id)
        pay_cash_and_close(b, ticket_id)
        world.faults.offline = False
        world.sync_all()
        flagged = money_conflicts_everywhere(world, ticket_id)
        hub_ticket = world.admin.get(f"/api/v1/tickets/{ticket_id}").json()
        flagged_day = settlement_today(world)
        refund = a.client.post(
            f"/tickets/{ticket_id}/refunds",
            json={
                "method": "cash",
                "amount": LATTE,
                "reason": "paid twice",
                "manager_pin": MANAGER_PIN,
            },
        )
        world.sync_all()
        settled = money_conflicts_everywhere(world, ticket_id)
        converged = world.converged()
        day = settlement_today(world)

    assert flagged == [[("overpaid", LATTE)]] * 3
    assert (hub_ticket["total"], hub_ticket["paid"], hub_ticket["status"]) == (
        LATTE,
        2 * LATTE,
        "closed",
    )
    assert hub_ticket["money_conflict"]["kind"] == "overpaid"
    assert [t["kind"] for t in flagged_day["money_conflicts"]] == ["overpaid"]
    assert refund.status_code == 201, refund.text
    assert settled == [[], [], []]
    assert converged
    assert (day["totals"]["taken"], day["totals"]["refunded"], day["totals"]["net"]) == (
        2 * LATTE,
        LATTE,
        LATTE,
    )
    assert day["totals"]["sales"] == LATTE
    assert day["money_conflicts"] == []


def test_a_round_added_on_one_till_while_another_closes_is_collected_as_a_late_payment(
    database_url, tmp_path
) -> None:
    with sync_world(database_url, tmp_path) as world:
        a, b = world.tills
        ticket_id = shared_ticket(world)

        world.faults.offline = True
        pay_cash_and_close(a, ticket_id)
        added = b.client.post(f"/tickets/{ticket_id}/lines", json={"variant_id": "espresso"})
        world.faults.offline = False
        world.sync_all()
        flagged = money_conflicts_everywhere(world, ticket_id)
        listed = world.admin.get("/api/v1/tickets", params={"money_conflict": True}).json()
        due = b.client.get(f"/tickets/{ticket_id}").json()["totals"]["balance_due"]
        late = b.client.post(
            f"/tickets/{ticket_id}/payments", json={"method": "cash", "amount": due}
        )
        world.sync_all()
        settled = money_conflicts_everywhere(world, ticket_id)
        converged = world.converged()
        hub_ticket = world.admin.get(f"/api/v1/tickets/{ticket_id}").json()
        day = settlement_today(world)

    assert added.status_code == 201, added.text
    assert flagged == [[("balance_due", due)]] * 3
    assert [t["id"] for t in listed] == [ticket_id]
    assert late.status_code == 201, late.text
    assert late.json()["status"] == "closed"
    assert settled == [[], [], []]
    assert converged
    assert (hub_ticket["total"], hub_ticket["paid"], hub_ticket["balance"]) == (
        LATTE + due,
        LATTE + due,
        0,
    )
    assert day["totals"]["net"] == day["totals"]["sales"] == LATTE + due
    assert day["money_conflicts"] == []


@pytest.mark.parametrize("resolution", ["refund", "reinstate"])
def test_a_ticket_voided_on_one_till_while_another_takes_payment_is_refunded_or_reinstated(
    resolution, tmp_path
) -> None:
    database_url = fresh_database("sqlite", tmp_path, None)
    with sync_world(database_url, tmp_path) as world:
        a, b = world.tills
        ticket_id = shared_ticket(world)

        world.faults.offline = True
        voided = a.client.post(
            f"/tickets/{ticket_id}/void",
            json={"reason": "walked out", "manager_pin": MANAGER_PIN},
        )
        pay_cash_and_close(b, ticket_id)
        world.faults.offline = False
        world.sync_all()
        flagged = money_conflicts_everywhere(world, ticket_id)
        flagged_day = settlement_today(world)
        if resolution == "refund":
            settle = a.client.post(
                f"/tickets/{ticket_id}/refunds",
                json={
                    "method": "cash",
                    "amount": LATTE,
                    "reason": "voided",
                    "manager_pin": MANAGER_PIN,
                },
            )
        else:
            settle = b.client.post(
                f"/tickets/{ticket_id}/reinstate",
                json={"reason": "the customer did pay", "manager_pin": MANAGER_PIN},
            )
        world.sync_all()
        settled = money_conflicts_everywhere(world, ticket_id)
        converged = world.converged()
        day = settlement_today(world)

    assert voided.status_code == 200, voided.text
    assert flagged == [[("voided_with_payments", LATTE)]] * 3
    assert flagged_day["totals"]["held_on_voided"] == LATTE
    assert flagged_day["totals"]["sales"] == 0
    assert [t["kind"] for t in flagged_day["money_conflicts"]] == ["voided_with_payments"]
    assert settle.status_code in (200, 201), settle.text
    assert settled == [[], [], []]
    assert converged
    assert day["money_conflicts"] == []
    assert day["totals"]["held_on_voided"] == 0
    sales = 0 if resolution == "refund" else LATTE
    assert (day["totals"]["net"], day["totals"]["sales"]) == (sales, sales)


def test_a_bar_tab_closed_on_two_tills_at_once_keeps_both_payments_until_a_refund(
    database_url, tmp_path
) -> None:
    with sync_world(database_url, tmp_path) as world:
        a, b = world.tills
        settings = world.admin.put(
            "/api/v1/outlets/DEMO1/settings", json={"tab_limit": 10 * SAMOSA}
        )
        staffed(world)
        opened = a.client.post(
            "/tickets",
            json={
                "kind": "tab",
                "name": "Wanjiru",
                "preauth": {"amount": 5 * SAMOSA, "reference": "PRE-1"},
            },
        ).json()
        tab_id = opened["id"]
        preauth_id = opened["tab"]["preauths"][0]["id"]
        for _ in range(2):
            a.client.post(f"/tickets/{tab_id}/lines", json={"variant_id": "samosa"})
        world.sync_all()

        world.faults.offline = True
        pay_cash_and_close(a, tab_id)
        captured = b.client.post(
            f"/tickets/{tab_id}/payments",
            json={"method": "card", "amount": 2 * SAMOSA, "preauth_id": preauth_id},
        )
        closed_b = b.client.post(f"/tickets/{tab_id}/close")
        world.faults.offline = False
        world.sync_all()
        flagged = money_conflicts_everywhere(world, tab_id)
        hub_tab = world.admin.get(f"/api/v1/tickets/{tab_id}").json()
        card_id = next(t["id"] for t in hub_tab["tenders"] if t["method"] == "card")
        confirmed = world.admin.post(f"/api/v1/payments/{card_id}/confirm", json={})
        refund = a.client.post(
            f"/tickets/{tab_id}/refunds",
            json={
                "method": "cash",
                "amount": 2 * SAMOSA,
                "reason": "the tab was paid twice",
                "manager_pin": MANAGER_PIN,
            },
        )
        world.sync_all()
        settled = money_conflicts_everywhere(world, tab_id)
        tabs_seen = [till.client.get(f"/tickets/{tab_id}").json() for till in world.tills]
        converged = world.converged()

    assert settings.status_code == 200, settings.text
    assert opened["tab"]["limit"] == 10 * SAMOSA  # the outlet's, pulled from the hub
    assert captured.status_code == 201, captured.text
    assert closed_b.status_code == 200, closed_b.text
    assert flagged == [[("overpaid", 2 * SAMOSA)]] * 3
    assert (hub_tab["total"], hub_tab["paid"], hub_tab["status"]) == (
        2 * SAMOSA,
        4 * SAMOSA,
        "closed",
    )
    assert sorted((t["method"], t["amount"]) for t in hub_tab["tenders"]) == [
        ("card", 2 * SAMOSA),
        ("cash", 2 * SAMOSA),
    ]
    assert hub_tab["money_conflict"]["kind"] == "overpaid"
    assert confirmed.status_code == 200, confirmed.text
    assert refund.status_code == 201, refund.text
    assert settled == [[], [], []]
    for seen in tabs_seen:
        assert sorted(p["method"] for p in seen["payments"]) == ["card", "cash"]
        assert [p["status"] for p in seen["tab"]["preauths"]] == ["confirmed"]
        assert [r["amount"] for r in seen["refunds"]] == [2 * SAMOSA]
    assert converged
