"""Hub writes take their locks in the push's order, so they never deadlock with a push.

ADR 0007: a push locks the device row, then the batch's entities, then the scope
counter. A hub write that also touches a device row (a forced sign-out) must take that
row before the counter, or a push of that device and the sign-out each wait for the
other. Only PostgreSQL has row locks; SQLite runs one writer at a time.
"""

from __future__ import annotations

import asyncio

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from cloud_hub.services import devices, hub_writer, sync_devices, tenancy
from cloud_hub.store.oplog import outlet_scope, store_ops
from cloud_hub.store.schema import migrate
from tests.hub_rows import NOW_MS, OpMaker, bodies, seed

pytestmark = pytest.mark.parametrize(
    "engine", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


async def _wait_for_lock_wait(engine: AsyncEngine, statement: str) -> None:
    """Return once another session waits for a lock in a statement starting so."""
    query = sa.text(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND query LIKE :statement"
    )
    for _ in range(300):
        async with engine.connect() as conn:
            if (await conn.execute(query, {"statement": statement + "%"})).scalar_one():
                return
        await asyncio.sleep(0.01)


async def test_a_forced_sign_out_during_a_push_of_that_device_does_not_deadlock(
    engine: AsyncEngine,
) -> None:
    await migrate(engine)
    (till,) = await seed(engine, 1)
    maker = OpMaker(till)

    async def sign_out() -> None:
        async with engine.begin() as conn:
            tenant = await tenancy.tenant_by_id(conn, till.tenant_id)
            await devices.sign_out(conn, tenant, till.device_id, now_ms=NOW_MS)

    async with engine.begin() as conn:
        device = await sync_devices.authenticate(conn, till.token)
        await sync_devices.lock_for_push(conn, device, now_ms=NOW_MS)
        signing_out = asyncio.create_task(sign_out())
        await _wait_for_lock_wait(engine, "UPDATE devices")
        last = await store_ops(
            conn,
            tenant_id=till.tenant_id,
            outlet_id=till.outlet_id,
            scope=outlet_scope(till.outlet_id),
            ops=bodies([maker.event("ticket", "t1", "line_added", {"qty": 1})]),
            now_ms=NOW_MS,
        )
        await sync_devices.record_push(conn, device, last_applied_seq=1, checkpoint=last)

    await asyncio.wait_for(signing_out, timeout=30)
    assert last == 1


async def test_a_hub_write_in_an_outlet_scope_during_a_push_there_does_not_deadlock(
    engine: AsyncEngine,
) -> None:
    # A conflict resolution: the tenant's writer lock, then the outlet's scope counter,
    # while a push holding that counter updates its device row (a foreign-key check on
    # the tenant row) before it commits.
    await migrate(engine)
    (till,) = await seed(engine, 1)
    maker = OpMaker(till)

    async def resolve() -> None:
        async with engine.begin() as conn:
            tenant = await tenancy.tenant_by_id(conn, till.tenant_id)
            outlet = await tenancy.outlet_by_id(conn, tenant, till.outlet_id)
            await hub_writer.lock_writer(conn, tenant)
            await hub_writer.write_fields(
                conn, tenant, outlet, ("ticket", "t2"), {"table": "T9"}, now_ms=NOW_MS
            )

    async with engine.begin() as conn:
        device = await sync_devices.authenticate(conn, till.token)
        await sync_devices.lock_for_push(conn, device, now_ms=NOW_MS)
        last = await store_ops(
            conn,
            tenant_id=till.tenant_id,
            outlet_id=till.outlet_id,
            scope=outlet_scope(till.outlet_id),
            ops=bodies([maker.event("ticket", "t1", "line_added", {"qty": 1})]),
            now_ms=NOW_MS,
        )
        resolving = asyncio.create_task(resolve())
        await _wait_for_lock_wait(engine, "UPDATE scope_counters")
        await sync_devices.record_push(conn, device, last_applied_seq=1, checkpoint=last)

    await asyncio.wait_for(resolving, timeout=30)
    assert last == 1
