"""In-process sync_protocol throughput: decoding push batches (JSON and MessagePack),
encoding them, merging ops into a replica and hashing it, against a raw SQLite
``executemany`` of the same number of rows in one fsynced transaction.
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sync_protocol import (
    JSON,
    MSGPACK,
    Event,
    FieldEdit,
    Op,
    PushRequest,
    Replica,
    StatusChange,
    uuid7,
)
from sync_protocol.hlc import pack
from sync_protocol.messages import MAX_BATCH
from tests.bench.report import Report

DEVICE = uuid.UUID("0193a6d4-0000-7000-8000-0000000000be")
SECTION = "sync_protocol in process"
BASELINE = "raw SQLite executemany, one fsynced txn"


def make_ops(count: int) -> list[Op]:
    """A compact stream: per ticket one header edit, three lines, one status change."""
    ops: list[Op] = []
    for n in range(count):
        env = {
            "op_id": uuid7(1_750_000_000_000 + n),
            "tenant": "demo",
            "outlet": "DEMO1",
            "device_id": DEVICE,
            "device_seq": n + 1,
            "hlc": pack(1_750_000_000_000 + n, 0),
            "entity": "ticket",
            "entity_id": f"t{n // 5}",
        }
        match n % 5:
            case 0:
                ops.append(FieldEdit(**env, changes={"table": f"T{n % 40}", "covers": 2}))
            case 4:
                ops.append(StatusChange(**env, status="paid"))
            case _:
                ops.append(
                    Event(**env, name="line_added", data={"sku": "LATTE", "qty": 1, "price": 35000})
                )
    return ops


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def sqlite_baseline(ops: list[Op], directory: Path) -> None:
    """Encode the ops and insert them in one fsynced transaction (timed whole)."""
    conn = sqlite3.connect(directory / "baseline.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute(
        "CREATE TABLE op_log (op_id TEXT PRIMARY KEY, seq INTEGER, hlc INTEGER, body BLOB)"
    )
    rows = [(str(op.op_id), op.device_seq, op.hlc, MSGPACK.encode(op)) for op in ops]
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO op_log VALUES (?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    conn.close()


def run(report: Report, count: int) -> None:
    """Measure the protocol core on ``count`` ops and add the rows to ``report``."""
    ops = make_ops(count)
    batches = [
        PushRequest(device_id=DEVICE, ops=ops[i : i + MAX_BATCH])
        for i in range(0, count, MAX_BATCH)
    ]
    as_json = [JSON.encode(batch) for batch in batches]
    as_msgpack = [MSGPACK.encode(batch) for batch in batches]
    with tempfile.TemporaryDirectory() as tmp:
        seconds = timed(lambda: sqlite_baseline(ops, Path(tmp)))
    report.baseline(BASELINE, count, seconds, note="4 columns, rows encoded in the timing")
    report.add(
        SECTION,
        "decode push batches (JSON)",
        count,
        timed(lambda: [JSON.decode(body, PushRequest) for body in as_json]),
        against=[BASELINE],
    )
    report.add(
        SECTION,
        "decode push batches (MessagePack)",
        count,
        timed(lambda: [MSGPACK.decode(body, PushRequest) for body in as_msgpack]),
        against=[BASELINE],
    )
    report.add(
        SECTION,
        "encode push batches (MessagePack)",
        count,
        timed(lambda: [MSGPACK.encode(batch) for batch in batches]),
        against=[BASELINE],
    )
    replica = Replica()
    report.add(
        SECTION,
        "merge into a replica",
        count,
        timed(lambda: [replica.apply(op) for op in ops]),
        against=[BASELINE],
    )
    report.add(SECTION, "state hash", count, timed(replica.state_hash), against=[BASELINE])
