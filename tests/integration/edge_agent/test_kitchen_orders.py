"""The kitchen device: open orders by station, bumped to preparing and ready by a
kitchen-role operator; "ready" shows on the ticket the counter reads, and syncs. A real
demo agent process (the conftest's), and two tills syncing through an in-memory hub."""

from __future__ import annotations

import sqlite3
import uuid

import httpx
import pytest

from edge_agent.services import kitchen, staff, tickets
from edge_agent.services.tickets import Context
from edge_agent.store import oplog
from tests.fakes import FakeHub
from tests.sync_till import make_till

KITCHEN_PIN = "5555"


@pytest.fixture(scope="module")
def cook(agent) -> httpx.Client:
    token = httpx.post(f"{agent.api}/auth/pin", json={"pin": KITCHEN_PIN}).json()["token"]
    with httpx.Client(base_url=agent.api, headers={"Authorization": f"Bearer {token}"}) as client:
        yield client


def sent_order(cashier: httpx.Client, *lines: tuple[str, int], table: str = "9") -> dict:
    """A table ticket with (variant, course) lines, every course sent."""
    ticket = cashier.post("/tickets", json={"kind": "table", "table": table}).json()
    for variant, course in lines:
        ticket = cashier.post(
            f"/tickets/{ticket['id']}/lines", json={"variant_id": variant, "course": course}
        ).json()
    answer = cashier.post(f"/tickets/{ticket['id']}/send", json={})
    assert answer.status_code == 200, answer.text
    return answer.json()


def order_of(client: httpx.Client, ticket: dict, station: str | None = None) -> list[dict]:
    params = {"station": station} if station else {}
    answer = client.get("/kitchen/orders", params=params)
    assert answer.status_code == 200, answer.text
    return [o for o in answer.json() if o["ticket_id"] == ticket["id"]]


def bump(client: httpx.Client, ticket: dict, station: str, status: str, **headers: str):
    return client.post(
        f"/kitchen/orders/{ticket['id']}/bump",
        json={"station": station, "status": status},
        headers=headers,
    )


def ops_of(agent, ticket: dict) -> list:
    with sqlite3.connect(agent.data_dir / "agent.sqlite3") as conn:
        return oplog.entity_ops(conn, "ticket", ticket["id"])


def test_a_sent_order_is_listed_at_each_of_its_stations_with_number_table_course_and_age(
    cashier, cook
) -> None:
    ticket = sent_order(cashier, ("samosa", 1), ("croissant", 2), ("chai", 1))

    at_kitchen = order_of(cook, ticket, "kitchen")
    at_bar = order_of(cook, ticket, "bar")
    everywhere = order_of(cook, ticket)

    (kitchen_order,) = at_kitchen
    assert kitchen_order["order_no"] == ticket["order_no"]
    assert kitchen_order["table"] == "9"
    assert kitchen_order["status"] == "new"
    assert kitchen_order["age_s"] >= 0
    assert [(x["name"], x["course"], x["status"]) for x in kitchen_order["lines"]] == [
        ("Beef samosa", 1, "new"),
        ("Croissant", 2, "new"),
    ]
    assert [x["name"] for x in at_bar[0]["lines"]] == ["Kenyan chai"]
    assert sorted(o["station"] for o in everywhere) == ["bar", "kitchen"]
    assert ticket["kitchen"] == {"bar": "new", "kitchen": "new"}


def test_an_order_bumped_to_ready_shows_ready_on_the_ticket_and_leaves_the_screen(
    agent, cashier, cook
) -> None:
    ticket = sent_order(cashier, ("samosa", 1), ("chai", 1))
    key = str(uuid.uuid4())

    preparing = bump(cook, ticket, "kitchen", "preparing")
    listed = order_of(cook, ticket, "kitchen")
    ready = bump(cook, ticket, "kitchen", "ready", **{"Idempotency-Key": key})
    retried = bump(cook, ticket, "kitchen", "ready", **{"Idempotency-Key": key})
    again = bump(cook, ticket, "kitchen", "ready")
    back = bump(cook, ticket, "kitchen", "preparing")
    counter = cashier.get(f"/tickets/{ticket['id']}").json()

    assert preparing.status_code == 200, preparing.text
    assert preparing.json()["kitchen"] == {"bar": "new", "kitchen": "preparing"}
    assert listed[0]["status"] == "preparing"
    assert ready.status_code == 200
    assert retried.json() == ready.json()
    assert (again.status_code, again.json()["code"]) == (409, "nothing_to_bump")
    assert (back.status_code, back.json()["code"]) == (409, "nothing_to_bump")
    assert counter["kitchen"] == {"bar": "new", "kitchen": "ready"}
    assert counter["order_no"] == ticket["order_no"]
    assert order_of(cook, ticket, "kitchen") == []
    assert len(order_of(cook, ticket, "bar")) == 1
    bumps = [op for op in ops_of(agent, ticket) if getattr(op, "name", "") == "kitchen_bumped"]
    assert [(op.data["station"], op.data["status"], op.data["by"]) for op in bumps] == [
        ("kitchen", "preparing", "staff-kitchen"),
        ("kitchen", "ready", "staff-kitchen"),
    ]


def test_a_line_sent_after_the_order_was_ready_opens_it_again(cashier, cook) -> None:
    ticket = sent_order(cashier, ("samosa", 1))
    bump(cook, ticket, "kitchen", "ready")
    cashier.post(f"/tickets/{ticket['id']}/lines", json={"variant_id": "croissant"})

    sent = cashier.post(f"/tickets/{ticket['id']}/send", json={}).json()

    (again,) = order_of(cook, ticket, "kitchen")
    assert again["status"] == "new"
    assert [(x["name"], x["status"]) for x in again["lines"]] == [
        ("Beef samosa", "ready"),
        ("Croissant", "new"),
    ]
    assert sent["kitchen"] == {"kitchen": "new"}


def test_a_paid_and_closed_order_is_still_made_and_bumped(cashier, cook) -> None:
    ticket = sent_order(cashier, ("samosa", 1))
    cashier.post(
        f"/tickets/{ticket['id']}/payments",
        json={"method": "card", "amount": ticket["totals"]["total"]},
    )
    cashier.post(f"/tickets/{ticket['id']}/close", json={})

    listed = order_of(cook, ticket, "kitchen")
    ready = bump(cook, ticket, "kitchen", "ready")

    assert len(listed) == 1
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "closed"
    assert ready.json()["kitchen"] == {"kitchen": "ready"}


def test_a_voided_line_shows_voided_and_is_not_waited_for(cashier, cook) -> None:
    ticket = sent_order(cashier, ("samosa", 1), ("croissant", 1))
    samosa = ticket["lines"][0]["id"]
    cashier.post(
        f"/tickets/{ticket['id']}/lines/{samosa}/void",
        json={"reason": "sold out", "manager_pin": "9999"},
    )

    (listed,) = order_of(cook, ticket, "kitchen")
    ready = bump(cook, ticket, "kitchen", "ready")

    assert [(x["name"], x["voided"]) for x in listed["lines"]] == [
        ("Beef samosa", True),
        ("Croissant", False),
    ]
    assert ready.json()["kitchen"] == {"kitchen": "ready"}
    assert order_of(cook, ticket, "kitchen") == []


def test_bad_kitchen_requests_get_a_code_and_change_nothing(agent, cashier, cook) -> None:
    ticket = sent_order(cashier, ("samosa", 1))
    url = f"/kitchen/orders/{ticket['id']}/bump"
    before = ops_of(agent, ticket)

    answers = {
        "cashier": bump(cashier, ticket, "kitchen", "ready"),
        "unknown ticket": cook.post(
            f"/kitchen/orders/{uuid.uuid4()}/bump", json={"station": "kitchen", "status": "ready"}
        ),
        "unknown station": bump(cook, ticket, "grill", "ready"),
        "nothing sent there": bump(cook, ticket, "bar", "ready"),
        "bad status": cook.post(url, json={"station": "kitchen", "status": "done"}),
        "no body": cook.post(url),
        "extra field": cook.post(url, json={"station": "kitchen", "status": "ready", "x": 1}),
        "empty station": cook.post(url, json={"station": "", "status": "ready"}),
        "signed out": httpx.post(
            f"{cook.base_url}{url}", json={"station": "kitchen", "status": "ready"}
        ),
        "listing, unknown station": cook.get("/kitchen/orders", params={"station": "grill"}),
    }

    codes = {name: (a.status_code, a.json()["code"]) for name, a in answers.items()}
    assert codes == {
        "cashier": (403, "insufficient_permission"),
        "unknown ticket": (404, "ticket_not_found"),
        "unknown station": (422, "station_not_found"),
        "nothing sent there": (409, "nothing_to_bump"),
        "bad status": (400, "invalid_request"),
        "no body": (400, "invalid_request"),
        "extra field": (400, "invalid_request"),
        "empty station": (400, "invalid_request"),
        "signed out": (401, "not_signed_in"),
        "listing, unknown station": (422, "station_not_found"),
    }
    assert ops_of(agent, ticket) == before
    assert cashier.get(f"/tickets/{ticket['id']}").json()["kitchen"] == {"kitchen": "new"}


def test_the_kitchen_role_bumps_but_may_not_void_open_the_drawer_or_cancel_print_jobs(
    cashier, cook
) -> None:
    ticket = sent_order(cashier, ("samosa", 1))
    samosa = ticket["lines"][0]["id"]

    void = cook.post(f"/tickets/{ticket['id']}/lines/{samosa}/void", json={"reason": "x"})
    drawer = cook.post("/drawer/movements", json={"kind": "no_sale"})
    cancel = cook.post(f"/print-jobs/{uuid.uuid4()}/cancel", json={"reason": "x"})

    assert (void.status_code, void.json()["code"]) == (403, "role_cannot_sell")
    assert drawer.status_code == 403
    assert cancel.status_code == 404  # no such job: looked up before the right is checked
    assert bump(cook, ticket, "kitchen", "ready").status_code == 200


def test_ready_on_the_kitchen_device_reaches_the_hub_and_the_counter_device(tmp_path) -> None:
    hub = FakeHub()
    counter = make_till(tmp_path / "counter", hub)
    screen = make_till(tmp_path / "kitchen", hub)
    cashier = staff.sign_in(counter.store, "1111", counter.clock)
    with counter.store.write() as conn:
        ctx = Context(conn, cashier, counter.clock)
        ticket = tickets.open_ticket(ctx, "takeaway")
        tickets.add_line(ctx, ticket.id, "samosa", 1)
        tickets.send(ctx, ticket.id)
    counter.sync()
    screen.sync()
    cook = staff.sign_in(screen.store, KITCHEN_PIN, screen.clock)
    with screen.store.read() as conn:
        listed = kitchen.open_orders(conn, "kitchen", screen.clock())

    with screen.store.write() as conn:
        kitchen.bump(Context(conn, cook, screen.clock), ticket.id, "kitchen", "ready")
    screen.sync()
    counter.sync()

    assert [o.ticket_id for o in listed] == [ticket.id]
    assert [o.order_no for o in listed] == [ticket.header["order_no"]]
    with counter.store.read() as conn:
        assert tickets.load(conn, ticket.id).kitchen == {"kitchen": "ready"}
    assert [
        op.data["status"] for op in hub.outlet_log if getattr(op, "name", "") == "kitchen_bumped"
    ] == ["ready"]


def test_the_kitchen_role_reads_tickets_but_does_not_sell(agent, cashier, cook) -> None:
    ticket = sent_order(cashier, ("samosa", 1))
    before = ops_of(agent, ticket)

    answers = {
        "open": cook.post("/tickets", json={"kind": "counter"}),
        "add": cook.post(f"/tickets/{ticket['id']}/lines", json={"variant_id": "chai"}),
        "send": cook.post(f"/tickets/{ticket['id']}/send", json={}),
        "pay": cook.post(
            f"/tickets/{ticket['id']}/payments",
            json={"method": "card", "amount": ticket["totals"]["total"]},
        ),
        "change": cook.patch(
            f"/tickets/{ticket['id']}/lines/{ticket['lines'][0]['id']}", json={"notes": "x"}
        ),
    }
    read = cook.get(f"/tickets/{ticket['id']}")

    codes = {name: (a.status_code, a.json()["code"]) for name, a in answers.items()}
    assert codes == dict.fromkeys(answers, (403, "role_cannot_sell"))
    assert ops_of(agent, ticket) == before
    assert read.status_code == 200
    assert bump(cook, ticket, "kitchen", "preparing").status_code == 200
