"""Wake-ups of waiting pulls over litestar channels (``cloud_hub.services.live``).

With ``POS_HUB_REDIS_URL`` the channels are Redis pub/sub, so a push served by one hub
process wakes the pulls waiting in every other; without it they live in memory, which
serves one process. Channel names are the hub's ``channel_prefix`` plus the scope.

A wake-up is a hint, never data: when Redis cannot be reached, a publish is dropped (and
logged) and a pull that cannot listen answers at once with what it read, so the device
falls back to its timer; nothing is lost and no request fails for it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from litestar.channels import ChannelsPlugin
from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from litestar.channels.subscriber import Subscriber
from redis.asyncio import Redis
from redis.exceptions import RedisError

from cloud_hub.services.live import Listener
from cloud_hub.settings import HubSettings

log = logging.getLogger(__name__)
#: Wake-ups kept per waiting pull before older ones are dropped (one is enough).
_BACKLOG = 8
#: What a failed Redis call raises: redis' own errors and the socket's.
_FAILURES = (RedisError, OSError)


class _Woken:
    """A listener fed by a channels subscriber."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    async def on_event(self, _data: bytes) -> None:
        self._event.set()

    async def wait(self, timeout_s: float) -> bool:
        try:
            await asyncio.wait_for(self._event.wait(), timeout_s)
        except TimeoutError:
            return False
        self._event.clear()
        return True


class _Deaf:
    """The listener of a pull that could not subscribe: it answers at once."""

    async def wait(self, timeout_s: float) -> bool:
        return False


class ChannelWakeups:
    """:class:`cloud_hub.services.live.Wakeups` over a litestar ``ChannelsPlugin``."""

    def __init__(self, plugin: ChannelsPlugin, prefix: str, redis: Redis | None = None) -> None:
        self.plugin = plugin
        self._prefix = prefix
        self._redis = redis
        self._sending: set[asyncio.Task[None]] = set()
        self._listening: set[Subscriber] = set()

    async def close(self) -> None:
        """Close the Redis connections (after the plugin stopped)."""
        if self._redis is not None:
            await self._redis.aclose()

    def _names(self, channels: Sequence[str]) -> list[str]:
        return [f"{self._prefix}:{channel}" for channel in channels]

    @asynccontextmanager
    async def listen(self, channels: Sequence[str]) -> AsyncIterator[Listener]:
        names = self._names(channels)
        try:
            subscriber = await self.plugin.subscribe(names)
        except _FAILURES as exc:
            log.warning("a waiting pull cannot listen for wake-ups: %s", exc)
            self._forget_failed(names)
            yield _Deaf()
            return
        self._listening.add(subscriber)
        woken = _Woken()
        try:
            async with subscriber.run_in_background(woken.on_event, join=False):
                yield woken
        finally:
            self._listening.discard(subscriber)
            try:
                await self.plugin.unsubscribe(subscriber, names)
            except _FAILURES as exc:
                log.warning("a waiting pull could not stop listening: %s", exc)

    def _forget_failed(self, names: list[str]) -> None:
        """Drop the subscriber a failed subscribe left registered in the plugin.

        ``ChannelsPlugin.subscribe`` registers the subscriber before it asks the backend,
        and asks the backend only for a channel nobody listens on: left there, it would
        keep the channel from ever being subscribed again once Redis is back.
        """
        registered = self.plugin._channels  # no public way to undo a failed subscribe
        for name in names:
            kept = {s for s in registered.get(name, set()) if s in self._listening}
            if kept:
                registered[name] = kept
            else:
                registered.pop(name, None)

    def notify(self, channels: Sequence[str]) -> None:
        task = asyncio.get_running_loop().create_task(self._publish(self._names(channels)))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _publish(self, names: list[str]) -> None:
        try:
            await self.plugin.wait_published(b"1", names)
        except (*_FAILURES, RuntimeError) as exc:  # RuntimeError: channels not running
            log.warning("a wake-up was not published: %s", exc)


def wakeups_for(settings: HubSettings) -> ChannelWakeups:
    """The wake-ups of a hub application: Redis pub/sub when ``settings.redis_url`` is
    set, else in memory. Its ``plugin`` goes into the application's plugins."""
    redis: Redis | None = None
    backend: ChannelsBackend = MemoryChannelsBackend()
    if settings.redis_url is not None:
        redis = Redis.from_url(settings.redis_url)
        backend = RedisChannelsPubSubBackend(redis=redis)
    plugin = ChannelsPlugin(
        backend,
        arbitrary_channels_allowed=True,
        subscriber_max_backlog=_BACKLOG,
        subscriber_backlog_strategy="dropleft",
    )
    return ChannelWakeups(plugin, settings.channel_prefix, redis)
