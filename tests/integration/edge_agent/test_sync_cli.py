"""``pos-agent enroll`` and ``pos-agent sync`` against a fake hub over real HTTP, and a
``pos-agent serve`` process that pushes a sale right after it commits."""

from __future__ import annotations

import subprocess
import time

import httpx
import keyring.core
import pytest
from keyring.backends import null

from edge_agent import cli
from edge_agent.store import oplog
from edge_agent.store.gateway import Store
from tests.fakes import FakeHub, Writer, serve_fake_hub, wall_ms
from tests.processes import AgentProcess, free_port, init_agent


@pytest.fixture(autouse=True)
def no_os_keyring(monkeypatch) -> None:
    """Never touch a developer's real keyring: the file fallback, as in the demo."""
    monkeypatch.setattr(keyring.core, "_keyring_backend", null.Keyring())
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    monkeypatch.delenv("POS_AGENT_HUB_URL", raising=False)


@pytest.fixture
def hub() -> FakeHub:
    return FakeHub()


@pytest.fixture
def hub_url(hub):
    with serve_fake_hub(hub) as url:
        yield url


def agent(data_dir, *args: str) -> int:
    return cli.main(["--data-dir", str(data_dir), *args])


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def own_lines(err: str) -> list[str]:
    """What pos-agent wrote (in-process, stderr may also hold other tests' log noise)."""
    return [line for line in err.splitlines() if line.startswith("pos-agent")]


@pytest.mark.parametrize("command", ["enroll", "sync"])
def test_each_sync_command_has_help(command, capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        cli.main([command, "--help"])

    assert caught.value.code == 0
    assert "usage: pos-agent" in capsys.readouterr().out


def test_enroll_without_a_code_or_with_a_bad_url_is_bad_usage(tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        agent(tmp_path, "enroll", "--hub", "http://hub")

    bad_url = agent(tmp_path, "enroll", "--hub", "hub.example", "--code", "X")

    assert caught.value.code == 2
    assert bad_url == 2
    assert "not an http(s) URL" in capsys.readouterr().err


def test_an_unknown_code_fails_with_one_clear_line(tmp_path, hub_url, capsys) -> None:
    code = agent(tmp_path, "enroll", "--hub", hub_url, "--code", "ZZZZ-ZZZZ-ZZ")

    err = capsys.readouterr().err
    assert code == 1
    assert own_lines(err) == ["pos-agent enroll: unknown, expired or already used enrollment code"]


def test_an_unreachable_hub_fails_with_one_clear_line(tmp_path, capsys) -> None:
    url = f"http://127.0.0.1:{free_port()}"

    code = agent(tmp_path, "enroll", "--hub", url, "--code", "ABCD")

    err = own_lines(capsys.readouterr().err)
    assert code == 1
    assert len(err) == 1
    assert f"the hub at {url} is unreachable" in err[0]


def test_enroll_then_sync_catches_up_with_a_progress_bar(tmp_path, hub, hub_url, capsys) -> None:
    bar = Writer("demo", "DEMO1")
    hub.commit([op for n in range(150) for op in bar.ticket(f"DEMO1-D02-{n:06d}", 100)])

    enrolled = agent(tmp_path, "enroll", "--hub", hub_url, "--code", hub.issue_code("D07"))
    enroll_out = capsys.readouterr()
    synced = agent(tmp_path, "sync")
    sync_out = capsys.readouterr()
    status_code = agent(tmp_path, "status")
    status_out = capsys.readouterr().out

    assert enrolled == 0
    assert "enrolled DEMO1-D07 (demo)" in enroll_out.out
    assert "no OS keyring" in enroll_out.err
    assert synced == 0
    assert "pull  450/450 ops  100%" in sync_out.err
    assert "pulled 450 ops" in sync_out.out
    assert status_code == 0
    assert f"online with {hub_url}" in status_out


def test_sync_fails_with_the_reason_when_the_hub_is_gone(tmp_path, hub, capsys) -> None:
    with serve_fake_hub(hub) as url:
        agent(tmp_path, "enroll", "--hub", url, "--code", hub.issue_code())
    capsys.readouterr()

    code = agent(tmp_path, "sync")

    err = capsys.readouterr().err
    assert code == 1
    assert last_line(err).startswith("pos-agent sync: hub_unreachable: the hub at")


def test_sync_on_a_device_never_enrolled_says_how_to_enroll(tmp_path, capsys) -> None:
    agent(tmp_path, "init", "--demo")
    capsys.readouterr()

    code = agent(tmp_path, "sync")

    assert code == 1
    assert "pos-agent enroll --hub URL --code CODE" in capsys.readouterr().err


def wait_for(condition, timeout_s: float = 15) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)  # polling another process, not waiting for a result


def test_a_serving_agent_pushes_a_sale_right_after_it_commits(
    tmp_path, hub, hub_url, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("POS_AGENT_SYNC_INTERVAL_S", "3600")  # only a kick can explain a push
    init_agent(tmp_path)
    assert agent(tmp_path, "enroll", "--hub", hub_url, "--code", hub.issue_code("D01")) == 0
    serving = AgentProcess(tmp_path, free_port())
    serving.start()
    try:
        wait_for(
            lambda: httpx.get(f"{serving.api}/sync/status", headers=serving.service).json()[
                "online"
            ]
        )
        token = httpx.post(f"{serving.api}/auth/pin", json={"pin": "1111"}).json()["token"]

        ticket = httpx.post(
            f"{serving.api}/tickets",
            json={"kind": "counter"},
            headers={"Authorization": f"Bearer {token}"},
        ).json()

        wait_for(lambda: any(op.entity_id == ticket["id"] for op in hub.outlet_log))
        wait_for(
            lambda: (
                httpx.get(f"{serving.api}/sync/status", headers=serving.service).json()[
                    "pending_ops"
                ]
                == 0
            )
        )
    finally:
        stop_or_kill(serving)


def stop_or_kill(serving: AgentProcess) -> None:
    """SIGTERM (the shutdown hooks must finish in time); SIGKILL so nothing leaks."""
    try:
        serving.stop()
    except subprocess.TimeoutExpired:
        serving.kill()
        raise


def test_a_sync_whose_push_fails_says_so_and_what_it_pulled_all_the_same(
    tmp_path, hub, hub_url, capsys
) -> None:
    agent(tmp_path, "enroll", "--hub", hub_url, "--code", hub.issue_code())
    agent(tmp_path, "sync")
    hub.commit(Writer("demo", "DEMO1").ticket("DEMO1-D02-000009", 15000, 22000))
    store = Store(tmp_path / "agent.sqlite3")
    with store.write() as conn:
        draft = oplog.Draft("event", "memo", "m-1", {"name": "noted", "data": {}})
        oplog.append(conn, [draft], wall_ms)
    store.close()
    hub.refuse("/sync/v1/push", "unavailable")
    capsys.readouterr()

    code = agent(tmp_path, "sync")

    lines = [line for line in own_lines(capsys.readouterr().err) if "sync:" in line]
    assert code == 1
    assert lines[0].startswith("pos-agent sync: unavailable:")
    assert lines[1] == "pos-agent sync: pulled 4 ops all the same"
