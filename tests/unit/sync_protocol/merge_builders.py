"""Hypothesis builders of operation histories made by several devices.

A history is what a set of devices could really have written: each device numbers its
ops gaplessly, stamps them with a strictly increasing HLC, and a field edit's ``base`` is
a write of the same field that came earlier in the history (or none).
"""

from __future__ import annotations

import uuid

from hypothesis import strategies as st

from sync_protocol import (
    CounterDelta,
    Event,
    FieldEdit,
    Op,
    StatusChange,
    Tombstone,
    uuid7,
)
from sync_protocol.lifecycle import TICKET

DEVICES = tuple(uuid.UUID(int=(0xD0 << 120) | n) for n in range(1, 4))
TICKETS = ("t1", "t2")
PRODUCTS = ("p1",)
FIELDS = ("table", "covers", "name")
EVENT_NAMES = ("line_added", "payment_taken", "refund_issued")
BASE_MS = 1_750_000_000_000


def _envelope(
    device: int, seq: int, hlc: int, entity: str, entity_id: str, n: int
) -> dict[str, object]:
    return {
        "op_id": uuid7(BASE_MS + n, random_bits=n),
        "tenant": "demo",
        "outlet": "DEMO1",
        "device_id": DEVICES[device],
        "device_seq": seq,
        "hlc": hlc,
        "entity": entity,
        "entity_id": entity_id,
    }


@st.composite
def histories(draw: st.DrawFn, min_ops: int = 1, max_ops: int = 30) -> list[Op]:
    """Ops of every kind from up to three devices, on two tickets and a product."""
    count = draw(st.integers(min_ops, max_ops))
    seqs = [0] * len(DEVICES)
    hlcs = [0] * len(DEVICES)
    writes: dict[tuple[str, str], list[uuid.UUID]] = {}
    ops: list[Op] = []
    for n in range(count):
        device = draw(st.integers(0, len(DEVICES) - 1))
        seqs[device] += 1
        # Small steps make equal HLCs across devices likely, so tie-breaks get exercised.
        hlcs[device] += draw(st.integers(1, 3))
        kind = draw(st.sampled_from(("field", "field", "event", "status", "counter", "tomb")))
        if kind in ("counter", "tomb"):
            entity, entity_id = "product", draw(st.sampled_from(PRODUCTS))
        else:
            entity, entity_id = "ticket", draw(st.sampled_from(TICKETS))
        env = _envelope(device, seqs[device], hlcs[device], entity, entity_id, n)
        ops.append(_draw_op(draw, kind, env, writes))
    return ops


def _draw_op(
    draw: st.DrawFn,
    kind: str,
    env: dict[str, object],
    writes: dict[tuple[str, str], list[uuid.UUID]],
) -> Op:
    if kind == "field":
        names = draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=2, unique=True))
        changes = {
            name: draw(st.one_of(st.integers(0, 9), st.sampled_from("ABC"))) for name in names
        }
        base = {}
        for name in names:
            seen = writes.get((str(env["entity_id"]), name), [])
            if seen and draw(st.booleans()):
                base[name] = draw(st.sampled_from(seen))
        op: Op = FieldEdit(**env, changes=changes, base=base)
        for name in names:
            writes.setdefault((str(env["entity_id"]), name), []).append(op.op_id)
        return op
    if kind == "event":
        return Event(
            **env,
            name=draw(st.sampled_from(EVENT_NAMES)),
            data={"amount": draw(st.integers(0, 99))},
        )
    if kind == "status":
        return StatusChange(**env, status=draw(st.sampled_from(TICKET.statuses)))
    if kind == "counter":
        return CounterDelta(**env, counter="on_hand", delta=draw(st.integers(-5, 5)))
    return Tombstone(**env, reason="removed")


@st.composite
def deliveries(draw: st.DrawFn, ops: list[Op]) -> list[Op]:
    """The same ops in any order, with any of them delivered more than once."""
    order = draw(st.permutations(ops))
    repeats = draw(st.lists(st.sampled_from(ops), max_size=len(ops))) if ops else []
    positions = [draw(st.integers(0, len(order))) for _ in repeats]
    delivered = list(order)
    for op, position in zip(repeats, positions, strict=True):
        delivered.insert(position, op)
    return delivered
