"""The rules of pairing codes and of the guard against guessing them."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge_agent.domain.pairing import (
    CODE_DIGITS,
    FAILURE_WINDOW_MS,
    MAX_FAILURES,
    code_from_number,
    digest,
    normalise_code,
    refused_until,
)
from edge_agent.settings import AgentSettings


def test_a_code_has_eight_digits_with_leading_zeros_kept() -> None:
    assert code_from_number(42) == "00000042"
    assert len(code_from_number(10**CODE_DIGITS - 1)) == CODE_DIGITS


@pytest.mark.parametrize(
    ("typed", "code"),
    [("12345678", "12345678"), ("1234 5678", "12345678"), ("1234-5678", "12345678")],
)
def test_a_code_is_read_as_typed_with_spaces_or_a_dash(typed, code) -> None:
    assert normalise_code(typed) == code


@pytest.mark.parametrize("typed", ["1234567", "123456789", "1234abcd", "١٢٣٤٥٦٧٨", ""])
def test_what_cannot_be_a_code_is_no_code(typed) -> None:
    assert normalise_code(typed) is None


def test_claims_are_refused_after_the_fifth_failure_until_the_oldest_leaves_the_window() -> None:
    failures = [1_000 * n for n in range(MAX_FAILURES)]
    now = failures[-1] + 1

    assert refused_until(failures[:-1], now) is None
    assert refused_until(failures, now) == failures[0] + FAILURE_WINDOW_MS
    assert refused_until(failures, failures[0] + FAILURE_WINDOW_MS) is None


def test_what_is_stored_of_a_secret_is_its_sha256_not_the_secret() -> None:
    assert digest("12345678") != "12345678"
    assert len(digest("12345678")) == 64


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "[::1]"])
def test_a_loopback_host_serves_plain_http_with_no_lan_listener(host) -> None:
    settings = AgentSettings(Path("d"), host=host)

    assert not settings.lan
    assert settings.lan_problem() is None


@pytest.mark.parametrize("host", ["192.168.1.20", "0.0.0.0", "127.0.0.2", "till-3.lan"])
def test_any_other_host_needs_tls(host) -> None:
    names = ("till-3.lan",)
    bare = AgentSettings(Path("d"), host=host, host_names=names)
    own = AgentSettings(Path("d"), host=host, self_signed=True, host_names=names)
    given = AgentSettings(
        Path("d"), host=host, tls_cert=Path("c"), tls_key=Path("k"), host_names=names
    )

    assert bare.lan
    assert "needs TLS" in (bare.lan_problem() or "")
    assert own.lan_problem() is None
    assert given.lan_problem() is None


def test_the_lan_listener_takes_port_4124_unless_told() -> None:
    env = {"POS_AGENT_TLS_SELF_SIGNED": "1", "POS_AGENT_LAN_PORT": "8443"}

    default = AgentSettings.from_env({}, data_dir="d", host="0.0.0.0", port=5000)
    told = AgentSettings.from_env(env, data_dir="d", host="0.0.0.0")

    assert default.lan_listener_port == 4124
    assert told.lan_listener_port == 8443
    assert told.self_signed
    assert AgentSettings(Path("d"), "0.0.0.0", 5000, self_signed=True, lan_port=5000).lan_problem()


def test_a_wildcard_host_needs_the_names_tablets_use() -> None:
    unnamed = AgentSettings(Path("d"), host="0.0.0.0", self_signed=True)
    named = AgentSettings(Path("d"), host="0.0.0.0", self_signed=True, host_names=("till-3.lan",))

    assert "POS_AGENT_HOST_NAMES" in (unnamed.lan_problem() or "")
    assert named.lan_problem() is None
    assert named.lan_url == "https://till-3.lan:4124"


def test_an_ipv6_host_is_served_by_its_address_and_bracketed_in_urls() -> None:
    settings = AgentSettings(Path("d"), host="[fd00::20]", self_signed=True)

    assert settings.served_names == ("fd00::20",)
    assert settings.lan_url == "https://[fd00::20]:4124"
