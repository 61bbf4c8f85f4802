"""The hub as a real process: started by its command line, answering over real HTTP."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid

import httpx
import pytest

from tests.processes import free_port, wait_until_up

pytestmark = pytest.mark.slow


def test_pos_hub_serve_demo_prints_its_url_token_and_codes_that_work(tmp_path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
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
        wait_until_up(f"{base}/health", process)
        health = httpx.get(f"{base}/health")
        schema = httpx.get(f"{base}/schema/openapi.json")
        metrics = httpx.get(f"{base}/metrics")
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
    token = re.search(r"admin token: (\S+)", out)
    code = re.search(r"enrollment code for DEMO1-D02: (\S+)", out)

    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert health.json()["protocol_version"] == 1
    assert "/health" in schema.json()["paths"]
    assert "pos_hub_ops_total" in metrics.text
    assert f"hub URL: {base}" in out
    assert token is not None
    assert code is not None
    assert (tmp_path / "var" / "hub.sqlite3").exists()


def start_demo_hub(tmp_path, port: int) -> tuple[subprocess.Popen[str], str]:
    """``pos-hub serve --demo`` in ``tmp_path``; returns it and what it printed at start."""
    env = {**os.environ, "POS_HTTP_PORT": str(port)}
    process = subprocess.Popen(
        [sys.executable, "-m", "cloud_hub.cli", "serve", "--demo"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    wait_until_up(f"http://127.0.0.1:{port}/health", process)
    printed = ""
    while "DEMO1-D02" not in printed:  # the demo lines follow the URL lines
        printed += process.stdout.readline()  # type: ignore[union-attr]
    return process, printed


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    process.communicate(timeout=10)


def test_the_printed_demo_credentials_work_and_survive_a_restart(tmp_path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process, printed = start_demo_hub(tmp_path, port)
    try:
        code = re.search(r"DEMO1-D02: (\S+)", printed).group(1)  # type: ignore[union-attr]
        enrolled = httpx.post(
            f"{base}/api/v1/enroll", json={"code": code, "device_id": str(uuid.uuid4())}
        )
    finally:
        stop(process)
    process, printed_again = start_demo_hub(tmp_path, port)  # same database: seeded again
    try:
        token = re.search(r"admin token: (\S+)", printed_again).group(1)  # type: ignore[union-attr]
        devices = httpx.get(f"{base}/api/v1/devices", headers={"Authorization": f"Bearer {token}"})
    finally:
        stop(process)

    assert enrolled.status_code == 201
    assert enrolled.json()["tenant"]["slug"] == "demo"
    assert "DEMO1-D02: (already enrolled)" in printed_again
    assert re.search(r"DEMO1-D01: \S{4}-\S{4}-\S{2}", printed_again)
    assert [d["code"] for d in devices.json()] == ["D02"]
