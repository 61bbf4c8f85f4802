"""Changing a ticket's shape offline, through real HTTP to a real agent process: change a
line, hold and recall, split by item, seat or evenly, merge and transfer.
"""

from __future__ import annotations

import sqlite3

import httpx

from edge_agent.store import oplog
from sync_protocol import Replica
from tests.processes import AgentProcess

LATTE = {"variant_id": "latte-r", "modifier_ids": ["milk-oat"]}


def ticket_with(cashier: httpx.Client, *lines: dict, **header) -> dict:
    ticket = cashier.post("/tickets", json={"kind": "table", **header}).json()
    for line in lines:
        ticket = cashier.post(f"/tickets/{ticket['id']}/lines", json=line).json()
    return ticket


def ops_count(agent: AgentProcess) -> int:
    with sqlite3.connect(agent.data_dir / "agent.sqlite3") as conn:
        return int(conn.execute("SELECT count(*) FROM ops").fetchone()[0])


def test_changing_an_unsent_lines_quantity_and_notes_reprices_it(cashier) -> None:
    ticket = ticket_with(cashier, {"variant_id": "samosa"})
    line = ticket["lines"][0]

    changed = cashier.patch(
        f"/tickets/{ticket['id']}/lines/{line['id']}", json={"quantity": 3, "notes": "extra hot"}
    )

    assert changed.status_code == 200
    assert changed.json()["lines"][0]["quantity"] == 3
    assert changed.json()["lines"][0]["notes"] == "extra hot"
    assert changed.json()["totals"]["total"] == 3 * 12000


def test_a_change_that_changes_nothing_or_a_bad_quantity_is_refused(agent, cashier) -> None:
    ticket = ticket_with(cashier, {"variant_id": "samosa"})
    path = f"/tickets/{ticket['id']}/lines/{ticket['lines'][0]['id']}"
    before = ops_count(agent)

    same = cashier.patch(path, json={"quantity": 1})
    negative = cashier.patch(path, json={"quantity": -2})
    unknown = cashier.patch(path, json={"price": 1})

    assert (same.status_code, same.json()["code"]) == (422, "invalid_value")
    assert (negative.status_code, negative.json()["code"]) == (422, "negative_quantity")
    assert unknown.status_code == 400
    assert ops_count(agent) == before


def test_less_of_a_sent_line_is_a_partial_void_that_needs_a_manager(cashier) -> None:
    ticket = ticket_with(cashier, {"variant_id": "samosa", "quantity": 4})
    line_id = ticket["lines"][0]["id"]
    cashier.post(f"/tickets/{ticket['id']}/send", json={})
    path = f"/tickets/{ticket['id']}/lines/{line_id}"

    more = cashier.patch(path, json={"quantity": 5})
    no_reason = cashier.patch(path, json={"quantity": 2})
    no_manager = cashier.patch(path, json={"quantity": 2, "reason": "dropped"})
    approved = cashier.patch(path, json={"quantity": 2, "reason": "dropped", "manager_pin": "9999"})

    assert more.json()["code"] == "invalid_value"
    assert no_reason.json()["code"] == "reason_required"
    assert no_manager.json()["code"] == "insufficient_permission"
    assert approved.status_code == 200
    assert approved.json()["lines"][0]["quantity"] == 2
    assert approved.json()["lines"][0]["sent"] is True


def test_a_held_ticket_is_listed_as_held_until_recalled(cashier) -> None:
    ticket = ticket_with(cashier, {"variant_id": "espresso"})

    held = cashier.post(f"/tickets/{ticket['id']}/hold")
    again = cashier.post(f"/tickets/{ticket['id']}/hold")
    on_hold = [t["id"] for t in cashier.get("/tickets", params={"held": True}).json()]
    recalled = cashier.post(f"/tickets/{ticket['id']}/recall")
    still_on_hold = [t["id"] for t in cashier.get("/tickets", params={"held": True}).json()]

    assert held.json()["held"] is True
    assert again.json()["code"] == "invalid_value"
    assert ticket["id"] in on_hold
    assert recalled.json()["held"] is False
    assert ticket["id"] not in still_on_hold


def test_split_by_items_moves_lines_to_a_new_check_and_keeps_the_total(cashier) -> None:
    ticket = ticket_with(
        cashier, LATTE, {"variant_id": "samosa"}, {"variant_id": "croissant"}, table="T4"
    )
    latte, samosa, croissant = (line["id"] for line in ticket["lines"])

    answer = cashier.post(
        f"/tickets/{ticket['id']}/split",
        json={"by": "items", "groups": [[latte], [samosa, croissant]]},
    )

    assert answer.status_code == 201
    first, second = answer.json()["checks"]
    assert first["id"] == ticket["id"]
    assert [line["id"] for line in first["lines"]] == [latte]
    assert [line["name"] for line in second["lines"]] == ["Beef samosa", "Croissant"]
    assert second["table"] == "T4"
    assert second["receipt_no"] != first["receipt_no"]
    assert first["totals"]["total"] + second["totals"]["total"] == ticket["totals"]["total"]
    for check in (first, second):
        cashier.post(
            f"/tickets/{check['id']}/payments",
            json={"method": "cash", "amount": check["totals"]["total"]},
        )
        assert cashier.post(f"/tickets/{check['id']}/close").json()["status"] == "closed"


def test_split_by_seat_gives_each_seat_its_check_and_shared_lines_stay(cashier) -> None:
    ticket = ticket_with(
        cashier,
        {**LATTE, "seat": 1},
        {"variant_id": "espresso", "seat": 2},
        {"variant_id": "samosa"},
    )

    checks = cashier.post(f"/tickets/{ticket['id']}/split", json={"by": "seat"}).json()["checks"]

    assert [[line["name"] for line in check["lines"]] for check in checks] == [
        ["Caffè latte (Regular)", "Beef samosa"],
        ["Espresso"],
    ]


def test_split_evenly_records_shares_that_add_up_to_what_is_owed(cashier) -> None:
    ticket = ticket_with(cashier, {"variant_id": "chai"}, {"variant_id": "samosa"})

    split = cashier.post(f"/tickets/{ticket['id']}/split", json={"by": "evenly", "parts": 3})
    (check,) = split.json()["checks"]
    for share in check["shares"]:
        cashier.post(f"/tickets/{ticket['id']}/payments", json={"method": "cash", "amount": share})

    assert sum(check["shares"]) == 27000
    assert max(check["shares"]) - min(check["shares"]) <= 1
    assert cashier.get(f"/tickets/{ticket['id']}").json()["status"] == "paid"


def test_a_ticket_that_took_money_cannot_be_split_by_items_and_nothing_changes(
    agent, cashier
) -> None:
    ticket = ticket_with(cashier, {"variant_id": "samosa"}, {"variant_id": "chai"})
    cashier.post(f"/tickets/{ticket['id']}/payments", json={"method": "cash", "amount": 5000})
    before = ops_count(agent)

    answer = cashier.post(f"/tickets/{ticket['id']}/split", json={"by": "seat"})
    bad_groups = cashier.post(
        f"/tickets/{ticket['id']}/split", json={"by": "items", "groups": [["nope"]]}
    )

    assert (answer.status_code, answer.json()["code"]) == (409, "ticket_has_payments")
    assert bad_groups.json()["code"] == "ticket_has_payments"
    assert ops_count(agent) == before


def test_a_split_that_leaves_out_a_line_or_names_an_unknown_one_is_refused(agent, cashier) -> None:
    ticket = ticket_with(cashier, {"variant_id": "samosa"}, {"variant_id": "chai"})
    samosa, chai = (line["id"] for line in ticket["lines"])
    before = ops_count(agent)

    missing = cashier.post(
        f"/tickets/{ticket['id']}/split", json={"by": "items", "groups": [[samosa], []]}
    )
    unknown = cashier.post(
        f"/tickets/{ticket['id']}/split", json={"by": "items", "groups": [[samosa], [chai, "x"]]}
    )
    one_seat = cashier.post(f"/tickets/{ticket['id']}/split", json={"by": "seat"})

    assert missing.json()["code"] == "invalid_split"
    assert unknown.json()["code"] == "line_not_found"
    assert one_seat.json()["code"] == "invalid_split"
    assert ops_count(agent) == before


def test_merge_brings_every_line_over_and_closes_the_emptied_tickets(cashier) -> None:
    target = ticket_with(cashier, {"variant_id": "espresso"}, table="T1")
    other = ticket_with(cashier, {"variant_id": "samosa"}, {"variant_id": "chai"}, table="T2")

    merged = cashier.post(f"/tickets/{target['id']}/merge", json={"from_ticket_ids": [other["id"]]})
    emptied = cashier.get(f"/tickets/{other['id']}").json()

    assert merged.status_code == 200
    assert len(merged.json()["lines"]) == 3
    assert merged.json()["totals"]["total"] == target["totals"]["total"] + other["totals"]["total"]
    assert emptied["status"] == "closed"
    assert emptied["merged_into"] == target["id"]
    assert emptied["lines"] == []


def test_a_merged_away_ticket_says_merged_apart_from_a_closed_sale(cashier) -> None:
    target = ticket_with(cashier, {"variant_id": "espresso"}, table="T3")
    other = ticket_with(cashier, {"variant_id": "chai"}, table="T4")

    cashier.post(f"/tickets/{target['id']}/merge", json={"from_ticket_ids": [other["id"]]})
    listed = {t["id"]: t for t in cashier.get("/tickets").json()}
    emptied = cashier.get(f"/tickets/{other['id']}").json()

    assert (emptied["status"], emptied["merged"]) == ("closed", True)
    assert (listed[other["id"]]["status"], listed[other["id"]]["merged"]) == ("closed", True)
    assert (listed[target["id"]]["status"], listed[target["id"]]["merged"]) == ("open", False)


def test_transfer_moves_a_ticket_to_another_table_and_server(cashier) -> None:
    ticket = ticket_with(cashier, {"variant_id": "espresso"}, table="T1")

    moved = cashier.post(
        f"/tickets/{ticket['id']}/transfer", json={"table": "T9", "server_id": "staff-manager"}
    )
    nobody = cashier.post(f"/tickets/{ticket['id']}/transfer", json={"server_id": "ghost"})

    assert (moved.json()["table"], moved.json()["server"]) == ("T9", "staff-manager")
    assert [t["table"] for t in cashier.get("/tickets").json() if t["id"] == ticket["id"]] == ["T9"]
    assert (nobody.status_code, nobody.json()["code"]) == (422, "staff_not_found")


def test_transfer_of_some_lines_moves_them_to_another_ticket(cashier) -> None:
    source = ticket_with(cashier, {"variant_id": "espresso"}, {"variant_id": "samosa"})
    target = ticket_with(cashier, {"variant_id": "chai"})
    samosa = source["lines"][1]["id"]

    answer = cashier.post(
        f"/tickets/{source['id']}/transfer",
        json={"to_ticket_id": target["id"], "line_ids": [samosa]},
    )

    assert [line["name"] for line in answer.json()["lines"]] == ["Espresso"]
    assert [line["name"] for line in cashier.get(f"/tickets/{target['id']}").json()["lines"]] == [
        "Kenyan chai",
        "Beef samosa",
    ]


def test_the_op_log_replayed_from_scratch_gives_every_ticket_as_the_read_model_shows(
    agent, cashier
) -> None:
    listed = {t["id"]: t for t in cashier.get("/tickets").json()}

    with sqlite3.connect(agent.data_dir / "agent.sqlite3") as conn:
        replica = Replica()
        for (body,) in conn.execute("SELECT body FROM ops ORDER BY device_seq"):
            replica.apply(oplog.decode(body))

    for ticket_id, row in listed.items():
        state = replica.get("ticket", ticket_id)
        assert state is not None
        assert state.status == row["status"]
        assert bool(state.fields.get("held")) == row["held"]
        assert state.fields.get("table") == row["table"]


def test_a_price_override_needs_a_reason_and_a_manager_and_keeps_the_catalog_price(
    agent, cashier
) -> None:
    ticket = ticket_with(cashier)
    path = f"/tickets/{ticket['id']}/lines"
    before = ops_count(agent)

    no_reason = cashier.post(path, json={"variant_id": "samosa", "price": 10000})
    no_manager = cashier.post(
        path, json={"variant_id": "samosa", "price": 10000, "price_reason": "regular"}
    )
    refused = ops_count(agent)
    approved = cashier.post(
        path,
        json={
            "variant_id": "samosa",
            "price": 10000,
            "price_reason": "regular",
            "manager_pin": "9999",
        },
    )

    assert no_reason.json()["code"] == "reason_required"
    assert no_manager.json()["code"] == "insufficient_permission"
    assert refused == before
    assert approved.status_code == 201
    assert approved.json()["lines"][0]["unit_price"] == 10000
    with sqlite3.connect(agent.data_dir / "agent.sqlite3") as conn:
        (body,) = conn.execute("SELECT body FROM ops ORDER BY device_seq DESC LIMIT 1").fetchone()
    recorded = oplog.decode(body).data["price_override"]
    assert recorded["catalog_price"] == 12000
    assert recorded["override"]["permission"] == "price_override"
