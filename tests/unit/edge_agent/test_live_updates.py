"""The agent's live updates: a waiting pull, a sync run when it returns ops, the timer
otherwise. The hub is an ``httpx.MockTransport``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
import pytest

from edge_agent.sync.live import Endpoint, LiveUpdates
from sync_protocol import MSGPACK, ErrorMessage, PullRequest, PullResponse
from tests.hub_rows import HubDevice, OpMaker

Hub = Callable[[httpx.Request], Awaitable[httpx.Response]]
DEVICE = HubDevice("0190a1a2-0000-7000-8000-000000000001", "cred", "D02", "", "demo", "", "DEMO1")


def answer(message: object, status: int = 200) -> httpx.Response:
    return httpx.Response(
        status, content=MSGPACK.encode(message), headers={"content-type": MSGPACK.content_type}
    )


class World:
    """The live task's collaborators: what it read, what it asked, what it ran."""

    def __init__(self, hub: Hub, *, online: bool = True, sync_ok: bool = True) -> None:
        self.requests: list[PullRequest] = []
        self.syncs = 0
        self.is_online = online
        self.sync_ok = sync_ok

        async def handle(request: httpx.Request) -> httpx.Response:
            self.requests.append(MSGPACK.decode(request.content, PullRequest))
            return await hub(request)

        self.live = LiveUpdates(
            endpoint=lambda: Endpoint("http://hub", "cred", "cursor-1"),
            online=lambda: self.is_online,
            sync=self._sync,
            wait_s=10.0,
            rest_s=3600.0,
            transport=httpx.MockTransport(handle),
        )

    def _sync(self) -> bool:
        self.syncs += 1
        return self.sync_ok


async def with_op(_: httpx.Request) -> httpx.Response:
    op = OpMaker(DEVICE).field("ticket", "t1", {"table": "T4"})
    return answer(PullResponse(ops=[op], cursor="cursor-2", has_more=False))


async def empty_at_once(_: httpx.Request) -> httpx.Response:
    return answer(PullResponse(ops=[], cursor="cursor-1", has_more=False))


async def test_a_waiting_pull_that_returns_an_op_starts_a_sync_run() -> None:
    world = World(with_op)

    rest = await world.live.step()
    await world.live.stop()

    assert world.syncs == 1
    assert not rest
    assert world.requests == [PullRequest(cursor="cursor-1", limit=1, wait_ms=10_000)]


async def test_a_failed_run_after_a_live_update_rests_on_the_timer() -> None:
    world = World(with_op, sync_ok=False)

    rest = await world.live.step()
    await world.live.stop()

    assert (world.syncs, rest) == (1, True)


async def test_while_the_timer_s_runs_fail_no_pull_waits() -> None:
    world = World(with_op, online=False)

    rest = await world.live.step()

    assert (rest, world.requests, world.syncs) == (True, [], 0)


async def test_a_refusal_falls_back_to_the_timer() -> None:
    async def refuse(_: httpx.Request) -> httpx.Response:
        return answer(ErrorMessage(code="rate_limited", message="slow down"), 429)

    world = World(refuse)

    rest = await world.live.step()
    await world.live.stop()

    assert (rest, world.syncs) == (True, 0)


async def test_an_unreachable_hub_falls_back_to_the_timer() -> None:
    async def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    world = World(down)

    rest = await world.live.step()
    await world.live.stop()

    assert (rest, world.syncs) == (True, 0)


async def test_a_hub_that_answers_empty_at_once_is_not_polled_again_at_once() -> None:
    world = World(empty_at_once)

    rest = await world.live.step()
    await world.live.stop()

    assert (rest, world.syncs) == (True, 0)


async def test_an_answer_that_is_no_sync_message_falls_back_to_the_timer() -> None:
    async def proxy_page(_: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text="<html>bad gateway</html>")

    world = World(proxy_page)

    rest = await world.live.step()
    await world.live.stop()

    assert (rest, world.syncs) == (True, 0)


@pytest.mark.timeout(10)
async def test_stopping_ends_a_waiting_pull_at_once() -> None:
    entered = asyncio.Event()

    async def hold(_: httpx.Request) -> httpx.Response:
        entered.set()
        await asyncio.Event().wait()  # a hub holding the pull past any test's patience
        raise AssertionError("unreachable")

    world = World(hold)
    world.live.start()
    await entered.wait()

    await world.live.stop()

    assert (len(world.requests), world.syncs) == (1, 0)


@pytest.mark.timeout(10)
async def test_a_till_that_comes_online_after_start_waits_at_the_hub_without_a_timer_tick() -> None:
    asked = asyncio.Event()

    async def hold(_: httpx.Request) -> httpx.Response:
        asked.set()
        await asyncio.Event().wait()  # a hub holding the pull past the test
        raise AssertionError("unreachable")

    world = World(hold, online=False)  # rest_s is an hour: only the online check can help
    world.live.start()
    await asyncio.sleep(0)  # the task finds the till offline
    world.is_online = True

    await asyncio.wait_for(asked.wait(), 5)
    await world.live.stop()

    assert world.requests == [PullRequest(cursor="cursor-1", limit=1, wait_ms=10_000)]
