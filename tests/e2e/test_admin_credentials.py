"""Admin credentials on real hub processes: the demo token lives only while --demo runs,
and a token revoked with ``pos-hub token revoke`` is refused by the running hub."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.processes import HubProcess

pytestmark = pytest.mark.slow

DEMO_TOKEN = "demo-admin-token-not-for-production"  # what `pos-hub serve --demo` prints


def outlets(hub: HubProcess, token: str) -> httpx.Response:
    return httpx.get(
        f"{hub.url}/api/v1/outlets", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


def test_the_demo_token_stops_working_when_the_hub_restarts_without_demo(tmp_path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}"
    hub = HubProcess(url, log_path=tmp_path / "hub.log")
    hub.start()
    try:
        with_demo = outlets(hub, DEMO_TOKEN)
    finally:
        hub.stop()
    plain = HubProcess(url, port=hub.port, log_path=tmp_path / "hub-plain.log", demo=False)
    plain.start()
    try:
        without_demo = outlets(plain, DEMO_TOKEN)
    finally:
        plain.stop()

    assert with_demo.status_code == 200
    assert [o["code"] for o in with_demo.json()] == ["DEMO1"]
    assert without_demo.status_code == 401
    assert without_demo.json()["code"] == "demo_token_refused"


def test_a_token_revoked_from_the_cli_is_refused_by_the_running_hub(tmp_path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}"
    hub = HubProcess(url, log_path=tmp_path / "hub.log", demo=False)
    hub.cli("tenant", "create", "acme", "--name", "Acme")
    created = hub.cli("token", "create", "--tenant", "acme", "--name", "night manager")
    token_id = re.search(r"admin token (\S+) for tenant acme", created)
    secret = re.search(r"token \(shown once\): (\S+)", created)
    assert token_id is not None
    assert secret is not None
    hub.start()
    try:
        before = outlets(hub, secret.group(1))
        hub.cli("token", "revoke", token_id.group(1))
        after = outlets(hub, secret.group(1))
    finally:
        hub.stop()

    assert before.status_code == 200
    assert after.status_code == 401
    assert after.json()["code"] == "admin_token_revoked"
