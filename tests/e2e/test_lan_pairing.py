"""A waiter's tablet on the shop Wi-Fi: the agent's LAN listener speaks TLS only, with a
certificate the tablet pins, and answers only devices paired by a manager's one-time code.

The "LAN" address is 127.0.0.2: still on the loopback interface, so it works on any CI
machine, but not a loopback *name* to the agent, which treats it as any LAN address.
The agent's wall clock is moved by the test-only ``tests/clockshift`` seam.
"""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from edge_agent.http.tls import ensure_self_signed, fingerprint
from tests.e2e.lan_world import LAN_HOST, MINUTE_MS, LanAgent, lan_agent
from tests.processes import AGENT_ENV, AgentProcess, free_port, init_agent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def agent(tmp_path_factory) -> Iterator[LanAgent]:
    """One agent for the tests that leave its clock and throttle alone."""
    with lan_agent(tmp_path_factory.mktemp("lan")) as agent:
        yield agent


@pytest.fixture
def own_agent(tmp_path) -> Iterator[LanAgent]:
    """A fresh agent, for a test that moves its clock, trips its throttle or counts."""
    with lan_agent(tmp_path) as agent:
        yield agent


def serve(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "edge_agent.cli", "--data-dir", str(data_dir), "serve"]
    return subprocess.run(
        [*command, *args, "--port", str(free_port())],
        capture_output=True,
        text=True,
        env={**os.environ, **AGENT_ENV},
        timeout=60,
    )


@pytest.mark.parametrize("host", [LAN_HOST, "0.0.0.0"])
def test_serving_a_lan_address_without_tls_exits_2_with_a_one_line_reason(tmp_path, host) -> None:
    init_agent(tmp_path / "till")

    done = serve(tmp_path / "till", "--host", host)

    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "needs TLS" in done.stderr
    assert "--self-signed" in done.stderr


def test_a_certificate_without_its_key_exits_2(tmp_path) -> None:
    init_agent(tmp_path / "till")

    done = serve(tmp_path / "till", "--host", LAN_HOST, "--tls-cert", str(tmp_path / "c.pem"))

    assert done.returncode == 2
    assert "--tls-key" in done.stderr


def test_an_unusable_certificate_exits_1_with_a_one_line_reason(tmp_path) -> None:
    init_agent(tmp_path / "till")
    (tmp_path / "cert.pem").write_text("not a certificate\n")
    (tmp_path / "key.pem").write_text("not a key\n")
    files = ("--tls-cert", str(tmp_path / "cert.pem"), "--tls-key", str(tmp_path / "key.pem"))

    done = serve(tmp_path / "till", "--host", LAN_HOST, "--lan-port", str(free_port()), *files)

    assert done.returncode == 1
    assert done.stderr.startswith("pos-agent: ")
    assert done.stderr.count("\n") == 1


def test_a_configured_certificate_is_served_and_the_agent_makes_none(tmp_path) -> None:
    data_dir = tmp_path / "till"
    init_agent(data_dir)
    given = ensure_self_signed(tmp_path / "issued", (LAN_HOST,))
    lan_port = free_port()
    files = ("--tls-cert", str(given.cert), "--tls-key", str(given.key))
    process = AgentProcess(
        data_dir, free_port(), serve_args=("--host", LAN_HOST, "--lan-port", str(lan_port), *files)
    )
    process.start()
    try:
        pinned = ssl.create_default_context(cafile=str(given.cert))
        health = httpx.get(f"https://{LAN_HOST}:{lan_port}/health", verify=pinned)
    finally:
        process.stop()

    assert health.status_code == 200
    assert not (data_dir / "tls").exists()


def test_the_lan_listener_speaks_only_tls_with_the_certificate_the_pairing_answer_names(
    agent,
) -> None:
    plain = f"http://{LAN_HOST}:{agent.lan_port}/health"

    with pytest.raises(httpx.TransportError):
        httpx.get(plain, timeout=5)
    with pytest.raises(httpx.ConnectError):  # not signed by anyone the client trusts
        httpx.get(f"{agent.lan}/health", timeout=5)
    with agent.tablet() as tablet:
        pinned = tablet.get(f"{agent.lan}/health")
    answer = agent.pairing_code()

    assert pinned.status_code == 200
    assert pinned.url.scheme == "https"
    assert answer["certificate_sha256"] == fingerprint(agent.certificate)
    assert answer["claim_url"] == f"{agent.lan}/api/v1/pairing/claim"
    assert oct(os.stat(agent.certificate.parent / "agent-key.pem").st_mode & 0o777) == "0o600"


def test_the_till_itself_still_speaks_plain_http_on_loopback_with_no_pairing(agent) -> None:
    signed_in = httpx.post(f"{agent.till}/auth/pin", json={"pin": "1111"})
    token = signed_in.json()["token"]

    tickets = httpx.get(f"{agent.till}/tickets", headers={"Authorization": f"Bearer {token}"})

    assert signed_in.status_code == 201
    assert tickets.status_code == 200


def test_a_lan_request_without_a_paired_client_token_is_refused_pairing_required(agent) -> None:
    service = agent.process.service
    with agent.tablet() as tablet:
        answers = [
            tablet.post("/auth/pin", json={"pin": "1111"}),
            tablet.get("/tickets", headers=service),
            tablet.get("/tickets", headers={"X-Pos-Client": "forged"}),
            tablet.get(f"{agent.lan}/schema/openapi.json"),
        ]

    assert [(a.status_code, a.json()["code"]) for a in answers] == [(401, "pairing_required")] * 4


def test_the_lan_listener_refuses_a_host_it_does_not_serve(agent) -> None:
    with agent.tablet() as tablet:
        answer = tablet.get(f"{agent.lan}/health", headers={"Host": "evil.example"})

    assert (answer.status_code, answer.json()["code"]) == (403, "host_not_allowed")


def test_a_paired_tablet_signs_in_with_a_pin_and_sells_over_tls(agent) -> None:
    client = agent.pair()

    with agent.tablet(**client) as tablet:
        token = tablet.post("/auth/pin", json={"pin": "1111"}).json()["token"]
        tablet.headers["Authorization"] = f"Bearer {token}"
        opened = tablet.post("/tickets", json={"kind": "table", "table": "7"})
        ticket_id = opened.json()["id"]
        catalog = tablet.get("/catalog").json()
        variant = catalog["products"][0]["variants"][0]["id"]
        line = tablet.post(
            f"/tickets/{ticket_id}/lines", json={"variant_id": variant, "quantity": 2}
        )
        seen = tablet.get(f"/tickets/{ticket_id}")
        without_client = httpx.get(
            f"{agent.lan}/api/v1/tickets",
            headers={"Authorization": f"Bearer {token}"},
            verify=ssl.create_default_context(cafile=str(agent.certificate)),
        )
    on_the_till = httpx.get(f"{agent.till}/tickets", headers={"Authorization": f"Bearer {token}"})

    assert opened.status_code == 201
    assert line.status_code == 201
    assert seen.json()["lines"][0]["quantity"] == 2
    assert (without_client.status_code, without_client.json()["code"]) == (401, "pairing_required")
    assert (on_the_till.status_code, on_the_till.json()["code"]) == (401, "not_signed_in")


def test_the_state_hash_is_for_the_till_itself_not_a_paired_tablet(agent) -> None:
    with agent.tablet(**agent.pair("Hash tablet"), **agent.process.service) as tablet:
        answer = tablet.get("/sync/state-hash")
    on_the_till = httpx.get(f"{agent.till}/sync/state-hash", headers=agent.process.service)

    assert (answer.status_code, answer.json()["code"]) == (403, "loopback_only")
    assert on_the_till.status_code == 200


def test_a_session_opened_on_the_till_does_not_serve_a_paired_tablet(agent) -> None:
    client = agent.pair()
    till_session = agent.manager()

    with agent.tablet(**client, **till_session) as tablet:
        answer = tablet.get("/tickets")

    assert (answer.status_code, answer.json()["code"]) == (401, "not_signed_in")


def test_a_pairing_code_pairs_one_device_only(agent) -> None:
    code = agent.pairing_code()["code"]

    with agent.tablet() as tablet:
        first = tablet.post("/pairing/claim", json={"code": code, "name": "Tablet A"})
        second = tablet.post("/pairing/claim", json={"code": code, "name": "Tablet B"})

    assert first.status_code == 201
    assert (second.status_code, second.json()["code"]) == (401, "pairing_code_invalid")


def test_a_pairing_code_expires_after_five_minutes(own_agent) -> None:
    agent = own_agent
    late = agent.pairing_code()["code"]
    in_time = agent.pairing_code()["code"]

    agent.move_clock(4 * MINUTE_MS + 50_000)
    with agent.tablet() as tablet:
        kept = tablet.post("/pairing/claim", json={"code": in_time, "name": "Tablet A"})
        agent.move_clock(5 * MINUTE_MS + 1_000)
        expired = tablet.post("/pairing/claim", json={"code": late, "name": "Tablet B"})

    assert kept.status_code == 201
    assert (expired.status_code, expired.json()["code"]) == (401, "pairing_code_invalid")


def test_wrong_codes_are_throttled_and_cancel_the_open_code(own_agent) -> None:
    agent = own_agent
    code = str(agent.pairing_code()["code"])
    wrong = f"{(int(code) + 1) % 10**8:08d}"

    with agent.tablet() as tablet:
        guesses = [
            tablet.post("/pairing/claim", json={"code": wrong, "name": "Intruder"})
            for _ in range(5)
        ]
        throttled = tablet.post("/pairing/claim", json={"code": code, "name": "Tablet"})
        agent.move_clock(5 * MINUTE_MS + 1_000)
        cancelled = tablet.post("/pairing/claim", json={"code": code, "name": "Tablet"})
        fresh = tablet.post(
            "/pairing/claim", json={"code": agent.pairing_code()["code"], "name": "Tablet"}
        )

    assert {(g.status_code, g.json()["code"]) for g in guesses} == {(401, "pairing_code_invalid")}
    assert (throttled.status_code, throttled.json()["code"]) == (429, "pairing_throttled")
    assert 0 < int(throttled.headers["Retry-After"]) <= 300
    assert (cancelled.status_code, cancelled.json()["code"]) == (401, "pairing_code_invalid")
    assert fresh.status_code == 201


def test_a_revoked_tablet_is_refused_and_its_sessions_end(own_agent) -> None:
    agent = own_agent
    client = agent.pair("Bar tablet")
    manager = agent.manager()
    with agent.tablet(**client) as tablet:
        token = tablet.post("/auth/pin", json={"pin": "1111"}).json()["token"]
        tablet.headers["Authorization"] = f"Bearer {token}"
        before = tablet.get("/tickets")
        listed = httpx.get(f"{agent.till}/pairings", headers=manager).json()
        (paired,) = listed["clients"]
        revoked = httpx.delete(f"{agent.till}/pairings/{paired['id']}", headers=manager)
        after = tablet.get("/tickets")
    relisted = httpx.get(f"{agent.till}/pairings", headers=manager).json()
    missing = httpx.delete(f"{agent.till}/pairings/no-such-id", headers=manager)

    assert before.status_code == 200
    assert paired["name"] == "Bar tablet"
    assert paired["revoked_ms"] is None
    assert listed["certificate_sha256"] == fingerprint(agent.certificate)
    assert revoked.status_code == 204
    assert (after.status_code, after.json()["code"]) == (401, "pairing_required")
    assert relisted["clients"][0]["revoked_by"] == "staff-manager"
    assert (missing.status_code, missing.json()["code"]) == (404, "pairing_not_found")
    assert agent.audit() == ["pairing"] * 3  # code made, device paired, pairing revoked


def test_only_a_manager_or_the_device_service_manages_pairings(agent) -> None:
    token = httpx.post(f"{agent.till}/auth/pin", json={"pin": "1111"}).json()["token"]
    cashier = {"Authorization": f"Bearer {token}"}

    by_cashier = httpx.post(f"{agent.till}/pairings", headers=cashier)
    listed_by_cashier = httpx.get(f"{agent.till}/pairings", headers=cashier)
    by_service = httpx.post(f"{agent.till}/pairings", headers=agent.process.service)

    assert (by_cashier.status_code, by_cashier.json()["code"]) == (403, "insufficient_permission")
    assert listed_by_cashier.status_code == 403
    assert by_service.status_code == 201
    assert len(str(by_service.json()["code"])) == 8


def test_pos_agent_pair_shows_a_code_that_pairs_and_the_fingerprint_to_pin(agent) -> None:
    command = [sys.executable, "-m", "edge_agent.cli", "--data-dir", str(agent.process.data_dir)]

    done = subprocess.run(
        [*command, "pair"], capture_output=True, text=True, env={**os.environ, **AGENT_ENV}
    )
    code = done.stdout.split("pairing code ", 1)[1][:9]
    with agent.tablet() as tablet:
        claimed = tablet.post("/pairing/claim", json={"code": code, "name": "Kitchen tablet"})
    listed = subprocess.run(
        [*command, "pairings"], capture_output=True, text=True, env={**os.environ, **AGENT_ENV}
    )

    assert done.returncode == 0, done.stderr
    assert f"certificate SHA-256 {fingerprint(agent.certificate)}" in done.stdout
    assert claimed.status_code == 201
    assert "Kitchen tablet" in listed.stdout
    assert "active" in listed.stdout
