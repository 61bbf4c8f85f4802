"""A real hub application on a real database file, driven over ASGI, for admin tests.

Each test module builds its ``hub`` fixture from :func:`running_hub`, so the helpers
here stay plain functions and classes (no fixture imports between modules).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from litestar import Litestar
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from cloud_hub.http.app import create_app, start_up
from cloud_hub.services import tenancy
from cloud_hub.settings import HubSettings, Limits
from cloud_hub.store.engine import create_engine
from cloud_hub.store.oplog import store_ops
from sync_protocol import MSGPACK, Event, FieldEdit, StatusChange, uuid7
from sync_protocol.hlc import pack

OPERATOR_TOKEN = "operator-secret-for-tests"
BASE = "http://hub.test"
#: 2026-03-02 09:00 in Nairobi (06:00 UTC), a Monday.
START_MS = 1_772_431_200_000


class FakeClock:
    """A clock tests move by hand."""

    def __init__(self, now_ms: int = START_MS) -> None:
        self.now_ms = now_ms

    def __call__(self) -> int:
        return self.now_ms

    def advance(self, ms: int) -> None:
        self.now_ms += ms


@dataclass
class Hub:
    """The application under test, its client, clock and engine."""

    client: httpx.AsyncClient
    clock: FakeClock
    engine: AsyncEngine
    app: Litestar

    async def tenant(self, slug: str, currency: str = "KES") -> str:
        """Create a tenant over the API; return its admin token."""
        answer = await self.client.post(
            "/api/v1/tenants",
            json={"slug": slug, "name": f"{slug} Ltd", "currency": currency},
            headers=auth(OPERATOR_TOKEN),
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["admin_token"])

    async def outlet(self, token: str, code: str, **extra: Any) -> dict[str, Any]:
        """Create an outlet (Nairobi time) over the API."""
        body = {"code": code, "name": f"Outlet {code}", "timezone": "Africa/Nairobi", **extra}
        answer = await self.client.post("/api/v1/outlets", json=body, headers=auth(token))
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    async def code(self, token: str, outlet: str, device: str) -> str:
        """Issue an enrollment code over the API."""
        answer = await self.client.post(
            f"/api/v1/outlets/{outlet}/enrollment-codes",
            json={"device_code": device},
            headers=auth(token),
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["code"])

    async def enroll(self, code: str, device_id: str | None = None) -> dict[str, Any]:
        """Enroll a new device with ``code``; return the answer body."""
        device_id = device_id or str(uuid.uuid4())
        answer = await self.client.post(
            "/api/v1/enroll", json={"code": code, "device_id": device_id, "name": "till"}
        )
        assert answer.status_code == 201, answer.text
        return dict(answer.json())


def auth(token: str) -> dict[str, str]:
    """An ``Authorization: Bearer`` header."""
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def running_hub(
    tmp_path: Path,
    postgres_url: str | None = None,
    *,
    demo: bool = False,
    prepare: Callable[[AsyncEngine], Awaitable[None]] | None = None,
) -> AsyncIterator[Hub]:
    """A migrated hub on a fresh SQLite file (or a fresh PostgreSQL schema).

    ``prepare`` is given the empty database before the hub starts (and migrates it).
    """
    async with _engine(tmp_path, postgres_url) as engine:
        if prepare is not None:
            await prepare(engine)
        clock = FakeClock()
        # Every request comes from one test client: rates are tested on a real process
        # (tests/e2e/test_hub_abuse.py), not here.
        unlimited = Limits(sync_rate_per_min=1e9, enroll_rate_per_min=1e9)
        settings = HubSettings(
            database_url="sqlite:///unused",
            demo=demo,
            operator_token=OPERATOR_TOKEN,
            limits=unlimited,
        )
        app = create_app(settings, engine=engine, clock=clock)
        # What the lifespan does, in the test's own task and event loop (the engine's).
        app.state.demo = await start_up(engine, clock, demo_wanted=demo)
        transport = httpx.ASGITransport(app=app)
        async with (
            app.state.wakeups.plugin,
            httpx.AsyncClient(transport=transport, base_url=BASE) as client,
        ):
            yield Hub(client, clock, engine, app)


@asynccontextmanager
async def _engine(tmp_path: Path, postgres_url: str | None) -> AsyncIterator[AsyncEngine]:
    if postgres_url is None:
        engine = create_engine(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
        try:
            yield engine
        finally:
            await engine.dispose()
        return
    url = postgres_url.replace("postgresql://", "postgresql+asyncpg://", 1)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(url, connect_args={"server_settings": {"search_path": schema}})
    try:
        yield engine
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


async def store_device_ops(hub: Hub, tenant_slug: str, outlet_code: str, ops: list[Any]) -> None:
    """Store device ops in an outlet's scope as an applied push would (no HTTP)."""
    async with hub.engine.begin() as conn:
        tenant = await tenancy.tenant_by_slug(conn, tenant_slug)
        outlet = await tenancy.outlet_by_code(conn, tenant, outlet_code)
        await store_ops(
            conn,
            tenant_id=tenant.id,
            outlet_id=outlet.id,
            scope=f"o:{outlet.id}",
            ops=[(op, MSGPACK.encode(op)) for op in ops],
            now_ms=hub.clock(),
        )


class Till:
    """Makes the ops one device writes: gapless ``device_seq``, rising HLC."""

    def __init__(self, device_id: str, tenant: str, outlet: str, wall_ms: int) -> None:
        self.device_id = uuid.UUID(device_id)
        self.tenant, self.outlet = tenant, outlet
        self.seq, self.wall_ms = 0, wall_ms

    def _envelope(self, entity: str, entity_id: str) -> dict[str, Any]:
        self.seq += 1
        self.wall_ms += 1
        return {
            "op_id": uuid7(self.wall_ms),
            "tenant": self.tenant,
            "outlet": self.outlet,
            "device_id": self.device_id,
            "device_seq": self.seq,
            "hlc": pack(self.wall_ms, 0),
            "entity": entity,
            "entity_id": entity_id,
        }

    def edit(
        self, ticket_id: str, changes: dict[str, Any], base: dict[str, Any] | None = None
    ) -> FieldEdit:
        return FieldEdit(**self._envelope("ticket", ticket_id), changes=changes, base=base or {})

    def event(self, ticket_id: str, name: str, data: dict[str, Any]) -> Event:
        return Event(**self._envelope("ticket", ticket_id), name=name, data=data)

    def status(self, ticket_id: str, status: str) -> StatusChange:
        return StatusChange(**self._envelope("ticket", ticket_id), status=status)
