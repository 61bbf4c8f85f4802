"""Upgrading a hub whose database was filled under the schema before tenant-led keys.

The rows are those a hub of schema ``0007_admin_tokens`` kept after two tenants traded
through its API (:mod:`tests.contract.hub.hub_before_tenant_keys`). They are loaded into
a database at that revision, the hub starts (and upgrades it to the head), and every row
and every figure each tenant's admin saw must still be there. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

from cloud_hub.store import schema
from cloud_hub.store.models import metadata
from tests.contract.hub.hub_before_tenant_keys import FIXTURE, SHOPS, decode, encode
from tests.integration.cloud_hub.admin_harness import auth, running_hub
from tests.integration.cloud_hub.shop_day import figures

BEFORE = json.loads(FIXTURE.read_text())


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def postgres_or_not(request) -> str | None:
    return request.getfixturevalue("postgres_url") if request.param == "postgres" else None


async def load_rows_at_0007(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: command.upgrade(schema._config(sync), BEFORE["revision"]))
        for table in metadata.sorted_tables:
            rows = [
                {key: decode(value) for key, value in row.items()}
                for row in BEFORE["tables"].get(table.name, [])
            ]
            if rows:  # the columns the table had then, with their types
                columns = (sa.column(k, _type(table, k)) for k in rows[0])
                then = sa.table(table.name, *columns)
                await conn.execute(sa.insert(then), rows)


#: Columns a later revision dropped: ``entities.state_hash`` (0009, ADR 0027).
DROPPED = {"entities": {"state_hash"}}


def _type(table: sa.Table, column: str) -> Any:
    return table.c[column].type if column in table.c else sa.String()


def rows_of(
    tables: dict[str, list[dict[str, Any]]], columns: dict[str, set[str]]
) -> dict[str, list[str]]:
    """Each table's rows in ``columns``, as sorted canonical JSON (order does not matter)."""
    return {
        name: sorted(
            json.dumps({k: v for k, v in row.items() if k in columns[name]}, sort_keys=True)
            for row in rows
        )
        for name, rows in tables.items()
    }


def scope_tenants(tables: dict[str, list[dict[str, Any]]]) -> dict[str, str]:
    """The tenant each commit-sequence scope belongs to, from the outlets and tenants."""
    owners = {f"t:{row['id']}": row["id"] for row in tables["tenants"]}
    owners |= {f"o:{row['id']}": row["tenant_id"] for row in tables["outlets"]}
    return {row["scope"]: owners[row["scope"]] for row in tables["scope_counters"]}


def quarantine_counters(tables: dict[str, list[dict[str, Any]]]) -> dict[str, tuple[str, int]]:
    """Each tenant's quarantine counter: its scope, its tenant and its highest number."""
    highest: dict[str, int] = {}
    for row in tables["quarantine"]:
        highest[row["tenant_id"]] = max(highest.get(row["tenant_id"], 0), row["id"])
    return {f"q:{tenant}": (tenant, last) for tenant, last in highest.items()}


async def test_every_row_and_every_admin_figure_survives_the_upgrade(
    tmp_path, postgres_or_not
) -> None:
    async with running_hub(tmp_path, postgres_or_not, prepare=load_rows_at_0007) as hub:
        after: dict[str, list[dict[str, Any]]] = {}
        async with hub.engine.connect() as conn:
            revision = await schema.current_revision(hub.engine)
            for table in metadata.sorted_tables:
                result = await conn.execute(sa.select(table))
                after[table.name] = [
                    {key: encode(value) for key, value in row._mapping.items()} for row in result
                ]
        seen = {}
        for slug, (ids, _) in SHOPS.items():
            seen[slug] = await figures(hub, BEFORE["tokens"][slug], ids)
        refused = await hub.client.get("/api/v1/devices", headers=auth("not-a-token"))

    assert revision == schema.head_revision()
    old_columns = {
        name: (set(rows[0]) if rows else set()) - DROPPED.get(name, set())
        for name, rows in BEFORE["tables"].items()
    }
    numbering = [row for row in after["scope_counters"] if row["scope"].startswith("q:")]
    after["scope_counters"] = [row for row in after["scope_counters"] if row not in numbering]
    kept_then = {name: rows for name, rows in after.items() if name in BEFORE["tables"]}
    assert rows_of(kept_then, old_columns) == rows_of(BEFORE["tables"], old_columns)
    assert {row["scope"]: row["tenant_id"] for row in after["scope_counters"]} == scope_tenants(
        BEFORE["tables"]
    )
    assert {
        row["scope"]: (row["tenant_id"], row["last_seq"]) for row in numbering
    } == quarantine_counters(BEFORE["tables"])
    assert seen == BEFORE["figures"]
    assert refused.status_code == 401


async def test_the_migrated_schema_is_the_one_the_hub_declares(tmp_path, postgres_or_not) -> None:
    async with running_hub(tmp_path, postgres_or_not) as hub, hub.engine.connect() as conn:
        differences = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
        )

    assert differences == []
