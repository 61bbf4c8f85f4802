"""Restored devices on the hub's real stores (SQLite and PostgreSQL): the handshake proves
the device's log and the hub's agree at the boundary, a push repeating a sequence with
another op is refused, and a diverged device gets a successor identity.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from cloud_hub.domain.push import PushItem
from cloud_hub.services import successors, sync
from cloud_hub.services.errors import DeviceRevoked, NotDiverged, ResetRequired, Unauthorized
from cloud_hub.store.models import devices, ops
from cloud_hub.store.schema import migrate
from sync_protocol import PROTOCOL_VERSION, SCHEMA_VERSION, Handshake, Op, PushResponse, uuid7
from sync_protocol.recovery import KnownOpsRequest, SuccessorGranted, SuccessorRequest
from tests.hub_rows import NOW_MS, HubDevice, OpMaker, add_device, add_outlet, device_row, seed


def clock() -> int:
    return NOW_MS


@pytest.fixture
async def hub(engine: AsyncEngine) -> AsyncEngine:
    await migrate(engine)
    return engine


async def push(engine: AsyncEngine, device: HubDevice, batch: list[Op]) -> PushResponse:
    items = [PushItem(op) for op in batch]
    return await sync.push(engine, device.token, device.uuid, items, clock=clock)


async def pushed(engine: AsyncEngine, count: int = 4) -> tuple[HubDevice, OpMaker, list[Op]]:
    """A till of a fresh outlet that pushed ``count`` line events."""
    till, _ = await seed(engine)
    maker = OpMaker(till)
    batch = [maker.event("ticket", "t1", "line_added") for _ in range(count)]
    await push(engine, till, batch)
    return till, maker, batch


def shake(device: HubDevice, last_seq: int, acked_seq: int = 0, acked: Op | None = None):
    return Handshake(
        protocol_version=PROTOCOL_VERSION,
        schema_version=SCHEMA_VERSION,
        device_id=device.uuid,
        device_clock_ms=NOW_MS,
        device_hlc=0,
        last_seq=last_seq,
        acked_seq=acked_seq,
        acked_op_id=acked.op_id if acked is not None else None,
    )


def another_op_id() -> uuid.UUID:
    return uuid7(NOW_MS)


async def successor(
    engine: AsyncEngine, device: HubDevice, successor_id: uuid.UUID, last_seq: int, **proof
) -> SuccessorGranted:
    request = SuccessorRequest(
        device_id=device.uuid, successor_id=successor_id, last_seq=last_seq, **proof
    )
    async with engine.begin() as conn:
        return await successors.grant_successor(conn, device.token, request, now_ms=NOW_MS)


def as_device(old: HubDevice, granted: SuccessorGranted) -> HubDevice:
    return HubDevice(
        str(granted.device_id),
        granted.credential,
        granted.device_code,
        old.tenant_id,
        old.tenant,
        old.outlet_id,
        old.outlet,
    )


# The handshake proof


async def test_a_handshake_that_names_the_op_the_hub_holds_gets_the_hubs_op_at_its_mark(
    hub: AsyncEngine,
) -> None:
    till, _maker, batch = await pushed(hub)

    accepted = await sync.handshake(hub, till.token, shake(till, 6, 2, batch[1]), clock=clock)

    assert accepted.last_applied_seq == 4
    assert accepted.last_applied_op_id == batch[3].op_id
    assert (await device_row(hub, till)).diverged_ms is None


async def test_a_handshake_that_names_another_op_at_its_acked_seq_is_refused_and_recorded(
    hub: AsyncEngine,
) -> None:
    till, maker, _batch = await pushed(hub)
    restored = maker.event("ticket", "t9", "line_added", device_seq=2)

    with pytest.raises(ResetRequired, match="restored"):
        await sync.handshake(hub, till.token, shake(till, 9, 2, restored), clock=clock)

    assert (await device_row(hub, till)).diverged_ms == NOW_MS


async def test_a_quarantined_op_is_the_op_the_hub_holds_at_its_sequence(
    hub: AsyncEngine,
) -> None:
    till, _ = await seed(hub)
    maker = OpMaker(till)
    batch = [
        maker.event("ticket", "t1", "line_added"),
        maker.field("ref.product", "p1", {"doc": {}}),
        maker.event("ticket", "t1", "line_added"),
    ]
    answer = await push(hub, till, batch)

    accepted = await sync.handshake(hub, till.token, shake(till, 3, 2, batch[1]), clock=clock)

    assert [r.status for r in answer.results] == ["applied", "quarantined", "applied"]
    assert accepted.last_applied_op_id == batch[2].op_id


async def test_a_device_that_never_pushed_is_accepted_with_no_op_at_its_mark(
    hub: AsyncEngine,
) -> None:
    till, _ = await seed(hub)

    accepted = await sync.handshake(hub, till.token, shake(till, 3), clock=clock)

    assert (accepted.last_applied_seq, accepted.last_applied_op_id) == (0, None)


# Pushes that repeat a sequence


async def test_a_push_repeating_a_sequence_with_another_op_is_refused_and_applies_nothing(
    hub: AsyncEngine,
) -> None:
    till, _, _ = await pushed(hub, 3)
    restored = OpMaker(till, seq=1)
    batch = [restored.event("ticket", "t9", "line_added") for _ in range(3)]

    with pytest.raises(ResetRequired, match="op 2"):
        await push(hub, till, batch)

    device = await device_row(hub, till)
    async with hub.connect() as conn:
        stored = await conn.scalar(sa.select(sa.func.count()).select_from(ops))
    assert (device.last_applied_seq, device.diverged_ms, stored) == (3, NOW_MS, 3)


async def test_a_push_repeating_the_hubs_own_ops_is_still_answered_duplicate(
    hub: AsyncEngine,
) -> None:
    till, maker, batch = await pushed(hub, 3)

    again = await push(hub, till, [*batch, maker.event("ticket", "t1", "line_added")])

    assert [r.status for r in again.results] == ["duplicate"] * 3 + ["applied"]
    assert (await device_row(hub, till)).diverged_ms is None


# Successors


async def test_a_device_behind_the_hub_gets_a_successor_and_is_retired(hub: AsyncEngine) -> None:
    till, _, _ = await pushed(hub)
    successor_id = uuid7(NOW_MS)

    granted = await successor(hub, till, successor_id, last_seq=2)

    new = as_device(till, granted)
    old = await device_row(hub, till)
    accepted = await sync.handshake(hub, new.token, shake(new, 0), clock=clock)
    assert (granted.device_id, granted.device_code) == (successor_id, "D01R1")
    assert (granted.previous_device_id, granted.previous_device_code) == (till.uuid, "D01")
    assert (old.status, old.successor_id, old.retired_ms) == ("retired", str(successor_id), NOW_MS)
    assert accepted.last_applied_seq == 0
    with pytest.raises(DeviceRevoked, match="retired"):
        await sync.handshake(hub, till.token, shake(till, 4), clock=clock)


async def test_a_device_proving_another_op_at_a_sequence_gets_a_successor(
    hub: AsyncEngine,
) -> None:
    till, _, _ = await pushed(hub)

    granted = await successor(
        hub, till, uuid7(NOW_MS), last_seq=9, proof_seq=4, proof_op_id=another_op_id()
    )

    assert granted.device_code == "D01R1"


async def test_a_device_in_step_with_the_hub_gets_no_successor(hub: AsyncEngine) -> None:
    till, _maker, batch = await pushed(hub)

    with pytest.raises(NotDiverged):
        await successor(
            hub, till, uuid7(NOW_MS), last_seq=6, proof_seq=4, proof_op_id=batch[3].op_id
        )

    assert (await device_row(hub, till)).status == "active"


async def test_a_retried_successor_request_gets_the_same_successor_until_it_syncs(
    hub: AsyncEngine,
) -> None:
    till, _, _ = await pushed(hub)
    successor_id = uuid7(NOW_MS)
    lost = await successor(hub, till, successor_id, last_seq=1)

    retried = await successor(hub, till, successor_id, last_seq=1)
    new = as_device(till, retried)
    await sync.handshake(hub, new.token, shake(new, 0), clock=clock)

    assert (retried.device_id, retried.device_code) == (lost.device_id, lost.device_code)
    assert retried.credential != lost.credential
    with pytest.raises(Unauthorized):
        await sync.handshake(hub, lost.credential, shake(as_device(till, lost), 0), clock=clock)
    with pytest.raises(DeviceRevoked, match="synced since"):
        await successor(hub, till, successor_id, last_seq=1)


async def test_a_successor_code_is_one_no_device_of_the_outlet_ever_had(
    hub: AsyncEngine,
) -> None:
    async with hub.begin() as conn:
        where = await add_outlet(conn)
        till = await add_device(conn, where, "D01")
        await add_device(conn, where, "D01R1", status="retired")
    maker = OpMaker(till)
    await push(hub, till, [maker.event("ticket", "t1", "line_added") for _ in range(2)])

    granted = await successor(hub, till, uuid7(NOW_MS), last_seq=0)

    async with hub.connect() as conn:
        codes = sorted(row[0] for row in await conn.execute(sa.select(devices.c.code)))
    assert granted.device_code == "D01R2"
    assert codes == ["D01", "D01R1", "D01R2"]


async def test_the_hub_says_which_op_ids_it_holds_applied_or_quarantined(
    hub: AsyncEngine,
) -> None:
    till, _ = await seed(hub)
    maker = OpMaker(till)
    applied = maker.event("ticket", "t1", "line_added")
    held_aside = maker.field("ref.product", "p1", {"doc": {}})
    await push(hub, till, [applied, held_aside])
    never_sent = another_op_id()

    async with hub.begin() as conn:
        answer = await successors.known_ops(
            conn,
            till.token,
            KnownOpsRequest(op_ids=[never_sent, held_aside.op_id, applied.op_id]),
        )

    assert answer.known == [held_aside.op_id, applied.op_id]
