"""Admin tokens: issued with an expiry, listed without secrets, revoked; the demo token."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from cloud_hub.services import admin_tokens, demo
from cloud_hub.store.models import admin_credentials
from tests.integration.cloud_hub.admin_harness import OPERATOR_TOKEN, auth, running_hub

DAY_MS = 86_400_000


async def issue(hub, admin: str, name: str = "night manager", **extra) -> dict:
    answer = await hub.client.post(
        "/api/v1/admin-tokens", json={"name": name, **extra}, headers=auth(admin)
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def test_a_new_admin_token_works_until_it_is_revoked(hub) -> None:
    admin = await hub.tenant("acme")
    issued = await issue(hub, admin)

    before = await hub.client.get("/api/v1/outlets", headers=auth(issued["token"]))
    revoked = await hub.client.post(
        f"/api/v1/admin-tokens/{issued['id']}/revoke", headers=auth(admin)
    )
    after = await hub.client.get("/api/v1/outlets", headers=auth(issued["token"]))

    assert before.status_code == 200
    assert revoked.status_code == 200
    assert revoked.json()["revoked_ms"] == hub.clock.now_ms
    assert after.status_code == 401
    assert after.json()["code"] == "admin_token_revoked"


async def test_an_admin_token_is_refused_once_expired(hub) -> None:
    admin = await hub.tenant("acme")
    issued = await issue(hub, admin, expires_days=1)
    hub.clock.advance(DAY_MS - 1)
    last_moment = await hub.client.get("/api/v1/outlets", headers=auth(issued["token"]))
    hub.clock.advance(1)

    expired = await hub.client.get("/api/v1/outlets", headers=auth(issued["token"]))

    assert last_moment.status_code == 200
    assert expired.status_code == 401
    assert expired.json()["code"] == "admin_token_expired"


async def test_the_listing_never_shows_a_secret_or_its_digest(hub) -> None:
    admin = await hub.tenant("acme")
    issued = await issue(hub, admin)

    listing = await hub.client.get("/api/v1/admin-tokens", headers=auth(admin))

    assert listing.status_code == 200
    body = listing.text
    for secret in (admin, issued["token"]):
        assert secret not in body
        assert hashlib.sha256(secret.encode()).hexdigest() not in body
    by_name = {t["name"]: t for t in listing.json()}  # issued in the same millisecond
    assert sorted(by_name) == ["first admin", "night manager"]
    assert {t["scope"] for t in listing.json()} == {"tenant"}
    assert by_name["night manager"]["expires_ms"] == hub.clock.now_ms + 90 * DAY_MS


async def test_a_tenant_neither_lists_nor_revokes_another_tenants_tokens(hub) -> None:
    acme, other = await hub.tenant("acme"), await hub.tenant("other")
    theirs = await issue(hub, other)

    listed = await hub.client.get("/api/v1/admin-tokens", headers=auth(acme))
    revoked = await hub.client.post(
        f"/api/v1/admin-tokens/{theirs['id']}/revoke", headers=auth(acme)
    )
    still = await hub.client.get("/api/v1/outlets", headers=auth(theirs["token"]))

    assert theirs["id"] not in listed.text
    assert revoked.status_code == 404
    assert still.status_code == 200


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "x", "expires_days": 0}, 422),
        ({"name": "x", "expires_days": 367}, 422),
        ({"name": "x", "expires_days": "soon"}, 400),
        ({"name": "", "expires_days": 5}, 422),
        ({"expires_days": 5}, 400),
    ],
)
async def test_a_bad_token_request_is_refused(hub, body, status) -> None:
    admin = await hub.tenant("acme")

    answer = await hub.client.post("/api/v1/admin-tokens", json=body, headers=auth(admin))

    assert answer.status_code == status


async def test_an_operator_token_creates_tenants_but_administers_none(hub) -> None:
    admin = await hub.tenant("acme")
    issued = await issue(hub, admin)  # a tenant token does not create tenants
    body = {"slug": "evil", "name": "Evil"}

    refused = await hub.client.post("/api/v1/tenants", json=body, headers=auth(issued["token"]))
    with_env_token = await hub.client.get("/api/v1/outlets", headers=auth(OPERATOR_TOKEN))

    assert refused.status_code == 401
    assert with_env_token.status_code == 401


async def test_a_stored_operator_token_creates_tenants_until_revoked(hub) -> None:
    async with hub.engine.begin() as conn:
        issued = await admin_tokens.issue(conn, None, "ops", now_ms=hub.clock.now_ms)

    created = await hub.client.post(
        "/api/v1/tenants", json={"slug": "acme", "name": "Acme"}, headers=auth(issued.token)
    )
    as_admin = await hub.client.get("/api/v1/outlets", headers=auth(issued.token))
    async with hub.engine.begin() as conn:
        await admin_tokens.revoke(conn, issued.id, None, now_ms=hub.clock.now_ms)
    after = await hub.client.post(
        "/api/v1/tenants", json={"slug": "beta", "name": "Beta"}, headers=auth(issued.token)
    )

    assert created.status_code == 201
    assert as_admin.status_code == 401
    assert after.status_code == 401
    assert after.json()["code"] == "admin_token_revoked"


async def test_the_demo_token_is_refused_by_a_hub_not_running_the_demo(hub) -> None:
    answer = await hub.client.get("/api/v1/outlets", headers=auth(demo.ADMIN_TOKEN))

    assert answer.status_code == 401
    assert answer.json()["code"] == "demo_token_refused"


async def test_the_demo_token_is_never_stored(tmp_path) -> None:
    async with running_hub(tmp_path, demo=True) as hub:
        works = await hub.client.get("/api/v1/outlets", headers=auth(demo.ADMIN_TOKEN))
        async with hub.engine.connect() as conn:
            hashes = (await conn.execute(sa.select(admin_credentials.c.token_hash))).scalars()
            stored = list(hashes)

    assert works.status_code == 200
    assert hashlib.sha256(demo.ADMIN_TOKEN.encode()).hexdigest() not in stored
