"""A long-history entity: 20,000 ops to one drawer session, pushed in batches of 100.

A drawer session open all day collects the cash counted in and out of it (counter
deltas), its cash counts (events) and notes (field edits), one device's ops with
gapless sequences. Each batch is one push over loopback HTTP to the real hub; the bench
compares the cost per op of the last batches with that of the first ones. Goal: the
last within 1.5x of the first (a push costs its own ops, not the entity's history).
"""

from __future__ import annotations

import statistics
import time
import uuid
from typing import Any

from sync_protocol import CounterDelta, Event, FieldEdit, Op, uuid7
from tests.bench.hub import Device
from tests.bench.report import Report
from tests.processes import HubProcess

GOAL_RATIO = 1.5
BATCH = 100
#: Batches averaged at each end (one batch is a few milliseconds: noise).
ENDS = 10


def session_ops(count: int, device_id: uuid.UUID, session: str) -> list[Op]:
    """``count`` ops of one drawer session, as one till makes them."""
    now_ms = time.time_ns() // 1_000_000 - count
    made: list[Op] = []
    note: uuid.UUID | None = None  # each note is written on the one before
    for n in range(1, count + 1):
        envelope: dict[str, Any] = {
            "op_id": uuid7(now_ms + n),
            "tenant": "demo",
            "outlet": "DEMO1",
            "device_id": device_id,
            "device_seq": n,
            "hlc": (now_ms + n) << 16,
            "entity": "drawer_session",
            "entity_id": session,
        }
        if n % 3 == 0:
            made.append(Event(**envelope, name="cash_counted", data={"counted": 500 * n}))
        elif n % 3 == 1:
            made.append(CounterDelta(**envelope, counter="cash", delta=500))
        else:
            base = {"note": note} if note else {}
            made.append(FieldEdit(**envelope, changes={"note": f"count {n}"}, base=base))
            note = envelope["op_id"]
    return made


def run(report: Report, hub: HubProcess, section: str, total: int) -> None:
    """Push ``total`` ops to one entity in batches of 100 and report first against last."""
    device_id = uuid.uuid4()
    device = Device.enroll(hub, "B04", device_id)
    try:
        ops = session_ops(total, device_id, str(uuid.uuid4()))
        bodies = device.push_bodies(ops, batch=BATCH)
        device.handshake(last_seq=len(ops))
        report.progress(f"pushing {total:,} ops to one drawer session in batches of {BATCH}")
        taken: list[float] = []
        for body in bodies:
            started = time.perf_counter()
            device.push_all([body])
            taken.append(time.perf_counter() - started)
    finally:
        device.close()
    first = statistics.median(taken[:ENDS]) / BATCH
    last = statistics.median(taken[-ENDS:]) / BATCH
    report.add(
        section, f"one entity, first {ENDS} batches of {BATCH}", ENDS * BATCH, first * ENDS * BATCH
    )
    report.add(
        section,
        f"one entity, last {ENDS} batches (after {total - ENDS * BATCH:,} ops)",
        ENDS * BATCH,
        last * ENDS * BATCH,
        note=f"median batch {first * BATCH * 1000:.1f} ms first, {last * BATCH * 1000:.1f} ms last",
    )
    report.limit("long-history entity: last batch per op / first", last / first, GOAL_RATIO, "x")
