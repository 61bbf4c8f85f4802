"""A self-order kiosk on the shop Wi-Fi (ADR 0031): paired with a kiosk code, no staff
sign-in; it orders with the required modifiers, sends to the kitchen and pays by card or
at the counter. The kitchen and the counter are staff on the till of the same agent
process. Everything but browsing, ordering and paying answers the kiosk 403
``kiosk_not_allowed``, and a refused request changes nothing in the device's log."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import httpx
import pytest

from tests.e2e.lan_world import LanAgent, lan_agent

pytestmark = pytest.mark.slow

OAT = ["milk-oat"]


@pytest.fixture(scope="module")
def agent(tmp_path_factory) -> Iterator[LanAgent]:
    with lan_agent(tmp_path_factory.mktemp("kiosk")) as agent:
        yield agent


@pytest.fixture(scope="module")
def kiosk(agent) -> Iterator[httpx.Client]:
    with agent.tablet(**agent.pair("Kiosk by the door", kiosk=True)) as client:
        yield client


@pytest.fixture(scope="module")
def other_kiosk(agent) -> Iterator[httpx.Client]:
    with agent.tablet(**agent.pair("Kiosk by the window", kiosk=True)) as client:
        yield client


def staff(agent: LanAgent, pin: str) -> httpx.Client:
    token = httpx.post(f"{agent.till}/auth/pin", json={"pin": pin}).json()["token"]
    return httpx.Client(base_url=agent.till, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture(scope="module")
def cook(agent) -> Iterator[httpx.Client]:
    with staff(agent, "5555") as client:
        yield client


@pytest.fixture(scope="module")
def counter(agent) -> Iterator[httpx.Client]:
    with staff(agent, "1111") as client:
        yield client


def ops_count(agent: LanAgent) -> int:
    with sqlite3.connect(
        f"file:{agent.process.data_dir / 'agent.sqlite3'}?mode=ro", uri=True
    ) as db:
        return int(db.execute("SELECT count(*) FROM ops").fetchone()[0])


def ordered(kiosk: httpx.Client, *lines: tuple[str, int, list[str]]) -> dict:
    order = kiosk.post("/kiosk/orders")
    assert order.status_code == 201, order.text
    ticket = order.json()
    for variant, quantity, modifiers in lines:
        added = kiosk.post(
            f"/kiosk/orders/{ticket['id']}/lines",
            json={"variant_id": variant, "quantity": quantity, "modifier_ids": modifiers},
        )
        assert added.status_code == 200, added.text
        ticket = added.json()
    return ticket


def test_a_kiosk_order_goes_to_the_kitchen_is_bumped_ready_and_is_paid_at_the_counter(
    agent, kiosk, cook, counter
) -> None:
    assert kiosk.get("/catalog").status_code == 200
    ticket = ordered(kiosk)
    before = ops_count(agent)

    missing = kiosk.post(f"/kiosk/orders/{ticket['id']}/lines", json={"variant_id": "latte-r"})

    assert missing.status_code == 422
    assert missing.json()["code"] == "modifier_selection_invalid"
    assert ops_count(agent) == before
    assert kiosk.get(f"/kiosk/orders/{ticket['id']}").json()["lines"] == []

    added = kiosk.post(
        f"/kiosk/orders/{ticket['id']}/lines",
        json={"variant_id": "latte-r", "modifier_ids": OAT},
    )
    assert added.status_code == 200, added.text
    checked_out = kiosk.post(f"/kiosk/orders/{ticket['id']}/checkout", json={"pay_at": "counter"})
    assert checked_out.status_code == 200, checked_out.text
    assert checked_out.json()["status"] == "sent"
    assert checked_out.json()["pay_at"] == "counter"
    assert checked_out.json()["kind"] == "kiosk"

    at_bar = [o for o in cook.get("/kitchen/orders").json() if o["ticket_id"] == ticket["id"]]
    assert [(o["order_no"], o["station"]) for o in at_bar] == [(ticket["order_no"], "bar")]
    assert [x["modifiers"] for x in at_bar[0]["lines"]] == [["Oat milk"]]
    waiting = [
        x for x in counter.get("/counter/kiosk-orders").json() if x["ticket_id"] == ticket["id"]
    ]
    assert [(x["order_no"], x["ready"]) for x in waiting] == [(ticket["order_no"], False)]

    bumped = cook.post(
        f"/kitchen/orders/{ticket['id']}/bump", json={"station": "bar", "status": "ready"}
    )
    assert bumped.status_code == 200, bumped.text

    (ready,) = [
        x for x in counter.get("/counter/kiosk-orders").json() if x["ticket_id"] == ticket["id"]
    ]
    assert ready["ready"] is True
    assert ready["kitchen"] == {"bar": "ready"}
    assert ready["order_no"] == ticket["order_no"]
    assert ready["balance_due"] == 40000
    paid = counter.post(
        f"/tickets/{ticket['id']}/payments", json={"method": "card", "amount": ready["balance_due"]}
    )
    assert paid.status_code == 201, paid.text
    assert paid.json()["status"] == "paid"
    closed = counter.post(f"/tickets/{ticket['id']}/close", json={})
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert ticket["id"] not in [x["ticket_id"] for x in counter.get("/counter/kiosk-orders").json()]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/tickets/{id}/discounts", {"kind": "percent", "value": 1000, "reason": "please"}),
        ("POST", "/tickets/{id}/void", {"reason": "changed my mind"}),
        ("POST", "/tickets/{id}/lines/{line}/void", {"reason": "changed my mind"}),
        ("POST", "/drawer/open", {"float": 1000}),
        ("POST", "/drawer/movements", {"kind": "no_sale"}),
        ("GET", "/reports/x", None),
        ("POST", "/tickets/{id}/payments", {"method": "cash", "amount": 40000}),
        ("POST", "/tickets", {"kind": "counter"}),
        ("GET", "/tickets", None),
        ("GET", "/counter/kiosk-orders", None),
        ("POST", "/auth/pin", {"pin": "9999"}),
        ("POST", "/pairings", None),
    ],
)
def test_a_kiosk_may_not_discount_void_open_the_drawer_or_act_as_staff(
    agent, kiosk, method, path, body
) -> None:
    ticket = ordered(kiosk, ("latte-r", 1, OAT))
    url = path.format(id=ticket["id"], line=ticket["lines"][0]["id"])
    before = ops_count(agent)

    refused = kiosk.request(method, url, json=body)

    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "kiosk_not_allowed"
    assert ops_count(agent) == before
    assert kiosk.get(f"/kiosk/orders/{ticket['id']}").json() == ticket


def test_a_kiosk_pays_by_card_offline_as_store_and_forward_and_the_counter_has_nothing_to_take(
    kiosk, counter
) -> None:
    ticket = ordered(kiosk, ("latte-r", 2, OAT), ("espresso", 1, []))

    paid = kiosk.post(
        f"/kiosk/orders/{ticket['id']}/checkout", json={"pay_at": "kiosk", "reference": "A1"}
    )

    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid"
    assert paid.json()["pay_at"] == "kiosk"
    assert [(p["method"], p["pending_confirmation"]) for p in paid.json()["payments"]] == [
        ("card", True)
    ]
    assert all(line["sent"] for line in paid.json()["lines"])
    assert ticket["id"] not in [x["ticket_id"] for x in counter.get("/counter/kiosk-orders").json()]


def test_the_outlet_caps_items_per_kiosk_line_and_per_order(agent, kiosk) -> None:
    ticket = ordered(kiosk, ("espresso", 10, []), ("espresso", 10, []), ("espresso", 9, []))
    before = ops_count(agent)

    over_line = kiosk.post(
        f"/kiosk/orders/{ticket['id']}/lines", json={"variant_id": "espresso", "quantity": 11}
    )
    over_order = kiosk.post(
        f"/kiosk/orders/{ticket['id']}/lines", json={"variant_id": "espresso", "quantity": 2}
    )

    assert (over_line.status_code, over_line.json()["code"]) == (422, "kiosk_quantity_over_cap")
    assert (over_order.status_code, over_order.json()["code"]) == (422, "kiosk_quantity_over_cap")
    assert ops_count(agent) == before
    last = kiosk.post(
        f"/kiosk/orders/{ticket['id']}/lines", json={"variant_id": "espresso", "quantity": 1}
    )
    assert last.status_code == 200, last.text


def test_bad_kiosk_requests_get_a_4xx_with_a_code_and_change_nothing(
    agent, kiosk, other_kiosk, counter
) -> None:
    mine = ordered(kiosk, ("latte-r", 1, OAT))
    empty = ordered(kiosk)
    table = counter.post("/tickets", json={"kind": "table", "table": "4"}).json()
    lines = f"/kiosk/orders/{mine['id']}/lines"
    checkout = f"/kiosk/orders/{mine['id']}/checkout"
    before = ops_count(agent)

    answers = {
        "unknown field": kiosk.post(lines, json={"variant_id": "latte-r", "price": 1}),
        "no variant": kiosk.post(lines, json={"quantity": 1}),
        "zero quantity": kiosk.post(lines, json={"variant_id": "espresso", "quantity": 0}),
        "unknown variant": kiosk.post(lines, json={"variant_id": "nope"}),
        "not json": kiosk.post(lines, content=b"{", headers={"content-type": "application/json"}),
        "pay by cash": kiosk.post(checkout, json={"pay_at": "cash"}),
        "empty order": kiosk.post(
            f"/kiosk/orders/{empty['id']}/checkout", json={"pay_at": "counter"}
        ),
        "no such order": kiosk.post("/kiosk/orders/nope/lines", json={"variant_id": "espresso"}),
        "another kiosk's": other_kiosk.post(lines, json={"variant_id": "espresso"}),
        "a staff ticket": kiosk.get(f"/kiosk/orders/{table['id']}"),
    }

    codes = {name: (a.status_code, a.json()["code"]) for name, a in answers.items()}
    assert codes == {
        "unknown field": (400, "invalid_request"),
        "no variant": (400, "invalid_request"),
        "zero quantity": (422, "negative_quantity"),
        "unknown variant": (422, "variant_not_found"),
        "not json": (400, "malformed_request"),
        "pay by cash": (400, "invalid_request"),
        "empty order": (422, "invalid_value"),
        "no such order": (404, "ticket_not_found"),
        "another kiosk's": (403, "kiosk_not_allowed"),
        "a staff ticket": (403, "kiosk_not_allowed"),
    }
    assert ops_count(agent) == before
    twice = kiosk.post(checkout, json={"pay_at": "counter"})
    assert twice.status_code == 200, twice.text
    again = kiosk.post(checkout, json={"pay_at": "kiosk"})
    assert (again.status_code, again.json()["code"]) == (422, "invalid_value")


def test_paired_devices_are_listed_kiosk_or_staff_tablet(agent, kiosk) -> None:
    agent.pair("Waiter tablet")

    listed = httpx.get(f"{agent.till}/pairings", headers=agent.manager()).json()["clients"]

    kinds = {c["name"]: c["kiosk"] for c in listed}
    assert (kinds["Kiosk by the door"], kinds["Waiter tablet"]) == (True, False)
