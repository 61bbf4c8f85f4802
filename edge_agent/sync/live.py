"""Live updates: while the hub answers, a pull waits at the hub for the outlet's other
devices' ops, and a sync run follows as soon as it returns with some.

One asyncio task on the agent's event loop (``docs/sync-protocol.md`` §8, ADR 0025):

1. while the timer's runs fail (or none ran yet), it only looks every second whether
   they succeed again: the timer and its backoff sync alone;
2. otherwise it sends ``PullRequest(cursor, limit=1, wait_ms)`` with the stored cursor;
   the hub holds it until another device's op commits or the wait runs out (10 s by
   default, under the client's and the hub's timeouts);
3. an answer with an op starts a pull on a worker thread (``SyncRunner.pull_now``: page
   by page, each page in one short transaction with its cursor, so sales never wait for
   it; no handshake or push, which each commit starts anyway), then polls again from the
   cursor that pull stored;
4. an error, or an empty answer that came back long before the wait (a hub that does
   not hold pulls), makes it rest (the sync interval, at most 30 s): never a request
   per second.

Nothing is applied from the waiting pull itself: it only says "there is something", so
the cursor is written by sync runs alone. Stopping cancels the waiting request at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from edge_agent.sync.errors import HubBadAnswer, HubRefused, HubUnreachable, SyncError
from sync_protocol import MSGPACK, DecodeError, ErrorMessage, PullRequest, PullResponse

log = logging.getLogger(__name__)
#: While the timer's runs fail, how often the task looks whether they succeed again (a
#: local check: nothing is sent).
OFFLINE_CHECK_S = 1.0


@dataclass(frozen=True, slots=True)
class Endpoint:
    """Where and as whom to wait, and from which cursor."""

    url: str
    credential: str
    cursor: str | None


class LiveUpdates:
    """Holds a waiting pull while the hub answers; runs a sync when ops arrive.

    Args:
        endpoint: the hub URL, credential and stored cursor (read on a worker thread).
        online: whether the timer's last run succeeded (live updates only then).
        sync: pull now (blocking; run on a worker thread); True when it succeeded.
        wait_s: how long each pull asks the hub to hold it.
        rest_s: how long to rest after an error or an answer that did not wait.
        transport: an httpx transport for tests.
        clock: monotonic seconds.
    """

    def __init__(
        self,
        *,
        endpoint: Callable[[], Endpoint],
        online: Callable[[], bool],
        sync: Callable[[], bool],
        wait_s: float,
        rest_s: float,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._endpoint = endpoint
        self._online = online
        self._sync = sync
        self.wait_s = wait_s
        self.rest_s = rest_s
        self._transport = transport
        self._clock = clock
        self._task: asyncio.Task[None] | None = None
        self._http: httpx.AsyncClient | None = None
        self._http_for: tuple[str, str] | None = None
        self._running: asyncio.Future[bool] | None = None
        #: Waiting pulls sent, and the sync runs they started.
        self.polls = 0
        self.runs = 0

    def start(self) -> None:
        """Start the task on the running event loop."""
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        """Cancel the task (a waiting pull ends at once), wait for a sync run it started
        (stop the runner first: the run then ends at its next page), and close the
        connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task  # the task ends by this cancellation, nothing else
            self._task = None
        if self._running is not None:
            await asyncio.wait([self._running])
            self._running = None
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def _loop(self) -> None:
        while True:
            if not self._online():
                await asyncio.sleep(min(self.rest_s, OFFLINE_CHECK_S))
            elif await self.step():
                await asyncio.sleep(self.rest_s)

    async def step(self) -> bool:
        """One wait (and the run it starts); True when the loop should rest after it."""
        if not self._online():
            return True
        try:
            where = await asyncio.to_thread(self._endpoint)
            started = self._clock()
            page = await self._wait(where)
        except SyncError as exc:
            log.info("live updates rest: %s", exc)
            return True
        if page.ops or page.has_more or page.reset:
            self.runs += 1
            self._running = asyncio.get_running_loop().run_in_executor(None, self._sync)
            try:
                # Shielded: a stop waits for the run to end rather than leave it behind.
                return not await asyncio.shield(self._running)
            except Exception:
                log.exception("a sync run after a live update failed")
                return True
        # An empty answer long before the wait ran out: the hub does not hold pulls.
        return self._clock() - started < self.wait_s / 2

    async def _wait(self, where: Endpoint) -> PullResponse:
        request = PullRequest(cursor=where.cursor, limit=1, wait_ms=int(self.wait_s * 1000))
        self.polls += 1
        try:
            client = await self._client(where)
            response = await client.post("/sync/v1/pull", content=MSGPACK.encode(request))
        except httpx.HTTPError as exc:
            raise HubUnreachable(f"the waiting pull got no answer: {exc!r}") from exc
        try:
            answer = MSGPACK.decode_message(response.content)
        except DecodeError as exc:
            raise HubBadAnswer(f"HTTP {response.status_code} is not a sync message") from exc
        if isinstance(answer, ErrorMessage):
            raise HubRefused(answer.code, answer.message, status=response.status_code)
        if not isinstance(answer, PullResponse):
            raise HubBadAnswer(f"the pull answered {type(answer).__name__}")
        return answer

    async def _client(self, where: Endpoint) -> httpx.AsyncClient:
        key = (where.url, where.credential)
        if self._http is None or self._http_for != key:
            if self._http is not None:  # re-enrolled: another hub or credential
                await self._http.aclose()
            self._http = httpx.AsyncClient(
                base_url=where.url.rstrip("/"),
                transport=self._transport,
                timeout=httpx.Timeout(self.wait_s + 20, connect=5.0),
                headers={
                    "Authorization": f"Bearer {where.credential}",
                    "Content-Type": MSGPACK.content_type,
                    "Accept": MSGPACK.content_type,
                },
            )
            self._http_for = key
        return self._http
