"""Every agent path but the public ones needs a valid credential: an operator session
that is open and has not run out, or the device's own service token."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest

from tests.fakes import FakeHub
from tests.sync_till import make_till

PUBLIC = {("GET", "/health"), ("POST", "/api/v1/auth/pin"), ("POST", "/api/v1/pairing/claim")}
MINUTE_MS = 60_000


def fill(parameter: re.Match[str]) -> str:
    return "1" if parameter.group(0) == "{number}" else str(uuid.uuid4())


def operations(agent) -> list[tuple[str, str]]:
    """Every operation the agent's OpenAPI document lists, with ids filled in."""
    document = httpx.get(f"{agent.url}/schema/openapi.json").json()
    return [
        (method.upper(), re.sub(r"\{[^}]+\}", fill, path))
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]


@pytest.mark.parametrize("authorization", [None, "Bearer forged-token", "Basic Zm9vOmJhcg=="])
def test_every_path_but_the_public_ones_answers_401_without_a_valid_credential(
    agent, authorization
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}

    answers = {
        (method, path): httpx.request(
            method, f"{agent.url}{path}", headers=headers, json={} if method != "GET" else None
        )
        for method, path in operations(agent)
        if (method, path) not in PUBLIC
    }

    assert len(answers) > 30
    refused = {k: (a.status_code, a.json()["code"]) for k, a in answers.items()}
    assert set(refused.values()) == {(401, "not_signed_in")}, refused


def test_the_service_token_reads_and_syncs_but_does_not_sell(agent) -> None:
    status = httpx.get(f"{agent.api}/sync/status", headers=agent.service)
    tickets = httpx.get(f"{agent.api}/tickets", headers=agent.service)
    sale = httpx.post(f"{agent.api}/tickets", headers=agent.service, json={"kind": "counter"})

    assert status.status_code == 200
    assert tickets.status_code == 200
    assert (sale.status_code, sale.json()["code"]) == (401, "not_signed_in")


def test_a_signed_out_session_is_refused(agent) -> None:
    token = httpx.post(f"{agent.api}/auth/pin", json={"pin": "1111"}).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}

    before = httpx.get(f"{agent.api}/tickets", headers=auth)
    signed_out = httpx.post(f"{agent.api}/auth/signout", headers=auth)
    after = httpx.get(f"{agent.api}/tickets", headers=auth)

    assert before.status_code == 200
    assert signed_out.status_code == 204
    assert (after.status_code, after.json()["code"]) == (401, "not_signed_in")


def test_an_idempotent_answer_is_returned_only_to_the_credential_that_made_it(agent) -> None:
    def session(pin: str) -> dict[str, str]:
        token = httpx.post(f"{agent.api}/auth/pin", json={"pin": pin}).json()["token"]
        return {"Authorization": f"Bearer {token}", "Idempotency-Key": key}

    key = str(uuid.uuid4())
    body = {"kind": "tab", "name": "Wanjiru"}
    cashier, manager = session("1111"), session("9999")

    first = httpx.post(f"{agent.api}/tickets", headers=cashier, json=body)
    again = httpx.post(f"{agent.api}/tickets", headers=cashier, json=body)
    other = httpx.post(f"{agent.api}/tickets", headers=manager, json=body)
    nobody = httpx.post(f"{agent.api}/tickets", headers={"Idempotency-Key": key}, json=body)

    assert first.status_code == 201
    assert again.json() == first.json()
    assert (other.status_code, other.json()["code"]) == (409, "idempotency_key_reused")
    assert first.json()["id"] not in other.text
    assert nobody.status_code == 401
    assert first.json()["id"] not in nobody.text


class Clock:
    def __init__(self) -> None:
        self.now = 1_795_000_000_000

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def clocked(tmp_path):
    clock = Clock()
    till = make_till(tmp_path, FakeHub(), clock=clock)
    with till.api() as client:
        token = client.post("/api/v1/auth/pin", json={"pin": "1111"}).json()["token"]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client, clock
    till.store.close()


def test_a_session_idle_longer_than_the_outlet_allows_is_refused(clocked) -> None:
    client, clock = clocked

    clock.now += 29 * MINUTE_MS
    in_time = client.get("/api/v1/tickets")
    clock.now += 31 * MINUTE_MS
    idle = client.get("/api/v1/tickets")

    assert in_time.status_code == 200
    assert (idle.status_code, idle.json()["code"]) == (401, "session_expired")


def test_a_session_in_use_still_ends_at_its_longest_life(clocked) -> None:
    client, clock = clocked

    answers = []
    for _ in range(12 * 6):  # a request every ten minutes for twelve hours
        clock.now += 10 * MINUTE_MS
        answers.append(client.get("/api/v1/tickets").status_code)
    clock.now += 10 * MINUTE_MS
    past = client.get("/api/v1/tickets")

    assert set(answers) == {200}
    assert (past.status_code, past.json()["code"]) == (401, "session_expired")
