"""Promotions at the till, through real HTTP to a real agent process: a ticket is priced
under the promotions the device holds, pinned once in the ticket, shown per line."""

from __future__ import annotations

import json
import sqlite3

import httpx

from edge_agent.store import oplog
from sync_protocol import Event
from tests.processes import AgentProcess

THREE_FOR_TWO = {
    "kind": "buy_x_get_y",
    "name": "Samosa 3 for 2",
    "buy": 2,
    "get": 1,
    "target": {"variant_ids": ["samosa"]},
}
FOOD_SERVICE = {"kind": "service_charge", "name": "Service 5%", "percent_bp": 500}


def pricing_events(agent: AgentProcess, ticket_id: str) -> int:
    with sqlite3.connect(agent.data_dir / "agent.sqlite3") as conn:
        ops = oplog.entity_ops(conn, "ticket", ticket_id)
    return sum(1 for op in ops if isinstance(op, Event) and op.name == "promotions_priced")


def hold_promotions(agent: AgentProcess, **docs: dict) -> None:
    """Leave the device holding exactly these promotions, as a pull of the hub's
    ``ref.promotion`` documents does."""
    with sqlite3.connect(agent.data_dir / "agent.sqlite3") as conn:
        conn.execute("DELETE FROM reference_data WHERE entity = 'promotion'")
        conn.executemany(
            "INSERT INTO reference_data (entity, entity_id, data) VALUES ('promotion', ?, ?)",
            [(doc_id, json.dumps(doc)) for doc_id, doc in docs.items()],
        )


def sell(cashier: httpx.Client, *lines: dict) -> dict:
    ticket = cashier.post("/tickets", json={"kind": "counter"}).json()
    for line in lines:
        answer = cashier.post(f"/tickets/{ticket['id']}/lines", json=line)
        assert answer.status_code == 201, answer.text
        ticket = answer.json()
    return ticket


def test_promotions_the_device_holds_price_the_ticket_and_show_per_line(agent, cashier) -> None:
    hold_promotions(agent)
    before = sell(cashier, {"variant_id": "samosa", "quantity": 3})
    hold_promotions(agent, three_for_two=THREE_FOR_TWO, service=FOOD_SERVICE)

    ticket = sell(cashier, {"variant_id": "samosa", "quantity": 3}, {"variant_id": "croissant"})
    samosas, croissant = ticket["lines"]

    assert before["totals"]["promotion_discount"] == 0
    assert pricing_events(agent, before["id"]) == 0
    assert samosas["promotions"] == [
        {
            "promotion_id": "three_for_two",
            "name": "Samosa 3 for 2",
            "kind": "buy_x_get_y",
            "amount": 12000,
        }
    ]
    assert croissant["promotions"] == []
    assert ticket["totals"]["promotion_discount"] == 12000
    assert ticket["totals"]["service_charge"] == 2300  # 5 % of 240.00 + 220.00
    assert ticket["totals"]["total"] == 24000 + 22000 + 2300
    assert pricing_events(agent, ticket["id"]) == 1  # the croissant changed nothing


def test_voiding_a_line_reprices_what_is_left(agent, cashier) -> None:
    hold_promotions(agent, three_for_two=THREE_FOR_TWO)
    ticket = sell(cashier, {"variant_id": "samosa", "quantity": 2}, {"variant_id": "samosa"})
    third = ticket["lines"][1]["id"]

    voided = cashier.post(
        f"/tickets/{ticket['id']}/lines/{third}/void",
        json={"reason": "dropped", "manager_pin": "9999"},
    ).json()

    assert ticket["totals"]["promotion_discount"] == 12000
    assert voided["totals"]["promotion_discount"] == 0
    assert voided["lines"][0]["promotions"] == []


def test_a_split_prices_each_check_on_the_lines_it_now_holds(agent, cashier) -> None:
    hold_promotions(agent, three_for_two=THREE_FOR_TWO)
    ticket = sell(cashier, {"variant_id": "samosa", "quantity": 2}, {"variant_id": "samosa"})
    pair, single = (line["id"] for line in ticket["lines"])

    answer = cashier.post(
        f"/tickets/{ticket['id']}/split", json={"by": "items", "groups": [[pair], [single]]}
    )

    first, second = answer.json()["checks"]
    assert ticket["totals"]["promotion_discount"] == 12000
    assert first["totals"]["promotion_discount"] == second["totals"]["promotion_discount"] == 0
    assert first["totals"]["total"] + second["totals"]["total"] == 3 * 12000
    assert pricing_events(agent, second["id"]) == 1
