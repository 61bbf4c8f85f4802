"""Bar tabs (ADR 0030): opened by name, with a card pre-authorisation held as a payment
intent, a limit that warns and takes a manager above it, moved to a table, closed with
any tender. Through real HTTP to a real demo agent process (the conftest's), and on a
device store for the outlet's default limit."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import httpx
import pytest

from edge_agent.bootstrap import init_device
from edge_agent.services import staff, tabs, ticket_moves, tickets
from edge_agent.services.tickets import Context
from edge_agent.settings import AgentSettings
from edge_agent.store import oplog, reference
from edge_agent.store.device import identity
from edge_agent.store.gateway import Store
from sync_protocol import Event
from tests.fakes import FakeHub
from tests.processes import AgentProcess
from tests.sync_till import make_till

SAMOSA = 12000  # a beef samosa, VAT inclusive, in no price book
MANAGER_PIN = "9999"


def counts(agent: AgentProcess) -> tuple[int, int]:
    """Ops and tickets on the device."""
    with sqlite3.connect(agent.data_dir / "agent.sqlite3") as conn:
        (ops,) = conn.execute("SELECT count(*) FROM ops").fetchone()
        (tickets_,) = conn.execute("SELECT count(*) FROM tickets").fetchone()
    return int(ops), int(tickets_)


def open_tab(cashier: httpx.Client, name: str = "Wanjiru", **body) -> dict:
    answer = cashier.post("/tickets", json={"kind": "tab", "name": name, **body})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def samosa(cashier: httpx.Client, tab: dict, **body) -> httpx.Response:
    return cashier.post(f"/tickets/{tab['id']}/lines", json={"variant_id": "samosa", **body})


def listed(cashier: httpx.Client) -> dict[str, dict]:
    answer = cashier.get("/tabs")
    assert answer.status_code == 200, answer.text
    return {tab["id"]: tab for tab in answer.json()}


def test_a_tab_opens_by_name_and_is_listed_until_it_is_paid(cashier) -> None:
    tab = open_tab(cashier, "  Wanjiru  ")
    assert samosa(cashier, tab).status_code == 201
    while_open = listed(cashier)

    paid = cashier.post(f"/tickets/{tab['id']}/payments", json={"method": "cash", "amount": SAMOSA})
    closed = cashier.post(f"/tickets/{tab['id']}/close")

    assert (tab["kind"], tab["name"], tab["tab"]["limit"]) == ("tab", "Wanjiru", None)
    entry = while_open[tab["id"]]
    assert (entry["name"], entry["total"], entry["balance_due"]) == ("Wanjiru", SAMOSA, SAMOSA)
    assert entry["receipt_no"] == tab["receipt_no"]
    assert paid.status_code == 201, paid.text
    assert closed.json()["status"] == "closed"
    assert tab["id"] not in listed(cashier)


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"kind": "tab"}, 422, "invalid_value"),
        ({"kind": "tab", "name": "   "}, 422, "invalid_value"),
        ({"kind": "tab", "name": "Ann", "tab_limit": 0}, 422, "invalid_amount"),
        ({"kind": "tab", "name": "Ann", "tab_limit": -5}, 422, "invalid_amount"),
        ({"kind": "table", "table": "T1", "tab_limit": 1000}, 422, "invalid_value"),
        ({"kind": "tab", "name": "Ann", "preauth": {"amount": 1000}}, 422, "reference_required"),
        (
            {"kind": "tab", "name": "Ann", "preauth": {"amount": 0, "reference": "P1"}},
            422,
            "invalid_amount",
        ),
        (
            {"kind": "counter", "preauth": {"amount": 1000, "reference": "P1"}},
            422,
            "invalid_value",
        ),
        ({"kind": "tab", "name": "Ann", "preauth": {"amount": 1, "pin": 1}}, 400, None),
        ({"kind": "tab", "name": "Ann", "tab_limit": "lots"}, 400, None),
    ],
)
def test_a_tab_without_a_name_or_with_a_bad_limit_or_preauth_is_refused_and_nothing_is_written(
    agent, cashier, body, status, code
) -> None:
    before = counts(agent)

    answer = cashier.post("/tickets", json=body)

    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == (code or answer.json()["code"])
    assert answer.json()["code"]
    assert counts(agent) == before


def test_a_card_preauthorisation_is_held_on_the_tab_and_is_no_payment(cashier) -> None:
    tab = open_tab(cashier, "Otieno", preauth={"amount": 500000, "reference": " PRE-881 "})

    samosa(cashier, tab)
    entry = listed(cashier)[tab["id"]]

    (preauth,) = tab["tab"]["preauths"]
    assert (preauth["amount"], preauth["reference"], preauth["status"]) == (
        500000,
        "PRE-881",
        "pending",
    )
    assert tab["payments"] == []
    assert tab["totals"]["paid"] == 0
    assert tab["money_conflicts"] == []
    assert entry["preauthorised"] == 500000


def test_a_tab_warns_at_its_limit_and_refuses_more_without_a_manager(agent, cashier) -> None:
    tab = open_tab(cashier, "Kamau", tab_limit=2 * SAMOSA)
    first = samosa(cashier, tab).json()
    at_limit = samosa(cashier, tab).json()
    before = counts(agent)

    refused = samosa(cashier, tab)
    wrong_pin = samosa(cashier, tab, manager_pin="0000")
    unchanged = counts(agent)
    overridden = samosa(cashier, tab, manager_pin=MANAGER_PIN)

    assert [w["code"] for w in first["warnings"]] == []
    assert first["tab"]["limit_reached"] is False
    assert [w["code"] for w in at_limit["warnings"]] == ["tab_limit_reached"]
    assert at_limit["tab"]["limit_reached"] is True
    assert listed(cashier)[tab["id"]]["limit_reached"] is True
    assert (refused.status_code, refused.json()["code"]) == (409, "tab_limit_exceeded")
    assert refused.json()["detail"] == {"limit": 2 * SAMOSA, "total": 3 * SAMOSA}
    assert (wrong_pin.status_code, wrong_pin.json()["code"]) == (401, "wrong_pin")
    assert unchanged == before
    assert overridden.status_code == 201, overridden.text
    assert overridden.json()["totals"]["total"] == 3 * SAMOSA
    assert [w["code"] for w in overridden.json()["warnings"]] == ["tab_limit_reached"]
    with sqlite3.connect(agent.data_dir / "agent.sqlite3") as conn:
        audit = [
            op.data
            for op in oplog.entity_ops(conn, "ticket", tab["id"])
            if isinstance(op, Event) and op.name == "tab_limit_overridden"
        ]
    assert [(a["limit"], a["total"], a["override"]["manager_id"]) for a in audit] == [
        (2 * SAMOSA, 3 * SAMOSA, "staff-manager")
    ]


def test_a_tab_moved_to_a_table_becomes_that_tables_ticket(cashier) -> None:
    tab = open_tab(cashier, "Achieng")
    samosa(cashier, tab)

    moved = cashier.post(f"/tickets/{tab['id']}/transfer", json={"table": "T5"})

    assert moved.status_code == 200, moved.text
    ticket = moved.json()
    assert (ticket["kind"], ticket["table"], ticket["name"]) == ("table", "T5", "Achieng")
    assert [line["name"] for line in ticket["lines"]] == ["Beef samosa"]
    assert ticket["tab"] is None
    assert tab["id"] not in listed(cashier)
    summary = {t["id"]: t for t in cashier.get("/tickets").json()}[tab["id"]]
    assert summary["kind"] == "table"


@pytest.mark.parametrize(
    ("method", "extra"),
    [("cash", {}), ("card", {}), ("mobile_money", {"reference": "QK12AB34"})],
)
def test_a_tab_closes_with_any_tender(cashier, method, extra) -> None:
    tab = open_tab(cashier, f"Tab {method}")
    samosa(cashier, tab)

    paid = cashier.post(
        f"/tickets/{tab['id']}/payments", json={"method": method, "amount": SAMOSA, **extra}
    )
    closed = cashier.post(f"/tickets/{tab['id']}/close")

    assert paid.status_code == 201, paid.text
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["payments"][0]["method"]) == ("closed", method)


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    store, _ = init_device(AgentSettings(data_dir=tmp_path), with_demo=True)
    yield store
    store.close()


def test_a_tab_takes_the_outlets_limit_unless_it_names_its_own(store) -> None:
    def clock() -> int:
        return 1_772_431_200_000

    with store.write() as conn:
        code = identity(conn).outlet
        outlet = reference.get(conn, "outlet", code) or {}
        reference.put(conn, "outlet", code, outlet | {"tab_limit": 100000})
    cashier = staff.sign_in(store, "1111", clock)

    with store.write() as conn:
        ctx = Context(conn, cashier, clock)
        default = tickets.open_ticket(ctx, "tab", name="Njeri")
        own = tickets.open_ticket(ctx, "tab", name="Mwangi", tab_limit=250000)
        counter = tickets.open_ticket(ctx, "counter")

    assert default.header["tab_limit"] == 100000
    assert own.header["tab_limit"] == 250000
    assert "tab_limit" not in counter.header


def offline_card_rows(agent: AgentProcess) -> int:
    with sqlite3.connect(agent.data_dir / "agent.sqlite3") as conn:
        (rows,) = conn.execute("SELECT count(*) FROM offline_card_payments").fetchone()
    return int(rows)


def test_a_card_tender_naming_the_preauthorisation_captures_it_until_treasury_confirms(
    agent, cashier
) -> None:
    tab = open_tab(cashier, "Chebet", preauth={"amount": 2 * SAMOSA, "reference": "PRE-77"})
    samosa(cashier, tab)
    preauth_id = tab["tab"]["preauths"][0]["id"]
    exposure = offline_card_rows(agent)

    captured = cashier.post(
        f"/tickets/{tab['id']}/payments",
        json={"method": "card", "amount": SAMOSA, "tip": 1000, "preauth_id": preauth_id},
    )
    payment_id = captured.json()["payments"][0]["id"]
    confirmed = cashier.post(
        f"/tickets/{tab['id']}/payments/{payment_id}/confirm",
        json={"reference": "CAP-1", "manager_pin": MANAGER_PIN},
    )

    assert captured.status_code == 201, captured.text
    assert captured.json()["payments"][0]["status"] == "pending"
    assert captured.json()["tab"]["preauths"][0]["status"] == "captured"
    assert offline_card_rows(agent) == exposure  # authorised already: no offline card exposure
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["tab"]["preauths"][0]["status"] == "confirmed"
    assert confirmed.json()["status"] == "paid"
    with sqlite3.connect(agent.data_dir / "agent.sqlite3") as conn:
        (taken,) = [
            op.data
            for op in oplog.entity_ops(conn, "ticket", tab["id"])
            if isinstance(op, Event) and op.name == "payment_taken"
        ]
    assert (taken["preauth_id"], taken["reference"]) == (preauth_id, "PRE-77")


def test_a_capture_of_an_unknown_or_captured_preauthorisation_or_above_it_is_refused(
    agent, cashier
) -> None:
    tab = open_tab(cashier, "Kiprop", preauth={"amount": SAMOSA, "reference": "PRE-78"})
    for _ in range(3):
        samosa(cashier, tab)
    preauth_id = tab["tab"]["preauths"][0]["id"]
    plain = open_tab(cashier, "Nafula")
    samosa(cashier, plain)
    path = f"/tickets/{tab['id']}/payments"
    before = counts(agent)

    unknown = cashier.post(path, json={"method": "card", "amount": 100, "preauth_id": "nope"})
    elsewhere = cashier.post(
        f"/tickets/{plain['id']}/payments",
        json={"method": "card", "amount": 100, "preauth_id": preauth_id},
    )
    by_cash = cashier.post(path, json={"method": "cash", "amount": 100, "preauth_id": preauth_id})
    above = cashier.post(
        path, json={"method": "card", "amount": SAMOSA, "tip": 1, "preauth_id": preauth_id}
    )
    unchanged = counts(agent)
    first = cashier.post(path, json={"method": "card", "amount": SAMOSA, "preauth_id": preauth_id})
    again = cashier.post(path, json={"method": "card", "amount": 100, "preauth_id": preauth_id})

    assert (unknown.status_code, unknown.json()["code"]) == (422, "preauth_not_found")
    assert (elsewhere.status_code, elsewhere.json()["code"]) == (422, "preauth_not_found")
    assert (by_cash.status_code, by_cash.json()["code"]) == (422, "invalid_value")
    assert (above.status_code, above.json()["code"]) == (422, "invalid_amount")
    assert unchanged == before
    assert first.status_code == 201, first.text
    assert (again.status_code, again.json()["code"]) == (409, "preauth_captured")


def test_more_of_a_line_on_a_tab_is_held_to_its_limit_too(agent, cashier) -> None:
    tab = open_tab(cashier, "Wafula", tab_limit=2 * SAMOSA)
    line_id = samosa(cashier, tab).json()["lines"][0]["id"]
    path = f"/tickets/{tab['id']}/lines/{line_id}"
    before = counts(agent)

    refused = cashier.patch(path, json={"quantity": 3})
    unchanged = counts(agent)
    overridden = cashier.patch(path, json={"quantity": 3, "manager_pin": MANAGER_PIN})

    assert (refused.status_code, refused.json()["code"]) == (409, "tab_limit_exceeded")
    assert unchanged == before
    assert overridden.status_code == 200, overridden.text
    assert overridden.json()["totals"]["total"] == 3 * SAMOSA


def test_a_tab_moved_to_a_table_on_one_till_leaves_the_other_tills_tabs(tmp_path) -> None:
    hub = FakeHub()
    bar = make_till(tmp_path / "bar", hub)
    floor = make_till(tmp_path / "floor", hub)
    cashier = staff.sign_in(bar.store, "1111", bar.clock)
    with bar.store.write() as conn:
        tab = tickets.open_ticket(Context(conn, cashier, bar.clock), "tab", name="Moraa")
    bar.sync()
    floor.sync()
    with floor.store.read() as conn:
        before = [t.id for t in tabs.open_tabs(conn)]

    with bar.store.write() as conn:
        ticket_moves.transfer(Context(conn, cashier, bar.clock), tab.id, table="T7")
    bar.sync()
    floor.sync()

    with floor.store.read() as conn:
        after = [t.id for t in tabs.open_tabs(conn)]
        (kind,) = conn.execute("SELECT kind FROM tickets WHERE id = ?", (tab.id,)).fetchone()
    assert before == [tab.id]
    assert after == []
    assert kind == "table"
