"""The command-line contract: --help everywhere, exit 2 on bad usage, 1 on failure."""

from __future__ import annotations

import pytest

from cloud_hub import cli as hub_cli
from cloud_hub.settings import HubSettings
from edge_agent import cli as agent_cli


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


def test_a_command_not_yet_available_fails_with_one_line(capsys) -> None:
    code = agent_cli.main(["status"])

    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1
    assert "status" in err


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
