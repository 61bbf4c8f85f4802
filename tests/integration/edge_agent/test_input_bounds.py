"""Bad input to the agent API is a 400 with a code, and changes nothing.

Integers at and past their bounds, numbers sent as strings or booleans, JSON nested a
thousand deep and text with control characters, on every body-taking endpoint of a
real agent process.
"""

from __future__ import annotations

import sqlite3

import pytest

HUGE = (2**62, 2**63, -(2**63), 10**9 * 150_000)


@pytest.fixture(scope="module")
def ticket(cashier) -> dict:
    opened = cashier.post("/tickets", json={"kind": "table", "table": "4"}).json()
    return dict(cashier.post(f"/tickets/{opened['id']}/lines", json={"variant_id": "chai"}).json())


def ops(agent) -> int:
    with sqlite3.connect(agent.data_dir / "agent.sqlite3") as conn:
        return int(conn.execute("SELECT count(*) FROM ops").fetchone()[0])


def endpoints(ticket: dict) -> list[tuple[str, dict]]:
    """Every body-taking endpoint with a body that would be accepted."""
    t, line = ticket["id"], ticket["lines"][0]["id"]
    return [
        ("/tickets", {"kind": "table", "covers": 2}),
        (f"/tickets/{t}/lines", {"variant_id": "chai", "quantity": 1, "seat": 1, "course": 1}),
        (f"/tickets/{t}/lines/{line}", {"quantity": 2, "seat": 1, "course": 1}),
        (f"/tickets/{t}/discounts", {"kind": "amount", "value": 100, "reason": "regular"}),
        (f"/tickets/{t}/send", {"course": 1}),
        (f"/tickets/{t}/payments", {"method": "card", "amount": 100, "tip": 0}),
        (f"/tickets/{t}/split", {"by": "evenly", "parts": 2}),
        ("/drawer/open", {"float": 10_000}),
        ("/drawer/movements", {"kind": "pay_in", "amount": 500, "reason": "change"}),
        ("/drawer/close", {"counted": {"1000": 3}}),
    ]


def integer_fields(body: dict) -> list[str]:
    return [k for k, v in body.items() if isinstance(v, int) and not isinstance(v, bool)]


def send(cashier, path: str, body: dict | None = None, content: str | None = None):
    method = cashier.patch if "/lines/" in path else cashier.post
    if content is not None:
        return method(path, content=content, headers={"Content-Type": "application/json"})
    return method(path, json=body)


def test_every_integer_past_its_bound_is_refused_with_a_code_and_changes_nothing(
    agent, cashier, ticket
) -> None:
    before = ops(agent)
    answers = {}
    for path, body in endpoints(ticket):
        for field in integer_fields(body):
            for value in HUGE:
                answer = send(cashier, path, {**body, field: value})
                answers[(path, field, value)] = (answer.status_code, answer.json()["code"])
    counted = {"1000": 2**62}
    answers[("/drawer/close", "counted", 2**62)] = (
        cashier.post("/drawer/close", json={"counted": counted}).status_code,
        "",
    )

    assert all(status == 400 for status, _ in answers.values()), answers
    assert {code for _, code in answers.values()} <= {"invalid_request", ""}
    assert ops(agent) == before


def test_a_line_of_a_billion_is_refused_not_priced(cashier, ticket) -> None:
    answer = cashier.post(
        f"/tickets/{ticket['id']}/lines", json={"variant_id": "chai", "quantity": 10**9}
    )

    assert answer.status_code == 400
    assert "quantity" in answer.json()["message"]


@pytest.mark.parametrize("value", ["2", True, 2.0, None])
def test_a_quantity_must_be_a_json_integer(agent, cashier, ticket, value) -> None:
    before = ops(agent)

    answer = cashier.post(
        f"/tickets/{ticket['id']}/lines", json={"variant_id": "chai", "quantity": value}
    )

    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_request"
    assert ops(agent) == before


def test_json_nested_a_thousand_deep_is_a_400_on_every_endpoint(agent, cashier, ticket) -> None:
    deep = '{"kind": "counter", "name": ' + "[" * 1000 + "]" * 1000 + "}"
    before = ops(agent)

    answers = [send(cashier, path, content=deep) for path, _ in endpoints(ticket)]

    assert [a.status_code for a in answers] == [400] * len(answers)
    assert {a.json()["code"] for a in answers} == {"invalid_request"}
    assert ops(agent) == before


@pytest.mark.parametrize("text", ["no\x00onions", "esc\x1bp\x00", "bell\x07", "del\x7f"])
def test_text_with_a_control_character_is_refused_with_its_own_code(
    agent, cashier, ticket, text
) -> None:
    before = ops(agent)

    notes = cashier.post(
        f"/tickets/{ticket['id']}/lines", json={"variant_id": "chai", "notes": text}
    )
    name = cashier.post("/tickets", json={"kind": "tab", "name": text})

    assert (notes.status_code, notes.json()["code"]) == (400, "control_character")
    assert "$.notes" in notes.json()["message"]
    assert (name.status_code, name.json()["code"]) == (400, "control_character")
    assert ops(agent) == before


def test_a_good_body_still_goes_through(cashier, ticket) -> None:
    answer = cashier.post(
        f"/tickets/{ticket['id']}/lines",
        json={"variant_id": "chai", "quantity": 9_999, "notes": "Café, no sugar"},
    )

    assert answer.status_code == 201, answer.text
    assert answer.json()["lines"][-1]["quantity"] == 9_999
