"""The agent's local API refuses what a hostile web page on the till could send it: a
foreign ``Host`` (DNS rebinding), a body that is not JSON (a simple cross-origin POST),
and it never grants CORS."""

from __future__ import annotations

import socket
import time

import httpx
import pytest

from edge_agent.http.local import host_name
from tests.processes import AgentProcess, free_port, init_agent


@pytest.mark.parametrize("host", ["evil.example", "evil.example:4114", "10.0.0.5", "[fe80::1]"])
def test_a_request_naming_a_foreign_host_is_refused_before_any_handler(agent, host) -> None:
    health = httpx.get(f"{agent.url}/health", headers={"Host": host})
    sign_in = httpx.post(f"{agent.api}/auth/pin", json={"pin": "1111"}, headers={"Host": host})

    assert (health.status_code, health.json()["code"]) == (403, "host_not_allowed")
    assert (sign_in.status_code, sign_in.json()["code"]) == (403, "host_not_allowed")


@pytest.mark.parametrize("host", ["127.0.0.1:notaport", "localhost:99999", "[::1", "a:b:c", "::1"])
def test_a_host_header_that_is_no_name_and_port_is_a_400_with_a_code(agent, cashier, host) -> None:
    listed = cashier.get("/tickets", headers={"Host": host})
    opened = cashier.post("/tickets", json={"kind": "counter"}, headers={"Host": host})

    assert (listed.status_code, listed.json()["code"]) == (400, "invalid_host")
    assert (opened.status_code, opened.json()["code"]) == (400, "invalid_host")


@pytest.mark.parametrize(
    "head",
    [
        "Host: 127.0.0.1\r\nContent-Length: 2\r\nContent-Length: 3",
        "Host: 127.0.0.1\r\nContent-Length: ten",
        "Content-Length: 2",
    ],
    ids=["two content lengths", "a length that is no number", "no host"],
)
def test_a_request_the_http_parser_refuses_is_answered_in_json_with_a_code(agent, head) -> None:
    request = f"POST /api/v1/tickets HTTP/1.1\r\n{head}\r\nConnection: close\r\n\r\n{{}}"
    with socket.create_connection(("127.0.0.1", agent.port), timeout=10) as sock:
        sock.sendall(request.encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head_bytes, _, body = answer.partition(b"\r\n\r\n")

    assert head_bytes.startswith(b"HTTP/1.1 400")
    assert b"content-type: application/json" in head_bytes.lower()
    assert httpx.Response(400, content=body).json()["code"] == "malformed_request"


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost:4114", "[::1]:4114", "LOCALHOST"])
def test_the_local_names_are_served(agent, host) -> None:
    assert httpx.get(f"{agent.url}/health", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", None]
)
def test_a_body_that_is_not_json_is_refused(agent, cashier, content_type) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    before = len(cashier.get("/tickets").json())

    answer = cashier.post("/tickets", content=b'{"kind": "counter"}', headers=headers)

    assert (answer.status_code, answer.json()["code"]) == (415, "unsupported_media_type")
    assert len(cashier.get("/tickets").json()) == before


@pytest.mark.parametrize("charset", ["utf-16", "latin-1", "utf-8, utf-16"])
def test_a_json_body_declared_in_another_charset_than_utf8_is_refused(cashier, charset) -> None:
    answer = cashier.post(
        "/tickets",
        content=b'{"kind": "counter"}',
        headers={"Content-Type": f"application/json; charset={charset}"},
    )

    assert (answer.status_code, answer.json()["code"]) == (415, "unsupported_media_type")


def test_an_idempotency_key_over_200_characters_is_refused_and_nothing_is_written(cashier) -> None:
    before = len(cashier.get("/tickets").json())

    answer = cashier.post(
        "/tickets", json={"kind": "counter"}, headers={"Idempotency-Key": "k" * 201}
    )

    assert (answer.status_code, answer.json()["code"]) == (400, "invalid_request")
    assert len(cashier.get("/tickets").json()) == before
    at_the_bound = cashier.post(
        "/tickets", json={"kind": "counter"}, headers={"Idempotency-Key": "k" * 200}
    )
    assert at_the_bound.status_code == 201


def test_a_json_body_with_a_charset_is_taken(cashier) -> None:
    answer = cashier.post(
        "/tickets",
        content=b'{"kind": "counter"}',
        headers={"Content-Type": "application/json; charset=utf-8"},
    )

    assert answer.status_code == 201


def test_no_origin_is_granted_cross_origin_access(agent, cashier) -> None:
    preflight = httpx.options(
        f"{agent.api}/tickets",
        headers={
            "Origin": "http://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    answer = cashier.get("/tickets", headers={"Origin": "http://evil.example"})

    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in answer.headers


def test_a_name_given_in_the_settings_is_served(tmp_path) -> None:
    init_agent(tmp_path / "till")
    agent = AgentProcess(tmp_path / "till", free_port(), env={"POS_AGENT_HOST_NAMES": "till-3.lan"})
    agent.start()
    try:
        named = httpx.get(f"{agent.url}/health", headers={"Host": "till-3.lan:4114"})
        other = httpx.get(f"{agent.url}/health", headers={"Host": "till-4.lan"})
    finally:
        agent.stop()

    assert named.status_code == 200
    assert other.status_code == 403


@pytest.mark.parametrize(
    ("header", "name"),
    [("127.0.0.1:4114", "127.0.0.1"), ("[::1]:80", "::1"), ("::1", "::1"), ("till", "till")],
)
def test_the_host_name_is_read_without_its_port(header, name) -> None:
    assert host_name(header) == name


def test_a_client_that_leaves_before_its_body_arrived_is_answered_as_bad_input(
    agent, cashier
) -> None:
    head = (
        "POST /api/v1/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: {cashier.headers['Authorization']}\r\n"
        "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
    )
    with socket.create_connection(("127.0.0.1", agent.port), timeout=10) as sock:
        sock.sendall(head.encode())
        sock.shutdown(socket.SHUT_WR)
        while sock.recv(65536):
            pass

    deadline = time.monotonic() + 10
    while "a client left" not in agent.log_tail(20_000) and time.monotonic() < deadline:
        time.sleep(0.05)  # polling the log of a running process, not waiting for a result

    assert "a client left before its request body arrived whole" in agent.log_tail(20_000)
