"""``pos-hub serve --workers N``: several hub processes on one port and one PostgreSQL,
each with the transport limits the command was given."""

from __future__ import annotations

import socket

import httpx
import pytest

from tests.e2e.sync_world import fresh_database
from tests.processes import HubProcess

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_worker_processes_serve_and_close_a_silent_connection_after_the_idle_timeout(
    tmp_path, postgres_url: str
) -> None:
    database_url = fresh_database("postgres", tmp_path, postgres_url)
    hub = HubProcess(
        database_url, demo=False, serve_args=("--workers", "2"),
        env={"POS_HUB_IDLE_TIMEOUT_S": "1"},
    )  # fmt: skip
    hub.start()
    try:
        health = [httpx.get(f"{hub.url}/health", timeout=10) for _ in range(4)]
        with socket.create_connection(("127.0.0.1", hub.port), timeout=10) as silent:
            closed = silent.recv(1) == b""  # the worker closes it; 10 s would be a timeout
    finally:
        hub.stop()

    assert [answer.status_code for answer in health] == [200] * 4
    assert closed
    assert "POS_HUB_REDIS_URL is not set" in hub.log_tail()
