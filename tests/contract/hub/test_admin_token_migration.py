"""Upgrading a hub whose database holds the demo token and older admin credentials."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from alembic import command

from cloud_hub.services import admin_tokens, demo
from cloud_hub.services.errors import AdminTokenRevoked
from cloud_hub.store import schema
from cloud_hub.store.models import admin_credentials

NOW_MS = 1_772_431_200_000


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def test_the_stored_demo_token_is_revoked_and_other_tokens_keep_working(engine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(
            lambda sync: command.upgrade(schema._config(sync), "0005_admin_idempotency")
        )
        await conn.execute(
            sa.text(
                "INSERT INTO tenants (id, slug, name, currency, writer_device_id, writer_seq, "
                "created_ms) VALUES ('t1', 'demo', 'Demo', 'KES', 'w1', 0, 1)"
            )
        )
        for secret in (demo.ADMIN_TOKEN, "an-older-admin-token"):
            await conn.execute(
                sa.text(
                    "INSERT INTO admin_credentials (token_hash, tenant_id, name, created_ms) "
                    "VALUES (:hash, 't1', 'admin', 5)"
                ),
                {"hash": digest(secret)},
            )

    await schema.migrate(engine)

    async with engine.begin() as conn:
        rows = {row.token_hash: row for row in await conn.execute(sa.select(admin_credentials))}
        tenant = await admin_tokens.authenticate(
            conn, "an-older-admin-token", admin_tokens.TENANT, now_ms=NOW_MS
        )
        with pytest.raises(AdminTokenRevoked):
            await admin_tokens.authenticate(
                conn, demo.ADMIN_TOKEN, admin_tokens.TENANT, now_ms=NOW_MS
            )
    assert rows[digest(demo.ADMIN_TOKEN)].revoked_ms == 5
    assert rows[digest("an-older-admin-token")].revoked_ms is None
    assert len({row.id for row in rows.values()}) == 2
    assert {(row.scope, row.expires_ms) for row in rows.values()} == {("tenant", None)}
    assert tenant is not None
    assert tenant.slug == "demo"
