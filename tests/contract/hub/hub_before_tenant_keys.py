"""The database a hub of schema ``0007_admin_tokens`` kept after a day of two tenants.

``python -m tests.contract.hub.hub_before_tenant_keys`` wrote ``data/hub_0007.json`` with
the hub of that schema (before ``0008_tenant_keys``): two tenants opened shops, enrolled
tills and traded through the admin API and ``/sync/v1``
(:mod:`tests.integration.cloud_hub.shop_day`); then every row of every table was dumped,
with the tenants' admin tokens and every figure their admins saw. The migration test
loads the rows into a database at ``0007_admin_tokens``, upgrades it, and compares.
"""

from __future__ import annotations

import asyncio
import base64
import json
import tempfile
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from cloud_hub.store.models import metadata
from tests.integration.cloud_hub.admin_harness import running_hub
from tests.integration.cloud_hub.shop_day import Ids, figures, open_shop, trade

FIXTURE = Path(__file__).with_name("data") / "hub_0007.json"
REVISION = "0007_admin_tokens"
#: Each tenant's ids (distinct: under that schema one tenant's ids hid the other's) and
#: the price of its ticket.
SHOPS = {
    "alpha": (Ids(), 35_000),
    "zulu": (
        Ids(
            ticket="Z-0001",
            cash="ZP-0001",
            card="ZP-0002",
            held="Z-0009",
            op_prefix="0190f1e2-0000-7000-9000",
        ),
        12_345,
    ),
}


def encode(value: Any) -> Any:
    """A column value as JSON (bytes as ``{"b64": ...}``)."""
    if isinstance(value, bytes | memoryview):
        return {"b64": base64.b64encode(bytes(value)).decode()}
    return value


def decode(value: Any) -> Any:
    """The inverse of :func:`encode`."""
    if isinstance(value, dict) and set(value) == {"b64"}:
        return base64.b64decode(value["b64"])
    return value


async def _make() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        async with running_hub(Path(tmp)) as hub:
            async with hub.engine.connect() as conn:
                revision = await conn.scalar(sa.text("SELECT version_num FROM alembic_version"))
            assert revision == REVISION, revision
            shops = {}
            for slug, (ids, amount) in SHOPS.items():
                shops[slug] = await open_shop(hub, slug)
                await trade(hub, shops[slug], ids, amount)
            seen = {slug: await figures(hub, shops[slug].token, SHOPS[slug][0]) for slug in SHOPS}
            tables: dict[str, list[dict[str, Any]]] = {}
            async with hub.engine.connect() as conn:
                for table in metadata.sorted_tables:
                    rows = await conn.execute(sa.select(table))
                    tables[table.name] = [
                        {key: encode(value) for key, value in row._mapping.items()} for row in rows
                    ]
    return {
        "revision": REVISION,
        "tokens": {slug: shop.token for slug, shop in shops.items()},
        "tables": tables,
        "figures": seen,
    }


if __name__ == "__main__":
    FIXTURE.write_text(json.dumps(asyncio.run(_make()), indent=1, sort_keys=True) + "\n")
