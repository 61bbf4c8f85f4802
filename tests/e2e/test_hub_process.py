"""The hub as a real process: started by its command line, answering over real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import pytest

from tests.processes import free_port, wait_until_up

pytestmark = pytest.mark.slow


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
