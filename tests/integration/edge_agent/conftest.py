"""A real demo agent process per test module, and a cashier signed in on it with the
drawer open (cash goes only into an open drawer session)."""

from __future__ import annotations

import httpx
import pytest

from tests.processes import AgentProcess, running_agent


@pytest.fixture(scope="module")
def agent(tmp_path_factory) -> AgentProcess:
    with running_agent(tmp_path_factory.mktemp("till")) as agent:
        yield agent


@pytest.fixture(scope="module")
def cashier(agent) -> httpx.Client:
    token = httpx.post(f"{agent.api}/auth/pin", json={"pin": "1111"}).json()["token"]
    with httpx.Client(base_url=agent.api, headers={"Authorization": f"Bearer {token}"}) as client:
        assert client.post("/drawer/open", json={"float": 0}).status_code == 201
        yield client
