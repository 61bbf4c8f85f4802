"""What keeps one client from starving the others: rate limits and bounded body reads.

``RateLimiter`` is a set of in-memory token buckets, one per key (a client address or
a device credential's digest), kept per hub process: with N processes a client may get
N times the rate. ``read_body`` reads a request body chunk by chunk from the ASGI
channel and stops at a byte limit or a deadline, so an oversized or trickled body never
sits whole in memory or holds a request open.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from cloud_hub.services.errors import RateLimited
from cloud_hub.settings import Limits

#: A client address may send this many times a device's sync rate (tills behind one NAT).
ADDRESS_FACTOR = 5
#: Keys remembered per limiter; the least recently seen are forgotten first.
MAX_KEYS = 10_000


class BodyTooLarge(Exception):
    """The body is over the route's limit."""


class BodyTooSlow(Exception):
    """The body did not arrive whole before the deadline, or the client went away."""


class RateLimiter:
    """Token buckets: ``per_min`` requests a minute, bursts of half a minute's worth."""

    def __init__(self, per_min: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = per_min / 60.0
        self._burst = max(1.0, per_min / 2.0)
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str) -> int | None:
        """Spend one token of ``key``'s bucket.

        Returns:
            None when the request may pass; else the whole seconds to wait.
        """
        now = self._clock()
        tokens, last = self._buckets.pop(key, (self._burst, now))
        tokens = min(self._burst, tokens + (now - last) * self._rate)
        if tokens >= 1.0:
            self._buckets[key] = (tokens - 1.0, now)
            self._evict()
            return None
        self._buckets[key] = (tokens, now)
        return max(1, math.ceil((1.0 - tokens) / self._rate))

    def _evict(self) -> None:
        while len(self._buckets) > MAX_KEYS:
            self._buckets.popitem(last=False)


async def read_body(
    receive: Callable[[], Awaitable[Any]],
    *,
    limit: int,
    timeout_s: float,
    content_length: str | None,
) -> bytes:
    """The request body, read in chunks, never more than ``limit`` bytes.

    Raises:
        BodyTooLarge: ``Content-Length`` or the bytes received pass ``limit``.
        BodyTooSlow: the body is not whole after ``timeout_s``, or the client left.
    """
    if content_length is not None and content_length.isdigit() and int(content_length) > limit:
        raise BodyTooLarge
    deadline = time.monotonic() + timeout_s
    chunks: list[bytes] = []
    size = 0
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BodyTooSlow
        try:
            message = await asyncio.wait_for(receive(), remaining)
        except TimeoutError:
            raise BodyTooSlow from None
        if message["type"] == "http.disconnect":
            raise BodyTooSlow
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class ClientLimits:
    """The hub process's limiters and body deadline, kept on ``app.state.limits``."""

    def __init__(self, limits: Limits) -> None:
        self.sync_by_credential = RateLimiter(limits.sync_rate_per_min)
        self.sync_by_address = RateLimiter(limits.sync_rate_per_min * ADDRESS_FACTOR)
        self.enroll_by_address = RateLimiter(limits.enroll_rate_per_min)
        self.body_timeout_s = limits.body_timeout_s
        self.pull_wait_s = limits.pull_wait_s


def client_limits(state: State) -> ClientLimits:
    """The application's limits (the defaults when the state holds none)."""
    limits: ClientLimits | None = state.get("limits")
    if limits is None:
        limits = state["limits"] = ClientLimits(Limits())
    return limits


def address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """The client's address, the key of per-address limits."""
    return connection.client.host if connection.client else "unknown"


def check_enroll_rate(connection: ASGIConnection[Any, Any, Any, Any], _: object) -> None:
    """Guard: at most ``enroll_rate_per_min`` enrollment attempts per client address.

    Raises:
        RateLimited: over the rate.
    """
    wait = client_limits(connection.app.state).enroll_by_address.take(address(connection))
    if wait is not None:
        raise RateLimited("too many enrollment attempts from this address; retry later", wait)


class BodyDeadline:
    """ASGI middleware: a request body not whole ``timeout_s`` after the request began
    raises ``BodyTooSlow`` in whoever reads it (answered 408 ``request_timeout``)."""

    def __init__(self, app: ASGIApp, timeout_s: float) -> None:
        self.app = app
        self.timeout_s = timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        deadline = time.monotonic() + self.timeout_s
        body_done = False

        async def bounded() -> Any:
            nonlocal body_done
            if body_done:  # e.g. a streaming response listening for a disconnect
                return await receive()
            remaining = deadline - time.monotonic()
            try:
                message = await asyncio.wait_for(receive(), max(remaining, 0.001))
            except TimeoutError:
                raise BodyTooSlow from None
            body_done = not message.get("more_body", False)
            return message

        await self.app(scope, bounded, send)
