"""Wake-ups of waiting pulls over in-memory channels (one hub process)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.memory import MemoryChannelsBackend

from cloud_hub.http.live import ChannelWakeups, wakeups_for
from cloud_hub.settings import HubSettings

#: Far longer than a wake-up takes: reaching it means no wake-up came.
PATIENCE_S = 5.0


@pytest.fixture
async def wakeups() -> AsyncIterator[ChannelWakeups]:
    wakeups = wakeups_for(HubSettings(database_url="sqlite:///unused"))
    async with wakeups.plugin:
        yield wakeups
    await wakeups.close()


async def test_a_notify_wakes_a_listener_of_its_channel(wakeups: ChannelWakeups) -> None:
    async with wakeups.listen(["o:outlet-1", "t:tenant-1"]) as listener:
        wakeups.notify(["o:outlet-1"])

        woken = await listener.wait(PATIENCE_S)

    assert woken


async def test_a_listener_is_not_woken_by_another_outlet(wakeups: ChannelWakeups) -> None:
    async with wakeups.listen(["o:outlet-1"]) as listener:
        wakeups.notify(["o:outlet-2"])

        woken = await listener.wait(0.05)

    assert not woken


async def test_every_listener_of_a_channel_is_woken(wakeups: ChannelWakeups) -> None:
    async with wakeups.listen(["o:outlet-1"]) as first, wakeups.listen(["o:outlet-1"]) as second:
        wakeups.notify(["o:outlet-1"])

        woken = await asyncio.gather(first.wait(PATIENCE_S), second.wait(PATIENCE_S))

    assert woken == [True, True]


async def test_a_wake_up_is_consumed_by_the_wait_it_ends(wakeups: ChannelWakeups) -> None:
    async with wakeups.listen(["o:outlet-1"]) as listener:
        wakeups.notify(["o:outlet-1"])
        first = await listener.wait(PATIENCE_S)

        second = await listener.wait(0.05)

    assert (first, second) == (True, False)


async def test_hubs_with_other_channel_prefixes_do_not_hear_each_other() -> None:
    settings = HubSettings(database_url="sqlite:///unused", channel_prefix="hub-a")
    wakeups = wakeups_for(settings)
    other = ChannelWakeups(wakeups.plugin, "hub-b")
    async with wakeups.plugin, wakeups.listen(["o:outlet-1"]) as listener:
        other.notify(["o:outlet-1"])

        woken = await listener.wait(0.05)

    assert not woken


async def test_a_notify_while_the_channels_are_stopped_is_dropped_and_logged(caplog) -> None:
    wakeups = wakeups_for(HubSettings(database_url="sqlite:///unused"))

    wakeups.notify(["o:outlet-1"])
    await asyncio.gather(*wakeups._sending)

    assert "a wake-up was not published" in caplog.text


class FailsOnce(MemoryChannelsBackend):
    """In-memory channels whose first subscribe fails, as Redis does while it is down."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    async def subscribe(self, channels) -> None:
        if not self.failed:
            self.failed = True
            raise ConnectionError("Redis is down")
        await super().subscribe(channels)


async def test_a_pull_that_could_not_listen_answers_at_once_and_the_next_one_listens() -> None:
    wakeups = ChannelWakeups(ChannelsPlugin(FailsOnce(), arbitrary_channels_allowed=True), "p")
    async with wakeups.plugin:
        async with wakeups.listen(["o:outlet-1"]) as deaf:
            first = await deaf.wait(PATIENCE_S)

        async with wakeups.listen(["o:outlet-1"]) as listener:
            wakeups.notify(["o:outlet-1"])
            second = await listener.wait(PATIENCE_S)

    assert (first, second) == (False, True)
