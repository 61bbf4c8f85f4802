"""Raw database baselines: the same ops written straight into a table shaped like the
hub's ``ops`` (``cloud_hub/store/models.py``: primary key, two unique constraints, the
entity index), in transactions of 5,000 rows as the hub commits one push batch.

PostgreSQL with asyncpg ``executemany`` (batched INSERT) and ``COPY``; SQLite with
``executemany`` under the hub's settings (WAL, ``synchronous=FULL``). Only the writes
and commits are timed; the rows are built before.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path
from typing import Any

import asyncpg

from sync_protocol import MSGPACK, Op
from sync_protocol.messages import MAX_BATCH

COLUMNS = (
    "op_id",
    "tenant_id",
    "outlet_id",
    "scope",
    "commit_seq",
    "device_id",
    "device_seq",
    "hlc",
    "entity",
    "entity_id",
    "kind",
    "body",
    "received_ms",
)
POSTGRES_TABLE = """
CREATE TABLE {name} (
    op_id varchar(36) NOT NULL,
    tenant_id varchar(36) NOT NULL,
    outlet_id varchar(36),
    scope varchar(40) NOT NULL,
    commit_seq bigint NOT NULL,
    device_id varchar(36) NOT NULL,
    device_seq bigint NOT NULL,
    hlc bigint NOT NULL,
    entity varchar(64) NOT NULL,
    entity_id varchar(128) NOT NULL,
    kind varchar(16) NOT NULL,
    body bytea NOT NULL,
    received_ms bigint NOT NULL,
    PRIMARY KEY (tenant_id, op_id),
    UNIQUE (tenant_id, scope, commit_seq),
    UNIQUE (tenant_id, device_id, device_seq)
);
CREATE INDEX {name}_entity ON {name} (tenant_id, entity, entity_id);
"""
SQLITE_TABLE = POSTGRES_TABLE.replace("bytea", "BLOB")

Row = tuple[Any, ...]


def hub_rows(ops: list[Op]) -> list[Row]:
    """The rows the hub stores for ``ops`` (one tenant and outlet, one scope)."""
    now_ms = time.time_ns() // 1_000_000
    return [
        (
            str(op.op_id),
            "tenant-bench",
            "outlet-bench",
            "o:outlet-bench",
            seq,
            str(op.device_id),
            op.device_seq,
            op.hlc,
            op.entity,
            op.entity_id,
            op.kind,
            MSGPACK.encode(op),
            now_ms,
        )
        for seq, op in enumerate(ops, start=1)
    ]


def _batches(rows: list[Row]) -> list[list[Row]]:
    return [rows[i : i + MAX_BATCH] for i in range(0, len(rows), MAX_BATCH)]


async def _postgres(url: str, rows: list[Row]) -> dict[str, float]:
    conn = await asyncpg.connect(url)
    seconds: dict[str, float] = {}
    try:
        placeholders = ", ".join(f"${n}" for n in range(1, len(COLUMNS) + 1))
        for method in ("executemany", "copy"):
            name = f"baseline_{method}"
            await conn.execute(POSTGRES_TABLE.format(name=name))
            insert = f"INSERT INTO {name} ({', '.join(COLUMNS)}) VALUES ({placeholders})"
            start = time.perf_counter()
            for batch in _batches(rows):
                async with conn.transaction():
                    if method == "copy":
                        await conn.copy_records_to_table(name, records=batch, columns=COLUMNS)
                    else:
                        await conn.executemany(insert, batch)
            seconds[method] = time.perf_counter() - start
            await conn.execute(f"DROP TABLE {name}")
    finally:
        await conn.close()
    return seconds


def postgres_baselines(url: str, rows: list[Row]) -> dict[str, float]:
    """Seconds to write ``rows`` by ``executemany`` and by ``copy``, 5,000 per commit."""
    return asyncio.run(_postgres(url, rows))


def sqlite_baseline(rows: list[Row], directory: Path) -> float:
    """Seconds to write ``rows`` into a hub-shaped SQLite table, 5,000 per commit."""
    conn = sqlite3.connect(directory / "baseline-ops.sqlite3", isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.executescript(SQLITE_TABLE.format(name="ops"))
        insert = f"INSERT INTO ops VALUES ({', '.join('?' for _ in COLUMNS)})"
        start = time.perf_counter()
        for batch in _batches(rows):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(insert, batch)
            conn.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        conn.close()
