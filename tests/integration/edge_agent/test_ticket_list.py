"""The ticket list comes a page at a time, newest first, each page after the last."""

from __future__ import annotations

import httpx


def test_the_ticket_list_pages_newest_first_without_repeating_a_ticket(
    cashier: httpx.Client,
) -> None:
    opened = [cashier.post("/tickets", json={"kind": "counter"}).json()["id"] for _ in range(5)]

    first = cashier.get("/tickets", params={"limit": 2}).json()
    second = cashier.get("/tickets", params={"limit": 2, "before": first[-1]["id"]}).json()
    third = cashier.get("/tickets", params={"limit": 2, "before": second[-1]["id"]}).json()

    pages = [ticket["id"] for ticket in first + second + third[:1]]
    assert pages == opened[::-1]


def test_the_ticket_list_answers_100_tickets_unless_asked_for_more(
    cashier: httpx.Client,
) -> None:
    for _ in range(101 - len(cashier.get("/tickets", params={"limit": 1000}).json())):
        cashier.post("/tickets", json={"kind": "counter"})

    default = cashier.get("/tickets").json()
    everything = cashier.get("/tickets", params={"limit": 1000}).json()

    assert len(default) == 100
    assert len(everything) >= 101


def test_a_page_after_an_unknown_ticket_or_of_no_tickets_is_refused_with_a_code(
    cashier: httpx.Client,
) -> None:
    unknown = cashier.get("/tickets", params={"before": "no-such-ticket"})
    empty = cashier.get("/tickets", params={"limit": 0})

    assert (unknown.status_code, unknown.json()["code"]) == (404, "ticket_not_found")
    assert empty.status_code == 400
    assert "code" in empty.json()
