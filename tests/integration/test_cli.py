"""The command-line contract: --help everywhere, exit 2 on bad usage, 1 on failure."""

from __future__ import annotations

import pytest

from cloud_hub import cli as hub_cli
from cloud_hub.settings import HubSettings
from edge_agent import cli as agent_cli
from edge_agent.store import sync_state
from edge_agent.store.gateway import Store


@pytest.mark.parametrize("main", [hub_cli.main, agent_cli.main])
def test_help_exits_zero_and_lists_commands(main, capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--help"])

    assert caught.value.code == 0
    assert "COMMAND" in capsys.readouterr().out


@pytest.mark.parametrize("main", [hub_cli.main, agent_cli.main])
def test_an_unknown_command_is_bad_usage(main, capsys) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["frobnicate"])

    assert caught.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_a_command_that_fails_says_why_in_one_line(tmp_path, capsys) -> None:
    code = agent_cli.main(["--data-dir", str(tmp_path / "new"), "sync"])

    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1
    assert err.startswith("pos-agent sync: no device database")


def test_hub_port_comes_from_pos_http_port_and_flags_win() -> None:
    from_env = HubSettings.from_env({"POS_HTTP_PORT": "5000"})
    from_flag = HubSettings.from_env({"POS_HTTP_PORT": "5000"}, port=6000)

    assert from_env.port == 5000
    assert from_flag.port == 6000
    assert from_env.database_url.startswith("sqlite+aiosqlite:///")


def test_a_bad_hub_port_is_bad_usage(monkeypatch, capsys) -> None:
    monkeypatch.setenv("POS_HTTP_PORT", "99999")

    code = hub_cli.main(["serve"])

    assert code == 2
    assert "out of range" in capsys.readouterr().err


def test_pos_agent_init_then_backup_writes_a_copy(tmp_path, capsys) -> None:
    data_dir = str(tmp_path / "till")
    target = tmp_path / "copy.sqlite3"

    created = agent_cli.main(["--data-dir", data_dir, "init", "--demo"])
    again = agent_cli.main(["--data-dir", data_dir, "init", "--demo"])
    backed_up = agent_cli.main(["--data-dir", data_dir, "backup", "--to", str(target)])

    out = capsys.readouterr().out
    assert (created, again, backed_up) == (0, 0, 0)
    assert "created" in out
    assert "up to date" in out
    assert target.stat().st_size > 0


def test_pos_agent_serve_without_a_database_fails_with_one_line(tmp_path, capsys) -> None:
    code = agent_cli.main(["--data-dir", str(tmp_path / "none"), "serve"])

    err = capsys.readouterr().err
    assert code == 1
    assert "pos-agent init" in err
    assert err.count("\n") == 1


def test_pos_agent_report_needs_a_pin_with_the_reports_right(tmp_path, capsys) -> None:
    data_dir = str(tmp_path / "till")
    agent_cli.main(["--data-dir", data_dir, "init", "--demo"])
    capsys.readouterr()

    cashier = agent_cli.main(["--data-dir", data_dir, "report", "z", "--pin", "1111"])
    cashier_err = capsys.readouterr().err
    manager = agent_cli.main(["--data-dir", data_dir, "report", "x", "--pin", "9999"])
    manager_err = capsys.readouterr().err

    assert cashier == 1
    assert "reports" in cashier_err
    assert manager == 1
    assert "open the drawer" in manager_err


def test_pos_agent_status_shows_unsynced_ops_and_the_drawer(tmp_path, capsys) -> None:
    data_dir = str(tmp_path / "till")
    agent_cli.main(["--data-dir", data_dir, "init", "--demo"])
    capsys.readouterr()

    code = agent_cli.main(["--data-dir", data_dir, "status"])

    out = capsys.readouterr().out
    assert code == 0
    assert "DEMO1-D01" in out
    assert "0 ops, 0 not yet acknowledged" in out
    assert "never opened" in out


def test_pos_agent_status_shows_the_ops_the_hub_holds_and_the_clock_problem(
    tmp_path, capsys
) -> None:
    data_dir = tmp_path / "till"
    agent_cli.main(["--data-dir", str(data_dir), "init", "--demo"])
    store = Store(data_dir / "agent.sqlite3")
    with store.write() as conn:
        sync_state.set_enrolled(conn, "http://hub.test", "epoch-1", 1_000)
        sync_state.quarantine(conn, sync_state.QuarantinedOp("op-1", 1, "clock_drift", "", 1))
        sync_state.record_clock_problem(conn, 1_000, "this device's clock is wrong")
    store.close()
    capsys.readouterr()

    code = agent_cli.main(["--data-dir", str(data_dir), "status"])

    out = capsys.readouterr().out
    assert code == 0
    assert "1 ops held by the hub" in out
    assert "clock problem: this device's clock is wrong" in out
