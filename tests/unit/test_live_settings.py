"""The live-update settings of both programs, read from the environment."""

from __future__ import annotations

import pytest

from cloud_hub.settings import HubSettings
from edge_agent.settings import AgentSettings


def test_the_hub_reads_its_redis_url_channel_prefix_and_pull_wait() -> None:
    env = {
        "POS_HUB_REDIS_URL": "redis://cache:6379/2",
        "POS_HUB_CHANNEL_PREFIX": "hub-eu",
        "POS_HUB_PULL_WAIT_S": "5",
    }

    settings = HubSettings.from_env(env)

    assert (settings.redis_url, settings.channel_prefix) == ("redis://cache:6379/2", "hub-eu")
    assert settings.limits.pull_wait_s == 5.0
    assert "cache" not in repr(settings)  # a Redis URL may carry a password


def test_without_redis_the_hub_wakes_pulls_in_memory_under_its_own_prefix() -> None:
    settings = HubSettings.from_env({})

    assert (settings.redis_url, settings.channel_prefix) == (None, "pos-hub")
    assert settings.limits.pull_wait_s == 10.0


def test_the_agent_waits_ten_seconds_by_default_and_zero_turns_live_updates_off() -> None:
    default = AgentSettings.from_env(env={})
    off = AgentSettings.from_env(env={"POS_AGENT_LIVE_WAIT_S": "0"})

    assert (default.live_wait_s, off.live_wait_s) == (10.0, 0.0)


@pytest.mark.parametrize("value", ["31", "-1", "soon"])
def test_an_agent_wait_beyond_the_protocol_s_bound_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="POS_AGENT_LIVE_WAIT_S"):
        AgentSettings.from_env(env={"POS_AGENT_LIVE_WAIT_S": value})
