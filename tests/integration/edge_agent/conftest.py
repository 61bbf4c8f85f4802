"""A real demo agent process per test module, and a cashier signed in on it with the
drawer open (cash goes only into an open drawer session); or a till with three real
printers (:class:`~tests.integration.edge_agent.print_till.Till`) and a cashier on it."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.edge_agent.print_till import Till, sign_in
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


@pytest.fixture(scope="module")
def till(tmp_path_factory) -> Till:
    till = Till(tmp_path_factory.mktemp("printing") / "till")
    till.agent.start()
    yield till
    till.stop()


@pytest.fixture(scope="module")
def till_cashier(till) -> httpx.Client:
    with sign_in(till.agent, "1111") as client:
        yield client
