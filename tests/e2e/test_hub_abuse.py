"""A real hub process under hostile clients: huge, trickled and idle requests and floods.

Each test speaks raw HTTP/1.1 over a socket where it must control the timing of bytes,
and reads the hub's resident memory from ``/proc/<pid>/status``.
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from cloud_hub.http.sync import MAX_PUSH_BYTES
from tests.processes import HubProcess

pytestmark = pytest.mark.slow

MB = 1024 * 1024
IDLE_TIMEOUT_S = 1.0
BODY_TIMEOUT_S = 2.0
ENROLL_RATE_PER_MIN = 4
SYNC_RATE_PER_MIN = 6


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[HubProcess]:
    process = HubProcess(
        f"sqlite:///{tmp_path / 'hub.sqlite3'}",
        env={
            "POS_HUB_IDLE_TIMEOUT_S": str(IDLE_TIMEOUT_S),
            "POS_HUB_BODY_TIMEOUT_S": str(BODY_TIMEOUT_S),
            "POS_HUB_ENROLL_RATE_PER_MIN": str(ENROLL_RATE_PER_MIN),
            "POS_HUB_SYNC_RATE_PER_MIN": str(SYNC_RATE_PER_MIN),
        },
    )
    process.start()
    try:
        yield process
    finally:
        process.stop()


def enrolled_credential(hub: HubProcess, device_code: str = "D07") -> str:
    code = hub.cli("enroll-code", "--tenant", "demo", "--outlet", "DEMO1", "--device", device_code)
    answer = httpx.post(
        f"{hub.url}/api/v1/enroll",
        json={"code": code.splitlines()[0], "device_id": str(uuid.uuid4())},
    )
    assert answer.status_code == 201, answer.text
    credential: str = answer.json()["credential"]
    return credential


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS line")


def connect(hub: HubProcess) -> socket.socket:
    return socket.create_connection(("127.0.0.1", hub.port), timeout=10)


def push_head(hub: HubProcess, token: str, length: int) -> bytes:
    return (
        f"POST /sync/v1/push HTTP/1.1\r\nHost: 127.0.0.1:{hub.port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def read_answer(sock: socket.socket, received: bytes = b"") -> bytes:
    """One HTTP answer (beginning with ``received``): its head and ``Content-Length``
    bytes of body."""
    while b"\r\n\r\n" not in received and (chunk := sock.recv(65536)):
        received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length and (chunk := sock.recv(65536)):
        body += chunk
    return head + b"\r\n\r\n" + body


def trickle_until_answered(sock: socket.socket) -> tuple[bytes, float]:
    """Send one body byte every 0.2 s (a 1000-byte body would take 200 s) until the
    server answers; return the answer and the seconds it took."""
    started = time.monotonic()
    sock.settimeout(0.2)
    answer = b""
    while not answer and time.monotonic() - started < BODY_TIMEOUT_S + 10:
        sock.sendall(b" ")
        try:
            answer = sock.recv(65536)
        except TimeoutError:
            continue
    elapsed = time.monotonic() - started
    sock.settimeout(5)
    return (read_answer(sock, answer) if answer else answer), elapsed


def closed_by_server(sock: socket.socket, within_s: float) -> bool:
    sock.settimeout(within_s)
    try:
        return sock.recv(1) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def test_an_unauthenticated_30_mb_push_is_refused_before_it_is_read(hub: HubProcess) -> None:
    before = rss_kib(hub.pid)
    sock = connect(hub)
    sock.sendall(push_head(hub, "not-a-credential", 30 * MB))

    def trickle_body() -> None:
        chunk = b"[" * MB
        try:
            for _ in range(30):
                sock.sendall(chunk)
        except OSError:
            return  # the hub closed the connection: what this test expects

    sender = threading.Thread(target=trickle_body)
    sender.start()
    started = time.monotonic()
    health = httpx.get(f"{hub.url}/health", timeout=5)
    health_s = time.monotonic() - started
    answer = read_answer(sock)
    sender.join(timeout=30)
    sock.close()

    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    assert b"unauthorized" in answer
    assert health.status_code == 200
    assert health_s < 1.0, f"/health took {health_s:.2f} s during the refused push"
    grown = rss_kib(hub.pid) - before
    assert grown < 20 * 1024, f"the hub grew by {grown} KiB: it buffered the refused body"


def test_a_push_over_the_limit_from_an_enrolled_device_is_413_batch_too_large(
    hub: HubProcess,
) -> None:
    token = enrolled_credential(hub)
    before = rss_kib(hub.pid)

    declared = httpx.post(
        f"{hub.url}/sync/v1/push",
        content=b" " * (MAX_PUSH_BYTES + 1),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=30,
    )
    chunked = httpx.post(
        f"{hub.url}/sync/v1/push",
        content=iter([b" " * MB] * (MAX_PUSH_BYTES // MB + 2)),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=30,
    )

    assert (declared.status_code, declared.json()["code"]) == (413, "batch_too_large")
    assert (chunked.status_code, chunked.json()["code"]) == (413, "batch_too_large")
    assert rss_kib(hub.pid) - before < 40 * 1024


def test_a_connection_that_sends_nothing_is_closed_after_the_idle_timeout(
    hub: HubProcess,
) -> None:
    with connect(hub) as silent, connect(hub) as half_a_head:
        half_a_head.sendall(b"POST /sync/v1/push HTTP/1.1\r\nHost: hub\r\n")

        assert closed_by_server(silent, within_s=IDLE_TIMEOUT_S + 5)
        assert closed_by_server(half_a_head, within_s=IDLE_TIMEOUT_S + 5)


def test_a_body_trickled_slower_than_the_body_timeout_is_cut_off(hub: HubProcess) -> None:
    token = enrolled_credential(hub)
    with connect(hub) as sock:
        sock.sendall(push_head(hub, token, 1000))
        answer, elapsed = trickle_until_answered(sock)

        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert b"request_timeout" in answer
        assert elapsed < BODY_TIMEOUT_S + 5
        assert closed_by_server(sock, within_s=5)


def test_enrollment_attempts_over_the_rate_are_429_rate_limited_with_retry_after(
    hub: HubProcess,
) -> None:
    answers = [
        httpx.post(
            f"{hub.url}/api/v1/enroll",
            json={"code": "AAAA-BBBB-CC", "device_id": str(uuid.uuid4())},
        )
        for _ in range(ENROLL_RATE_PER_MIN)
    ]
    statuses = [answer.status_code for answer in answers]
    limited = answers[-1]

    assert 429 in statuses
    assert 429 not in statuses[: ENROLL_RATE_PER_MIN // 2]
    assert (limited.status_code, limited.json()["code"]) == (429, "rate_limited")
    assert int(limited.headers["Retry-After"]) >= 1


def test_sync_requests_over_a_credentials_rate_are_429_rate_limited_with_retry_after(
    hub: HubProcess,
) -> None:
    token = enrolled_credential(hub)
    answers = [
        httpx.post(
            f"{hub.url}/sync/v1/pull",
            json={"cursor": ""},
            headers={"Authorization": f"Bearer {token}"},
        )
        for _ in range(SYNC_RATE_PER_MIN)
    ]
    limited = answers[-1]

    assert [a.status_code for a in answers[: SYNC_RATE_PER_MIN // 2]].count(429) == 0
    assert (limited.status_code, limited.json()["code"]) == (429, "rate_limited")
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.json()["retry_after_s"] == int(limited.headers["Retry-After"])


def test_an_enrollment_body_trickled_slower_than_the_body_timeout_is_cut_off(
    hub: HubProcess,
) -> None:
    with connect(hub) as sock:
        sock.sendall(
            f"POST /api/v1/enroll HTTP/1.1\r\nHost: 127.0.0.1:{hub.port}\r\n"
            "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n".encode()
        )
        answer, elapsed = trickle_until_answered(sock)

        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert b"request_timeout" in answer
        assert elapsed < BODY_TIMEOUT_S + 5


def test_a_host_header_that_is_no_name_and_port_is_a_400_invalid_host(hub: HubProcess) -> None:
    hosts = ["127.0.0.1:notaport", "hub:99999", "a:b:c", "[::1", "::1"]
    admin = {"Authorization": "Bearer demo-admin-token-not-for-production"}

    answers = [
        httpx.get(f"{hub.url}/api/v1/outlets", headers={**admin, "Host": host}) for host in hosts
    ]

    assert [(a.status_code, a.json()["code"]) for a in answers] == [(400, "invalid_host")] * 5


def test_a_request_the_http_parser_refuses_is_answered_in_json_malformed(hub: HubProcess) -> None:
    heads = [
        f"Host: 127.0.0.1:{hub.port}\r\nContent-Length: 2\r\nContent-Length: 3",
        f"Host: 127.0.0.1:{hub.port}\r\nContent-Length: ten",
        "Content-Length: 2",  # no Host
    ]
    answers = []
    for head in heads:
        with connect(hub) as sock:
            sock.sendall(f"POST /api/v1/outlets HTTP/1.1\r\n{head}\r\n\r\n{{}}".encode())
            answers.append(read_answer(sock))

    for answer in answers:
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400")
        assert b"content-type: application/json" in head.lower()
        assert httpx.Response(400, content=body).json()["code"] == "malformed"


def _log_says(hub: HubProcess, *lines: str) -> str:
    """Which of ``lines`` the hub's log holds first (polled for up to 10 s), or ''."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        tail = hub.log_tail(20_000)
        for line in lines:
            if line in tail:
                return line
        time.sleep(0.05)  # polling the log of a running process, not waiting for a result
    return ""


def test_a_client_that_leaves_before_its_body_arrived_is_not_logged_as_a_bug(
    hub: HubProcess,
) -> None:
    head = (
        f"POST /api/v1/outlets HTTP/1.1\r\nHost: 127.0.0.1:{hub.port}\r\n"
        "Authorization: Bearer demo-admin-token-not-for-production\r\n"
        "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
    )
    with connect(hub) as sock:
        sock.sendall(head.encode())
        sock.shutdown(socket.SHUT_WR)
        while sock.recv(65536):
            pass

    said = _log_says(hub, "a client left before its request body", "unhandled error")

    assert said == "a client left before its request body"
    assert httpx.get(f"{hub.url}/health").status_code == 200
