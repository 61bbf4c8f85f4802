"""Long-poll pulls (``PullRequest.wait_ms``) over real ASGI HTTP, on SQLite and PostgreSQL.

A pull that finds nothing new waits until another device of its outlet pushes, and then
answers with that device's ops; the test bounds every wait far below the hub's own, so a
pull that returned in time was woken, not timed out.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import pytest

from cloud_hub.services.live import Listener, Wakeups
from sync_protocol import PullRequest, PullResponse, PushRequest
from tests.hub_rows import HubDevice
from tests.integration.cloud_hub.admin_harness import Hub, auth
from tests.integration.cloud_hub.test_sync_http import call, enroll, maker

#: What the test waits for a woken pull; the hub would hold it longer (HUB_WAIT_MS).
BOUND_S = 5.0
HUB_WAIT_MS = 30_000


class Listening:
    """The hub's wake-ups, telling the test when a pull has started to listen."""

    def __init__(self, inner: Wakeups) -> None:
        self.inner = inner
        self.started = asyncio.Event()

    def listen(self, channels: Sequence[str]) -> AbstractAsyncContextManager[Listener]:
        return self._listen(channels)

    @asynccontextmanager
    async def _listen(self, channels: Sequence[str]) -> AsyncIterator[Listener]:
        async with self.inner.listen(channels) as listener:
            self.started.set()
            yield listener

    def notify(self, channels: Sequence[str]) -> None:
        self.inner.notify(channels)


@pytest.fixture
async def admin(hub: Hub) -> str:
    token = await hub.tenant("acme")
    await hub.outlet(token, "NBO1")
    return token


@pytest.fixture
async def till(hub: Hub, admin: str) -> HubDevice:
    return await enroll(hub, admin, "D01")


@pytest.fixture
async def tablet(hub: Hub, admin: str) -> HubDevice:
    return await enroll(hub, admin, "D02")


@pytest.fixture
def listening(hub: Hub) -> Listening:
    hub.app.state.limits.pull_wait_s = HUB_WAIT_MS / 1000
    spy = Listening(hub.app.state.wakeups)
    hub.app.state.wakeups = spy
    return spy


async def head(hub: Hub, device: HubDevice) -> str:
    """The device's cursor after everything committed so far."""
    _, page, _ = await call(hub, "pull", PullRequest(), device)
    return str(page.cursor)


async def test_a_waiting_pull_answers_when_another_device_of_the_outlet_pushes(
    hub: Hub, till: HubDevice, tablet: HubDevice, listening: Listening
) -> None:
    cursor = await head(hub, tablet)
    waiting = asyncio.create_task(
        call(hub, "pull", PullRequest(cursor=cursor, wait_ms=HUB_WAIT_MS), tablet)
    )
    await asyncio.wait_for(listening.started.wait(), BOUND_S)
    line = maker(hub, till).field("ticket", "t1", {"table": "T4"})

    await call(hub, "push", PushRequest(device_id=till.uuid, ops=[line]), till)
    status, page, _ = await asyncio.wait_for(waiting, BOUND_S)

    assert status == 200
    assert isinstance(page, PullResponse)
    assert page.ops == [line]


async def test_a_device_s_own_push_does_not_end_its_wait(
    hub: Hub, till: HubDevice, tablet: HubDevice, listening: Listening
) -> None:
    cursor = await head(hub, till)
    waiting = asyncio.create_task(
        call(hub, "pull", PullRequest(cursor=cursor, wait_ms=HUB_WAIT_MS), till)
    )
    await asyncio.wait_for(listening.started.wait(), BOUND_S)
    own = maker(hub, till).field("ticket", "t1", {"table": "T4"})
    other = maker(hub, tablet).field("ticket", "t2", {"table": "T5"})

    await call(hub, "push", PushRequest(device_id=till.uuid, ops=[own]), till)
    await call(hub, "push", PushRequest(device_id=tablet.uuid, ops=[other]), tablet)
    _, page, _ = await asyncio.wait_for(waiting, BOUND_S)

    assert page.ops == [other]


async def test_a_waiting_pull_with_ops_ready_answers_at_once(
    hub: Hub, till: HubDevice, tablet: HubDevice, listening: Listening
) -> None:
    cursor = await head(hub, tablet)
    line = maker(hub, till).field("ticket", "t1", {"table": "T4"})
    await call(hub, "push", PushRequest(device_id=till.uuid, ops=[line]), till)

    _, page, _ = await asyncio.wait_for(
        call(hub, "pull", PullRequest(cursor=cursor, wait_ms=HUB_WAIT_MS), tablet), BOUND_S
    )

    assert page.ops == [line]
    assert not listening.started.is_set()


async def test_a_wait_that_nothing_ends_answers_an_empty_page_at_the_hub_s_bound(
    hub: Hub, tablet: HubDevice, listening: Listening
) -> None:
    hub.app.state.limits.pull_wait_s = 0.2
    cursor = await head(hub, tablet)

    status, page, _ = await asyncio.wait_for(
        call(hub, "pull", PullRequest(cursor=cursor, wait_ms=HUB_WAIT_MS), tablet), BOUND_S
    )

    assert status == 200
    assert (page.ops, page.has_more, page.cursor) == ([], False, cursor)
    assert listening.started.is_set()


async def test_a_wait_beyond_the_protocol_s_bound_is_refused(hub: Hub, tablet: HubDevice) -> None:
    status, answer, _ = await call(
        hub, "pull", {"type": "pull", "wait_ms": 30_001}, tablet, body=None
    )

    assert (status, answer.code) == (400, "malformed")


async def test_a_waiting_pull_answers_when_the_hub_changes_reference_data(
    hub: Hub, admin: str, tablet: HubDevice, listening: Listening
) -> None:
    cursor = await head(hub, tablet)
    waiting = asyncio.create_task(
        call(hub, "pull", PullRequest(cursor=cursor, wait_ms=HUB_WAIT_MS), tablet)
    )
    await asyncio.wait_for(listening.started.wait(), BOUND_S)

    changed = await hub.client.put(
        "/api/v1/catalog/category/coffee", json={"name": "Coffee"}, headers=auth(admin)
    )
    _, page, _ = await asyncio.wait_for(waiting, BOUND_S)

    assert changed.status_code == 200, changed.text
    assert [op.entity_id for op in page.ops] == ["coffee"]
