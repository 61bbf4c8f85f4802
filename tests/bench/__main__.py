"""Sync protocol throughput beside a raw SQLite baseline measured in the same run.

Run with ``make bench``. Prints ops/s for decoding a push batch (JSON and MessagePack),
merging ops into a replica and hashing it, and, as the baseline, inserting the same
number of rows into a SQLite file in one fsynced transaction with ``executemany``.
"""

from __future__ import annotations

import argparse
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

DEVICE = uuid.UUID("0193a6d4-0000-7000-8000-0000000000be")


def make_ops(count: int) -> list[Op]:
    """A realistic stream: per ticket one header edit, three lines, one status change."""
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


def timed(label: str, count: int, work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    elapsed = time.perf_counter() - start
    rate = count / elapsed
    print(f"  {label:<44} {rate:>12,.0f} ops/s  ({elapsed:.3f} s)")
    return rate


def sqlite_baseline(ops: list[Op], directory: Path) -> None:
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ops", type=int, default=50_000, help="ops per measurement")
    count = parser.parse_args().ops
    ops = make_ops(count)
    batches = [
        PushRequest(device_id=DEVICE, ops=ops[i : i + MAX_BATCH])
        for i in range(0, count, MAX_BATCH)
    ]
    as_json = [JSON.encode(batch) for batch in batches]
    as_msgpack = [MSGPACK.encode(batch) for batch in batches]
    print(f"sync_protocol benchmark, {count:,} ops")
    with tempfile.TemporaryDirectory() as tmp:
        baseline = timed(
            "raw SQLite executemany, one fsynced txn",
            count,
            lambda: sqlite_baseline(ops, Path(tmp)),
        )
    results = {
        "decode push batches (JSON)": timed(
            "decode push batches (JSON)",
            count,
            lambda: [JSON.decode(body, PushRequest) for body in as_json],
        ),
        "decode push batches (MessagePack)": timed(
            "decode push batches (MessagePack)",
            count,
            lambda: [MSGPACK.decode(body, PushRequest) for body in as_msgpack],
        ),
        "encode push batches (MessagePack)": timed(
            "encode push batches (MessagePack)",
            count,
            lambda: [MSGPACK.encode(batch) for batch in batches],
        ),
    }
    replica = Replica()
    results["merge into a replica"] = timed(
        "merge into a replica", count, lambda: [replica.apply(op) for op in ops]
    )
    results["state hash"] = timed("state hash", count, replica.state_hash)
    print("ratio to the raw SQLite baseline (higher is faster):")
    for label, rate in results.items():
        print(f"  {label:<44} {rate / baseline:>8.2f}x")


if __name__ == "__main__":
    main()
