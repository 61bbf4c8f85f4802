"""Wake-ups across hub processes through Redis pub/sub (``POS_HUB_REDIS_URL``).

Two channel setups on one Redis stand for two hub processes; each test has its own
channel prefix, so parallel test workers do not hear each other.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from cloud_hub.http.live import ChannelWakeups, wakeups_for
from cloud_hub.settings import HubSettings
from tests.processes import free_port

pytestmark = pytest.mark.redis
#: What a test waits for a wake-up at most.
BOUND_S = 5.0


@asynccontextmanager
async def hub_process(redis_url: str, prefix: str) -> AsyncIterator[ChannelWakeups]:
    settings = HubSettings(
        database_url="sqlite:///unused", redis_url=redis_url, channel_prefix=prefix
    )
    wakeups = wakeups_for(settings)
    async with wakeups.plugin:
        yield wakeups
    await wakeups.close()


async def woken_within(listener, notify, bound_s: float) -> bool:
    """Notify until the listener wakes or ``bound_s`` passes: a Redis SUBSCRIBE takes
    effect a moment after it is sent, and a wake-up before that is not heard."""
    deadline = time.monotonic() + bound_s
    while time.monotonic() < deadline:
        notify()
        if await listener.wait(0.1):
            return True
    return False


async def test_a_push_in_one_hub_process_wakes_a_pull_waiting_in_another(
    redis_url: str, channel_prefix: str
) -> None:
    async with (
        hub_process(redis_url, channel_prefix) as first,
        hub_process(redis_url, channel_prefix) as second,
        second.listen(["o:outlet-1"]) as listener,
    ):
        woken = await woken_within(listener, lambda: first.notify(["o:outlet-1"]), BOUND_S)

    assert woken


async def test_another_outlet_s_push_does_not_wake_it(redis_url: str, channel_prefix: str) -> None:
    async with (
        hub_process(redis_url, channel_prefix) as first,
        hub_process(redis_url, channel_prefix) as second,
        second.listen(["o:outlet-1", "o:outlet-2"]) as probe,
        second.listen(["o:outlet-1"]) as listener,
    ):
        # Once the probe hears outlet-2, the listener's subscription is live too.
        assert await woken_within(probe, lambda: first.notify(["o:outlet-2"]), BOUND_S)

        woken = await listener.wait(0.2)

    assert not woken


async def test_without_redis_a_pull_does_not_wait_and_a_push_is_not_refused(
    channel_prefix: str, caplog
) -> None:
    unreachable = f"redis://127.0.0.1:{free_port()}/0"

    async with hub_process(unreachable, channel_prefix) as hub:
        hub.notify(["o:outlet-1"])
        async with hub.listen(["o:outlet-1"]) as listener:
            started = time.monotonic()
            woken = await listener.wait(BOUND_S)
            waited = time.monotonic() - started

    assert not woken
    assert waited < BOUND_S
    assert "cannot listen for wake-ups" in caplog.text
