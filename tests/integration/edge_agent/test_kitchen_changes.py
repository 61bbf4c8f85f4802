"""A line voided or changed after it went to the kitchen prints a VOID or CHANGE ticket
at its station, once: a real agent process, its kitchen printer a TCP printer on
127.0.0.1 and its bar printer a serial printer at the end of a pty."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.integration.edge_agent.print_simulators import NetworkPrinter, eventually
from tests.integration.edge_agent.print_till import Till, order, printed_for, sign_in
from tests.processes import free_port

MANAGER = {"manager_pin": "9999"}


def sent(till_cashier: httpx.Client, printer, *variants: str, quantity: int = 1) -> dict:
    """A table ticket with these lines, sent, once its kitchen ticket printed."""
    ticket = till_cashier.post("/tickets", json={"kind": "table", "table": "4"}).json()
    for variant in variants:
        ticket = till_cashier.post(
            f"/tickets/{ticket['id']}/lines", json={"variant_id": variant, "quantity": quantity}
        ).json()
    assert till_cashier.post(f"/tickets/{ticket['id']}/send", json={}).status_code == 200
    eventually(lambda: printed_for(printer, ticket), what="the kitchen ticket")
    return ticket


def jobs_of(till_cashier: httpx.Client, ticket: dict) -> list[dict]:
    return till_cashier.get("/print-jobs", params={"ticket_id": ticket["id"]}).json()


def kinds(till_cashier: httpx.Client, ticket: dict) -> list[str]:
    return sorted(j["kind"] for j in jobs_of(till_cashier, ticket))


def text_of(job) -> str:
    return "\n".join(job.decoded.text)


def test_a_line_voided_after_send_prints_one_void_ticket_at_its_station(till, till_cashier) -> None:
    ticket = sent(till_cashier, till.kitchen, "samosa", "chai")
    samosa = ticket["lines"][0]["id"]
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"reason": "customer changed their mind", **MANAGER}

    first = till_cashier.post(
        f"/tickets/{ticket['id']}/lines/{samosa}/void", json=body, headers=key
    )
    again = till_cashier.post(
        f"/tickets/{ticket['id']}/lines/{samosa}/void", json=body, headers=key
    )
    twice = till_cashier.post(f"/tickets/{ticket['id']}/lines/{samosa}/void", json=body)

    assert first.status_code == again.status_code == 200, first.text
    assert first.json() == again.json()
    assert twice.status_code == 422
    printed = eventually(lambda: printed_for(till.kitchen, ticket)[1:], what="the VOID ticket")
    assert len(printed) == 1
    void = text_of(printed[0])
    assert void.count("VOID") >= 1
    assert void.count("1 x Beef samosa") == 1
    assert "Kenyan chai" not in void
    assert f"ORDER #{ticket['order_no']}" in void
    assert "TABLE 4" in void
    assert kinds(till_cashier, ticket) == ["kitchen", "kitchen", "kitchen_void"]
    assert len(printed_for(till.kitchen, ticket)) == 2
    assert len(printed_for(till.bar, ticket)) == 1


def test_a_line_voided_before_it_was_sent_prints_nothing(till, till_cashier) -> None:
    ticket = order(till_cashier, "samosa", table="5")
    samosa = ticket["lines"][0]["id"]

    voided = till_cashier.post(
        f"/tickets/{ticket['id']}/lines/{samosa}/void", json={"reason": "typo", **MANAGER}
    )

    assert voided.status_code == 200
    assert kinds(till_cashier, ticket) == []


def test_a_sent_line_changed_prints_a_change_ticket_with_what_it_was(till, till_cashier) -> None:
    ticket = sent(till_cashier, till.kitchen, "samosa", quantity=3)
    samosa = ticket["lines"][0]["id"]
    key = {"Idempotency-Key": str(uuid.uuid4())}
    less = {"quantity": 2, "notes": "no chilli", "reason": "one fewer", **MANAGER}

    first = till_cashier.patch(f"/tickets/{ticket['id']}/lines/{samosa}", json=less, headers=key)
    again = till_cashier.patch(f"/tickets/{ticket['id']}/lines/{samosa}", json=less, headers=key)

    assert first.status_code == again.status_code == 200, first.text
    printed = eventually(lambda: printed_for(till.kitchen, ticket)[1:], what="the CHANGE ticket")
    change = text_of(printed[0])
    assert "CHANGE" in change
    assert change.count("2 x Beef samosa") == 1
    assert "was 3 x Beef samosa" in change
    assert "! no chilli" in change
    assert "VOID" not in change
    assert kinds(till_cashier, ticket) == ["kitchen", "kitchen_change"]


def test_an_unsent_line_changed_prints_nothing(till, till_cashier) -> None:
    ticket = order(till_cashier, "samosa", table="6")
    samosa = ticket["lines"][0]["id"]

    changed = till_cashier.patch(f"/tickets/{ticket['id']}/lines/{samosa}", json={"notes": "hot"})

    assert changed.status_code == 200
    assert kinds(till_cashier, ticket) == []


def test_a_voided_ticket_voids_its_sent_lines_at_their_stations(till, till_cashier) -> None:
    ticket = sent(till_cashier, till.kitchen, "samosa", "chai")

    voided = till_cashier.post(
        f"/tickets/{ticket['id']}/void", json={"reason": "walked out", **MANAGER}
    )

    assert voided.status_code == 200, voided.text
    kitchen = eventually(lambda: printed_for(till.kitchen, ticket)[1:], what="the kitchen VOID")
    bar = eventually(lambda: printed_for(till.bar, ticket)[1:], what="the bar VOID")
    assert "VOID 1 x Beef samosa" in text_of(kitchen[0])
    assert "VOID 1 x Kenyan chai" in text_of(bar[0])
    assert kinds(till_cashier, ticket) == ["kitchen", "kitchen", "kitchen_void", "kitchen_void"]


@pytest.mark.slow
def test_a_void_acknowledged_before_a_crash_prints_once_after_the_restart(tmp_path) -> None:
    port = free_port()
    till = Till(tmp_path / "till", kitchen_port=port)
    till.agent.start()
    try:
        with sign_in(till.agent, "1111") as till_cashier:
            ticket = sent(till_cashier, till.kitchen, "samosa")
            till.kitchen.stop()  # the kitchen printer goes off
            samosa = ticket["lines"][0]["id"]
            voided = till_cashier.post(
                f"/tickets/{ticket['id']}/lines/{samosa}/void",
                json={"reason": "burnt", **MANAGER},
            )
            till.agent.kill()
        till.agent.start()
        back = NetworkPrinter(port=port)
        try:
            printed = eventually(lambda: printed_for(back, ticket), what="the VOID, once back")
            with sign_in(till.agent, "1111") as till_cashier:
                jobs = eventually(
                    lambda: [
                        j
                        for j in jobs_of(till_cashier, ticket)
                        if j["kind"] == "kitchen_void" and j["state"] == "done"
                    ],
                    what="the VOID job done",
                )
        finally:
            back.stop()
    finally:
        till.stop()

    assert voided.status_code == 200
    assert len(printed) == 1
    assert "VOID" in text_of(printed[0])
    assert text_of(printed[0]).count("1 x Beef samosa") == 1
    assert len(jobs) == 1
