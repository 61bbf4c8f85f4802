"""Commit sequences under concurrent pushes, on SQLite and on PostgreSQL.

Several devices of two outlets push at once, through two engines on PostgreSQL (two hub
processes on one database). Every scope's commit sequences must come out gapless and
increasing in each device's order, a reader must never see a gap (no lower number
commits after a higher one is visible), and no projection update may be lost when two
outlets write the same entity at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from cloud_hub.domain.kept import Resumed
from cloud_hub.domain.push import PushItem
from cloud_hub.services import sync
from cloud_hub.store.models import entities, ops
from cloud_hub.store.oplog import outlet_scope
from cloud_hub.store.schema import migrate
from sync_protocol import Op, Replica
from tests.hub_rows import NOW_MS, HubDevice, OpMaker, add_device, add_outlet

PUSHES = 8
BATCH = 25


@pytest.fixture
async def engines(engine: AsyncEngine) -> AsyncIterator[list[AsyncEngine]]:
    """The test's engine, plus a second one on PostgreSQL: another hub process."""
    await migrate(engine)
    if engine.dialect.name != "postgresql":
        yield [engine]
        return
    async with engine.connect() as conn:
        search_path = (await conn.execute(sa.text("SHOW search_path"))).scalar_one()
    other = create_async_engine(
        engine.url, connect_args={"server_settings": {"search_path": search_path}}
    )
    try:
        yield [engine, other]
    finally:
        await other.dispose()


async def test_concurrent_pushes_commit_gapless_increasing_sequences(
    engines: list[AsyncEngine],
) -> None:
    hub = engines[0]
    async with hub.begin() as conn:
        first = await add_outlet(conn, "demo", "DEMO1")
        second = await add_outlet(conn, "demo", "DEMO2", tenant_id=first.tenant_id)
        devices = [await add_device(conn, first, f"D0{n}") for n in range(1, 4)]
        devices += [await add_device(conn, second, f"D0{n}") for n in range(1, 3)]
    sent: list[Op] = []
    done = asyncio.Event()

    async def sell(index: int, device: HubDevice) -> None:
        maker = OpMaker(device)
        for _ in range(PUSHES):
            batch: list[Op] = []
            for n in range(BATCH):
                if n % 5 == 0:  # the same staff member's entity, from both outlets
                    batch.append(maker.event("staff", "s1", "signed_in", {"n": n}))
                else:
                    # Each outlet counts its own stock: an outlet writes only its entities.
                    item = f"item-{device.outlet_id}-{n % 4}"
                    batch.append(maker.counter("stock_item", item, "on_hand", -1))
            sent.extend(batch)
            engine = engines[index % len(engines)]
            items = [PushItem(op) for op in batch]
            answer = await sync.push(engine, device.token, device.uuid, items, clock=lambda: NOW_MS)
            assert answer.last_applied_seq == maker.seq

    gaps: list[list[int]] = []

    async def watch(scope: str) -> None:
        query = sa.select(ops.c.commit_seq).where(ops.c.scope == scope)
        while not done.is_set():
            async with engines[-1].connect() as conn:
                seen = sorted(row[0] for row in await conn.execute(query))
            if seen != list(range(1, len(seen) + 1)):
                gaps.append(seen)
            await asyncio.sleep(0)

    watchers = [asyncio.create_task(watch(outlet_scope(first.outlet_id)))]
    await asyncio.gather(*(sell(i, d) for i, d in enumerate(devices)))
    done.set()
    await asyncio.gather(*watchers)

    assert gaps == []
    async with hub.connect() as conn:
        stored = list(await conn.execute(sa.select(ops)))
    for where, count in ((first, 3), (second, 2)):
        in_scope = [row for row in stored if row.scope == outlet_scope(where.outlet_id)]
        assert sorted(row.commit_seq for row in in_scope) == list(
            range(1, count * PUSHES * BATCH + 1)
        )
    for device in devices:
        mine = sorted(
            (row.device_seq, row.commit_seq) for row in stored if row.device_id == device.device_id
        )
        assert [seq for seq, _ in mine] == list(range(1, PUSHES * BATCH + 1))
        assert [commit for _, commit in mine] == sorted(commit for _, commit in mine)
    replica = Replica()
    for op in sent:
        replica.apply(op)
    async with hub.connect() as conn:
        kept = {
            (row.entity, row.entity_id): row.merged
            for row in await conn.execute(sa.select(entities))
        }
    # Every counter's total, kept by each writer in turn, has every delta.
    assert kept == {(s.entity, s.entity_id): Resumed(s, complete=True).keep() for s in replica}
