"""Operations survive both hub stores unchanged, and the stores order them as we do.

The hub keeps packed HLCs in a signed 64-bit column, ids in UUID columns, the op body as
MessagePack bytes and as a JSON document. These tests pin that contract on SQLite and on
PostgreSQL before any store code is built on it.
"""

from __future__ import annotations

import uuid

import msgspec
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from sync_protocol import (
    JSON,
    MSGPACK,
    CounterDelta,
    Event,
    FieldEdit,
    Op,
    Replica,
    StatusChange,
    Tombstone,
    uuid7,
)
from sync_protocol.hlc import LOGICAL_MASK, MAX_WALL_MS, pack

metadata = sa.MetaData()
op_log = sa.Table(
    "op_log",
    metadata,
    sa.Column("op_id", sa.Uuid, primary_key=True),
    sa.Column("device_id", sa.Uuid, nullable=False),
    sa.Column("device_seq", sa.BigInteger, nullable=False),
    sa.Column("hlc", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("doc", sa.JSON, nullable=False),
    sa.UniqueConstraint("device_id", "device_seq"),
)

DEVICE_A = uuid.UUID("0193a6d4-0000-7000-8000-00000000000a")
DEVICE_B = uuid.UUID("0193a6d4-0000-7000-8000-00000000000b")


def history() -> list[Op]:
    def env(n: int, device: uuid.UUID, hlc: int, entity: str, entity_id: str) -> dict:
        return {
            "op_id": uuid7(1_750_000_000_000 + n, random_bits=n),
            "tenant": "demo",
            "outlet": "DEMO1",
            "device_id": device,
            "device_seq": n,
            "hlc": hlc,
            "entity": entity,
            "entity_id": entity_id,
        }

    first = FieldEdit(
        **env(1, DEVICE_A, pack(1_750_000_000_000, 0), "ticket", "t1"), changes={"table": "T4"}
    )
    return [
        first,
        FieldEdit(
            **env(2, DEVICE_B, pack(1_750_000_000_000, 3), "ticket", "t1"),
            changes={"table": "T5", "covers": 2, "notes": "Café: no ice — x2 €"},
            base={"table": first.op_id},
        ),
        Event(
            **env(3, DEVICE_A, pack(1_750_000_000_001, 0), "ticket", "t1"),
            name="line_added",
            data={"sku": "LATTE", "qty": 2, "unit_price": 35000, "modifiers": [{"name": "oat"}]},
        ),
        StatusChange(**env(4, DEVICE_A, pack(1_750_000_000_002, 0), "ticket", "t1"), status="paid"),
        CounterDelta(
            **env(5, DEVICE_B, pack(1_750_000_000_002, 1), "product", "p1"),
            counter="on_hand",
            delta=-(1 << 62),
        ),
        Tombstone(
            **env(6, DEVICE_B, pack(MAX_WALL_MS, LOGICAL_MASK), "product", "p2"), reason="gone"
        ),
    ]


def row(op: Op) -> dict:
    return {
        "op_id": op.op_id,
        "device_id": op.device_id,
        "device_seq": op.device_seq,
        "hlc": op.hlc,
        "kind": op.kind,
        "body": MSGPACK.encode(op),
        "doc": msgspec.json.decode(JSON.encode(op)),
    }


async def store(engine: AsyncEngine, ops: list[Op]) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(op_log.insert(), [row(op) for op in ops])


async def test_ops_read_back_from_the_store_equal_what_was_written(engine: AsyncEngine) -> None:
    written = history()
    await store(engine, written)

    async with engine.connect() as conn:
        rows = (await conn.execute(sa.select(op_log.c.body, op_log.c.doc))).all()

    from_body = {op.op_id: op for op in (MSGPACK.decode(r.body, Op) for r in rows)}
    from_doc = {op.op_id: op for op in (JSON.decode(JSON.encode(r.doc), Op) for r in rows)}
    assert from_body == from_doc == {op.op_id: op for op in written}


async def test_the_store_orders_packed_hlcs_as_the_protocol_does(engine: AsyncEngine) -> None:
    written = history()
    await store(engine, list(reversed(written)))

    async with engine.connect() as conn:
        hlcs = (await conn.execute(sa.select(op_log.c.hlc).order_by(op_log.c.hlc))).scalars().all()

    assert hlcs == sorted(op.hlc for op in written)
    assert hlcs[-1] == (1 << 63) - 1


async def test_a_replica_rebuilt_from_the_store_has_the_writers_state_hash(
    engine: AsyncEngine,
) -> None:
    written = history()
    original = Replica()
    for op in written:
        original.apply(op)
    await store(engine, written)

    rebuilt = Replica()
    async with engine.connect() as conn:
        for body in (
            await conn.execute(sa.select(op_log.c.body).order_by(op_log.c.hlc.desc()))
        ).scalars():
            rebuilt.apply(MSGPACK.decode(body, Op))

    assert rebuilt.state_hash() == original.state_hash()
    assert len(rebuilt.conflicts()) == 0


async def test_a_device_cannot_log_two_ops_at_one_seq(engine: AsyncEngine) -> None:
    first, second, *_ = history()
    clash = msgspec.structs.replace(second, device_id=first.device_id, device_seq=first.device_seq)
    await store(engine, [first])

    async with engine.connect() as conn:
        with pytest.raises(sa.exc.IntegrityError):
            await conn.execute(op_log.insert(), [row(clash)])
        await conn.rollback()
        count = (await conn.execute(sa.select(sa.func.count()).select_from(op_log))).scalar_one()

    assert count == 1
