"""A cashier's day through real HTTP to a real agent process on a real SQLite file.

No hub runs anywhere: everything here happens offline.
"""

from __future__ import annotations

import sqlite3
import uuid

import httpx
import pytest

from edge_agent.store import oplog
from sync_protocol import Replica
from tests.processes import AgentProcess


def ops_count(agent: AgentProcess) -> int:
    with sqlite3.connect(agent.data_dir / "agent.sqlite3") as conn:
        return int(conn.execute("SELECT count(*) FROM ops").fetchone()[0])


def new_ticket(cashier: httpx.Client, *lines: str) -> dict:
    ticket = cashier.post("/tickets", json={"kind": "counter"}).json()
    for variant in lines:
        extra = {"modifier_ids": ["milk-whole"]} if variant.startswith("latte") else {}
        ticket = cashier.post(
            f"/tickets/{ticket['id']}/lines", json={"variant_id": variant, **extra}
        ).json()
    return ticket


def test_a_wrong_pin_is_refused_with_a_code(agent) -> None:
    answer = httpx.post(f"{agent.api}/auth/pin", json={"pin": "4321"})

    assert answer.status_code == 401
    assert answer.json()["code"] == "wrong_pin"


def test_commands_need_a_signed_in_operator(agent) -> None:
    answer = httpx.post(f"{agent.api}/tickets", json={"kind": "counter"})

    assert answer.status_code == 401
    assert answer.json()["code"] == "not_signed_in"


def test_a_cash_sale_gives_change_and_closes(cashier) -> None:
    ticket = new_ticket(cashier, "latte-r", "samosa")
    assert ticket["totals"]["total"] == 35000 + 12000

    paid = cashier.post(
        f"/tickets/{ticket['id']}/payments", json={"method": "cash", "amount": 50000}
    )
    closed = cashier.post(f"/tickets/{ticket['id']}/close")

    assert paid.status_code == 201
    assert paid.json()["payments"][0]["change"] == 3000
    assert closed.json()["status"] == "closed"
    assert closed.json()["receipt_no"].startswith("DEMO1-D01-")


def test_card_and_mobile_money_taken_offline_are_pending_confirmation(cashier) -> None:
    ticket = new_ticket(cashier, "latte-l", "croissant")
    total = ticket["totals"]["total"]

    card = cashier.post(
        f"/tickets/{ticket['id']}/payments", json={"method": "card", "amount": 40000}
    )
    no_ref = cashier.post(
        f"/tickets/{ticket['id']}/payments",
        json={"method": "mobile_money", "amount": total - 40000},
    )
    mpesa = cashier.post(
        f"/tickets/{ticket['id']}/payments",
        json={"method": "mobile_money", "amount": total - 40000, "reference": "QK7H2X9PLM"},
    )

    assert card.status_code == 201
    assert no_ref.status_code == 422
    assert no_ref.json()["code"] == "reference_required"
    body = mpesa.json()
    assert body["status"] == "paid"
    assert [p["pending_confirmation"] for p in body["payments"]] == [True, True]
    assert body["totals"]["pending_confirmation"] == total


def test_card_over_tender_is_refused_and_changes_nothing(agent, cashier) -> None:
    ticket = new_ticket(cashier, "chai")
    before = ops_count(agent)

    answer = cashier.post(
        f"/tickets/{ticket['id']}/payments", json={"method": "card", "amount": 99999}
    )

    assert answer.status_code == 422
    assert answer.json()["code"] == "over_tender"
    assert ops_count(agent) == before


def test_voiding_a_line_needs_a_manager_override_which_is_recorded(agent, cashier) -> None:
    ticket = new_ticket(cashier, "chai", "samosa")
    line = ticket["lines"][1]["id"]

    refused = cashier.post(
        f"/tickets/{ticket['id']}/lines/{line}/void", json={"reason": "customer changed mind"}
    )
    wrong = cashier.post(
        f"/tickets/{ticket['id']}/lines/{line}/void",
        json={"reason": "changed mind", "manager_pin": "1234"},
    )
    voided = cashier.post(
        f"/tickets/{ticket['id']}/lines/{line}/void",
        json={"reason": "changed mind", "manager_pin": "9999"},
    )

    assert refused.status_code == 403
    assert refused.json()["code"] == "insufficient_permission"
    assert wrong.json()["code"] == "wrong_pin"
    assert voided.status_code == 200
    assert voided.json()["totals"]["total"] == 15000
    with sqlite3.connect(agent.data_dir / "agent.sqlite3") as conn:
        ops = oplog.entity_ops(conn, "ticket", ticket["id"])
    void_op = next(op for op in ops if getattr(op, "name", "") == "line_voided")
    assert void_op.data["override"] == {"permission": "void", "manager_id": "staff-manager"}


def test_a_discount_over_the_cashier_limit_needs_an_override(agent, cashier) -> None:
    ticket = new_ticket(cashier, "latte-r")
    before = ops_count(agent)
    half_off = {"kind": "percent", "value": 5000, "reason": "staff meal"}

    refused = cashier.post(f"/tickets/{ticket['id']}/discounts", json=half_off)
    unchanged = ops_count(agent)
    allowed = cashier.post(
        f"/tickets/{ticket['id']}/discounts", json={**half_off, "manager_pin": "9999"}
    )

    assert refused.status_code == 403
    assert refused.json()["code"] == "discount_over_limit"
    assert unchanged == before
    assert allowed.json()["totals"]["ticket_discount"] == 17500


def test_a_split_bill_is_paid_by_several_tenders(cashier) -> None:
    ticket = new_ticket(cashier, "latte-r", "latte-r", "samosa")
    total = ticket["totals"]["total"]

    cashier.post(f"/tickets/{ticket['id']}/payments", json={"method": "cash", "amount": 35000})
    last = cashier.post(
        f"/tickets/{ticket['id']}/payments", json={"method": "card", "amount": total - 35000}
    ).json()

    assert last["status"] == "paid"
    assert [p["method"] for p in last["payments"]] == ["cash", "card"]
    assert last["totals"]["balance_due"] == 0


def test_a_refund_goes_back_to_the_original_tender_and_never_exceeds_it(cashier) -> None:
    ticket = new_ticket(cashier, "chai")
    cashier.post(f"/tickets/{ticket['id']}/payments", json={"method": "cash", "amount": 15000})
    cashier.post(f"/tickets/{ticket['id']}/close")
    refund = {"method": "cash", "amount": 15000, "reason": "spilled", "manager_pin": "9999"}

    too_much = cashier.post(f"/tickets/{ticket['id']}/refunds", json={**refund, "amount": 15100})
    by_card = cashier.post(f"/tickets/{ticket['id']}/refunds", json={**refund, "method": "card"})
    done = cashier.post(f"/tickets/{ticket['id']}/refunds", json=refund)

    assert too_much.json()["code"] == "refund_exceeds_payment"
    assert by_card.json()["code"] == "refund_exceeds_payment"
    assert done.status_code == 201
    assert done.json()["totals"]["refunded"] == 15000


def test_a_double_tap_makes_one_ticket_and_one_payment(agent, cashier) -> None:
    key = str(uuid.uuid4())
    first = cashier.post("/tickets", json={"kind": "takeaway"}, headers={"Idempotency-Key": key})
    again = cashier.post("/tickets", json={"kind": "takeaway"}, headers={"Idempotency-Key": key})
    ticket = first.json()
    cashier.post(f"/tickets/{ticket['id']}/lines", json={"variant_id": "chai"})
    pay_key = {"Idempotency-Key": str(uuid.uuid4())}
    pay = {"method": "cash", "amount": 5000}

    paid = cashier.post(f"/tickets/{ticket['id']}/payments", json=pay, headers=pay_key)
    repeat = cashier.post(f"/tickets/{ticket['id']}/payments", json=pay, headers=pay_key)
    reused = cashier.post(
        f"/tickets/{ticket['id']}/payments", json={**pay, "amount": 6000}, headers=pay_key
    )

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == ticket["id"]
    assert repeat.json() == paid.json()
    assert len(cashier.get(f"/tickets/{ticket['id']}").json()["payments"]) == 1
    assert reused.status_code == 409
    assert reused.json()["code"] == "idempotency_key_reused"


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("lines", {"variant_id": "no-such-thing"}, 422, "variant_not_found"),
        ("lines", {"variant_id": "chai", "quantity": -2}, 422, "negative_quantity"),
        ("lines", {"variant_id": "latte-r"}, 422, "modifier_selection_invalid"),
        ("lines", {"variant_id": "chai", "colour": "red"}, 400, "invalid_request"),
        ("payments", {"method": "cheque", "amount": 100}, 400, "invalid_request"),
    ],
)
def test_bad_input_gets_a_4xx_code_and_changes_nothing(
    agent, cashier, path, body, status, code
) -> None:
    ticket = new_ticket(cashier, "chai")
    before, count = cashier.get(f"/tickets/{ticket['id']}").json(), ops_count(agent)

    answer = cashier.post(f"/tickets/{ticket['id']}/{path}", json=body)

    assert answer.status_code == status
    assert answer.json()["code"] == code
    assert cashier.get(f"/tickets/{ticket['id']}").json() == before
    assert ops_count(agent) == count


def test_malformed_json_and_unknown_tickets_get_codes(cashier) -> None:
    malformed = cashier.post(
        "/tickets", content=b'{"kind": ', headers={"content-type": "application/json"}
    )
    missing = cashier.get("/tickets/nope")

    assert malformed.status_code == 400
    assert malformed.json()["code"] == "malformed_request"
    assert missing.status_code == 404
    assert missing.json()["code"] == "ticket_not_found"


def test_paying_a_closed_ticket_is_refused(cashier) -> None:
    ticket = new_ticket(cashier, "chai")
    cashier.post(f"/tickets/{ticket['id']}/payments", json={"method": "cash", "amount": 15000})
    cashier.post(f"/tickets/{ticket['id']}/close")

    answer = cashier.post(
        f"/tickets/{ticket['id']}/payments", json={"method": "cash", "amount": 100}
    )

    assert answer.status_code == 409
    assert answer.json()["code"] == "ticket_closed"


def test_the_op_log_replays_into_the_state_the_agent_serves(agent, cashier) -> None:
    ticket = new_ticket(cashier, "latte-r", "chai")
    served = cashier.get(f"/tickets/{ticket['id']}").json()

    with sqlite3.connect(agent.data_dir / "agent.sqlite3") as conn:
        own = Replica()
        for op in oplog.local_ops(conn):
            own.apply(op)
        stored = oplog.replay(conn)
        seqs = [op.device_seq for op in oplog.local_ops(conn)]
        (last_seq,) = conn.execute("SELECT last_seq FROM device").fetchone()

    assert own.state_hash() == stored.state_hash()
    assert seqs == list(range(1, last_seq + 1))
    replayed = own.get("ticket", ticket["id"])
    assert replayed is not None
    assert replayed.fields["receipt_no"] == served["receipt_no"]
    assert len([e for e in replayed.events.values() if e.name == "line_added"]) == len(
        served["lines"]
    )
