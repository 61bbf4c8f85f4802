"""The hub as a real process: started by its command line, answering over real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, process: subprocess.Popen[str], timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"hub exited early: {process.communicate()}")
        try:
            httpx.get(url, timeout=1)
        except httpx.TransportError:
            time.sleep(0.05)  # polling a starting process, not waiting for a result
            continue
        return
    raise AssertionError(f"hub did not answer at {url} within {timeout_s} s")


def test_pos_hub_serve_answers_health_and_openapi(tmp_path) -> None:
    port = free_port()
    env = {**os.environ, "POS_HTTP_PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "-m", "cloud_hub.cli", "serve", "--demo"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", process)

        health = httpx.get(f"http://127.0.0.1:{port}/health")
        schema = httpx.get(f"http://127.0.0.1:{port}/schema/openapi.json")
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)

    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert health.json()["protocol_version"] == 1
    assert "/health" in schema.json()["paths"]
    assert f"http://127.0.0.1:{port}" in out
