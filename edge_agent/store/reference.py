"""Reference data replicated from the hub (catalog, staff, roles, outlet settings).

The hub is authoritative for it; the device only reads it. Each item is a JSON document
keyed by entity and id.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any


def put(conn: sqlite3.Connection, entity: str, entity_id: str, data: dict[str, Any]) -> None:
    """Insert or replace one reference item; call inside a write transaction."""
    conn.execute(
        "INSERT INTO reference_data (entity, entity_id, data) VALUES (?, ?, ?)"
        " ON CONFLICT (entity, entity_id) DO UPDATE SET data = excluded.data",
        (entity, entity_id, json.dumps(data, sort_keys=True)),
    )


def load(conn: sqlite3.Connection, entity: str) -> dict[str, dict[str, Any]]:
    """Every item of one entity, by id."""
    rows = conn.execute(
        "SELECT entity_id, data FROM reference_data WHERE entity = ? ORDER BY entity_id",
        (entity,),
    )
    return {row[0]: json.loads(row[1]) for row in rows}


def get(conn: sqlite3.Connection, entity: str, entity_id: str) -> dict[str, Any] | None:
    """One reference item, or None when the device does not hold it."""
    row = conn.execute(
        "SELECT data FROM reference_data WHERE entity = ? AND entity_id = ?", (entity, entity_id)
    ).fetchone()
    return None if row is None else dict(json.loads(row[0]))


def delete(conn: sqlite3.Connection, entity: str, entity_id: str) -> None:
    """Remove one reference item (the hub deleted it); call inside a write transaction."""
    conn.execute(
        "DELETE FROM reference_data WHERE entity = ? AND entity_id = ?", (entity, entity_id)
    )
