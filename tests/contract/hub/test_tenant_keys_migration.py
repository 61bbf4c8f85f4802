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
                for row in BEFORE["tables"][table.name]
            ]
            if rows:
                await conn.execute(sa.insert(table), rows)


def rows_of(tables: dict[str, list[dict[str, Any]]]) -> dict[str, list[str]]:
    """Each table's rows, as sorted canonical JSON (order and key order do not matter)."""
    return {
        name: sorted(json.dumps(row, sort_keys=True) for row in rows)
        for name, rows in tables.items()
    }


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
    assert rows_of(after) == rows_of(BEFORE["tables"])
    assert seen == BEFORE["figures"]
    assert refused.status_code == 401
