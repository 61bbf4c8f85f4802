"""Settling a ticket's money at the till, through real HTTP to a real agent process:
confirming and declining pending tenders, late payments, and the offline card limit.

No hub runs anywhere: everything here happens offline.
"""

from __future__ import annotations

import json
import sqlite3

import httpx

from tests.processes import AgentProcess

MANAGER_PIN = "9999"


def ops_count(agent: AgentProcess) -> int:
    with sqlite3.connect(agent.data_dir / "agent.sqlite3") as conn:
        return int(conn.execute("SELECT count(*) FROM ops").fetchone()[0])


def ticket_with(cashier: httpx.Client, variant: str = "chai", **line: object) -> dict:
    ticket = cashier.post("/tickets", json={"kind": "counter"}).json()
    return dict(
        cashier.post(f"/tickets/{ticket['id']}/lines", json={"variant_id": variant, **line}).json()
    )


def tender(cashier: httpx.Client, ticket: dict, method: str, **extra: object) -> httpx.Response:
    body = {"method": method, "amount": ticket["totals"]["balance_due"], **extra}
    return cashier.post(f"/tickets/{ticket['id']}/payments", json=body)


def test_a_pending_card_is_confirmed_once_with_a_manager_override_that_is_recorded(
    agent, cashier
) -> None:
    ticket = ticket_with(cashier)
    payment = tender(cashier, ticket, "card").json()["payments"][0]
    url = f"/tickets/{ticket['id']}/payments/{payment['id']}"

    refused = cashier.post(f"{url}/confirm", json={})
    confirmed = cashier.post(f"{url}/confirm", json={"manager_pin": MANAGER_PIN})
    after_first = ops_count(agent)
    again = cashier.post(f"{url}/confirm", json={"manager_pin": MANAGER_PIN})
    declined = cashier.post(f"{url}/decline", json={"reason": "x", "manager_pin": MANAGER_PIN})

    assert refused.status_code == 403
    assert refused.json()["code"] == "insufficient_permission"
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["payments"][0]["status"] == "confirmed"
    assert confirmed.json()["totals"]["pending_confirmation"] == 0
    assert again.status_code == 200
    assert ops_count(agent) == after_first
    assert declined.status_code == 409
    assert declined.json()["code"] == "payment_already_settled"
    with sqlite3.connect(agent.data_dir / "agent.sqlite3") as conn:
        (body,) = conn.execute(
            "SELECT body FROM ops WHERE entity_id = ? ORDER BY device_seq DESC LIMIT 1",
            (ticket["id"],),
        ).fetchone()
    assert b"payment_confirmed" in body
    assert b"staff-manager" in body


def test_a_mobile_money_tender_declined_after_close_is_collected_as_a_late_payment(
    agent, cashier
) -> None:
    ticket = ticket_with(cashier)
    tender(cashier, ticket, "mobile_money", reference="QK7H2X9PLM")
    closed = cashier.post(f"/tickets/{ticket['id']}/close").json()
    payment = closed["payments"][0]

    declined = cashier.post(
        f"/tickets/{ticket['id']}/payments/{payment['id']}/decline",
        json={"reason": "no such M-Pesa code", "manager_pin": MANAGER_PIN},
    ).json()
    listed = {t["id"]: t for t in cashier.get("/tickets").json()}
    status = cashier.get("/sync/status").json()
    late = tender(cashier, declined, "cash")
    settled = late.json()
    after = {t["id"]: t for t in cashier.get("/tickets").json()}
    overpay = cashier.post(
        f"/tickets/{ticket['id']}/payments", json={"method": "cash", "amount": 100}
    )

    assert declined["status"] == "closed"
    assert declined["payments"][0]["status"] == "declined"
    assert declined["totals"]["balance_due"] == 15000
    assert [(c["kind"], c["amount"]) for c in declined["money_conflicts"]] == [
        ("balance_due", 15000)
    ]
    assert declined["conflicts"] == [declined["money_conflicts"][0]["conflict_id"]]
    assert listed[ticket["id"]]["money_conflict"] == "balance_due"
    assert [(c["entity_id"], c["kind"]) for c in status["conflicts"]] == [
        (ticket["id"], "balance_due")
    ]
    assert late.status_code == 201, late.text
    assert (settled["status"], settled["totals"]["balance_due"]) == ("closed", 0)
    assert settled["money_conflicts"] == []
    assert after[ticket["id"]]["money_conflict"] is None
    assert overpay.status_code == 409
    assert overpay.json()["code"] == "ticket_closed"


def test_a_confirmed_offline_card_no_longer_counts_against_the_cumulative_limit(
    cashier,
) -> None:
    # The demo outlet takes up to 1,000,000 per offline card and 5,000,000 in all.
    override = {"price": 1_000_000, "price_reason": "event", "manager_pin": MANAGER_PIN}
    taken = []
    for _ in range(5):
        ticket = ticket_with(cashier, **override)
        answer = tender(cashier, ticket, "card")
        assert answer.status_code == 201, answer.text
        taken.append((ticket["id"], answer.json()["payments"][0]["id"]))
    full = tender(cashier, ticket_with(cashier, **override), "card")

    ticket_id, payment_id = taken[0]
    cashier.post(
        f"/tickets/{ticket_id}/payments/{payment_id}/confirm",
        json={"reference": "AUTH1", "manager_pin": MANAGER_PIN},
    )
    freed = tender(cashier, ticket_with(cashier, **override), "card")
    ticket_id, payment_id = taken[1]
    cashier.post(
        f"/tickets/{ticket_id}/payments/{payment_id}/decline",
        json={"reason": "declined by the bank", "manager_pin": MANAGER_PIN},
    )
    freed_again = tender(cashier, ticket_with(cashier, **override), "card")

    assert full.status_code == 422
    assert full.json()["code"] == "offline_card_limit"
    assert freed.status_code == 201, freed.text
    assert freed_again.status_code == 201, freed_again.text


def test_settling_what_is_not_there_gets_a_code_and_changes_nothing(agent, cashier) -> None:
    ticket = ticket_with(cashier)
    payment = tender(cashier, ticket, "mobile_money", reference="QK7H2X9PLN").json()
    payment = payment["payments"][0]
    before = ops_count(agent)
    base = f"/tickets/{ticket['id']}"

    unknown = cashier.post(f"{base}/payments/nope/confirm", json={})
    blank = cashier.post(
        f"{base}/payments/{payment['id']}/decline", json={"reason": " ", "manager_pin": "9999"}
    )
    empty = cashier.post(f"{base}/payments/{payment['id']}/decline", json={})
    not_voided = cashier.post(
        f"{base}/reinstate", json={"reason": "back", "manager_pin": MANAGER_PIN}
    )

    assert (unknown.status_code, unknown.json()["code"]) == (404, "payment_not_found")
    assert (blank.status_code, blank.json()["code"]) == (422, "reason_required")
    assert empty.status_code == 400
    assert (not_voided.status_code, not_voided.json()["code"]) == (409, "nothing_to_reinstate")
    assert ops_count(agent) == before


def test_a_role_naming_a_permission_this_agent_does_not_know_still_signs_in(agent) -> None:
    with sqlite3.connect(agent.data_dir / "agent.sqlite3") as conn:
        (doc,) = conn.execute(
            "SELECT data FROM reference_data WHERE entity = 'role' AND entity_id = 'cashier'"
        ).fetchone()
        role = json.loads(doc)
        role["permissions"].append("approve_time_travel")
        conn.execute(
            "UPDATE reference_data SET data = ? WHERE entity = 'role' AND entity_id = 'cashier'",
            (json.dumps(role),),
        )

    answer = httpx.post(f"{agent.api}/auth/pin", json={"pin": "1111"})

    assert answer.status_code == 201, answer.text


def test_the_x_report_leaves_out_a_tender_declined_since_it_was_taken(cashier) -> None:
    opened = cashier.post("/drawer/open", json={"float": 10_000})
    ticket = ticket_with(cashier)
    taken = tender(cashier, ticket, "mobile_money", reference="QK7H2X9PLX").json()
    pin = {"X-Manager-Pin": MANAGER_PIN}
    before = cashier.get("/reports/x", headers=pin).json()["report"]

    cashier.post(
        f"/tickets/{ticket['id']}/payments/{taken['payments'][0]['id']}/decline",
        json={"reason": "reversed", "manager_pin": MANAGER_PIN},
    )
    after = cashier.get("/reports/x", headers=pin).json()["report"]

    assert opened.status_code == 201, opened.text
    assert before["sales_by_method"]["mobile_money"] == 15000
    assert after["sales_by_method"].get("mobile_money", 0) == 0
    assert after["gross_sales"] == before["gross_sales"] - 15000
