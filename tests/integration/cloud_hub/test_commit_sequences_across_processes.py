"""Commit sequences keep their promise across hub processes on one PostgreSQL.

Two hub applications, each on its own engine (its own connection pool, as two
``pos-hub serve`` processes have), take pushes from several devices of one outlet at
once, while another device pulls through both in turn. If a lower commit sequence could
commit after a higher one was visible, the puller's cursor would pass it and the op
would never reach it: every pushed op must arrive, once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
import sqlalchemy as sa

from cloud_hub.http.app import create_app
from cloud_hub.settings import HubSettings, Limits
from cloud_hub.store.engine import create_engine
from cloud_hub.store.models import ops as ops_table
from sync_protocol import PullRequest, PullResponse, PushRequest, PushResponse
from tests.hub_rows import HubDevice
from tests.integration.cloud_hub.admin_harness import BASE, Hub, running_hub
from tests.integration.cloud_hub.test_sync_http import call, enroll, maker

pytestmark = pytest.mark.postgres
DEVICES = 4
BATCHES = 8
OPS_PER_BATCH = 5


@asynccontextmanager
async def second_process(hub: Hub, postgres_url: str) -> AsyncIterator[Hub]:
    """Another hub application on the same database, with its own engine."""
    async with hub.engine.connect() as conn:
        schema = (await conn.execute(sa.text("SHOW search_path"))).scalar_one()
    url = postgres_url.replace("postgresql://", "postgresql+asyncpg://", 1)
    engine = create_engine(url, connect_args={"server_settings": {"search_path": schema}})
    settings = HubSettings(database_url="sqlite:///unused", limits=Limits(sync_rate_per_min=1e9))
    app = create_app(settings, engine=engine, clock=hub.clock)
    try:
        async with (
            app.state.wakeups.plugin,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client,
        ):
            yield Hub(client, hub.clock, engine, app)
    finally:
        await engine.dispose()


async def push_batches(hubs: list[Hub], device: HubDevice, index: int) -> set[str]:
    ops = maker(hubs[0], device)
    sent: set[str] = set()
    for batch in range(BATCHES):
        edits = [
            ops.field("ticket", f"{device.code}-{batch}-{n}", {"table": "T1"})
            for n in range(OPS_PER_BATCH)
        ]
        hub = hubs[(index + batch) % 2]
        status, answer, _ = await call(
            hub, "push", PushRequest(device_id=device.uuid, ops=edits), device
        )
        assert status == 200, answer
        assert isinstance(answer, PushResponse)
        sent |= {str(op.op_id) for op in edits}
    return sent


async def pull_until(hubs: list[Hub], device: HubDevice, done: asyncio.Event) -> list[str]:
    """Pull through both processes in turn until the pushes are done and nothing is left."""
    cursor, seen, turn = None, [], 0
    while True:
        finished = done.is_set()
        while True:
            turn += 1
            _, page, _ = await call(hubs[turn % 2], "pull", PullRequest(cursor=cursor), device)
            assert isinstance(page, PullResponse), page
            seen += [str(op.op_id) for op in page.ops if op.entity == "ticket"]
            cursor = page.cursor
            if not page.has_more:
                break
        if finished:
            return seen
        await asyncio.sleep(0)  # let the pushers run between pulls


async def test_no_lower_commit_sequence_commits_after_a_higher_one_is_visible(
    tmp_path, postgres_url: str
) -> None:
    async with running_hub(tmp_path, postgres_url) as first:
        admin = await first.tenant("acme")
        await first.outlet(admin, "NBO1")
        pushers = [await enroll(first, admin, f"D0{n}") for n in range(1, DEVICES + 1)]
        reader = await enroll(first, admin, "D09")
        async with second_process(first, postgres_url) as second:
            hubs = [first, second]
            done = asyncio.Event()
            puller = asyncio.create_task(pull_until(hubs, reader, done))

            sent = await asyncio.gather(
                *(push_batches(hubs, device, i) for i, device in enumerate(pushers))
            )
            done.set()
            seen = await puller

        async with first.engine.connect() as conn:
            query = (
                sa.select(ops_table.c.commit_seq)
                .where(ops_table.c.scope.like("o:%"))
                .order_by(ops_table.c.commit_seq)
            )
            sequences = list((await conn.execute(query)).scalars())

    pushed = set().union(*sent)
    assert len(pushed) == DEVICES * BATCHES * OPS_PER_BATCH
    assert sorted(seen) == sorted(pushed)
    assert len(seen) == len(set(seen))
    assert sequences == list(range(1, len(pushed) + 1))
