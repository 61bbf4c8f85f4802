"""The hub's litestar application factory.

The engine lives on ``app.state.engine``, the clock on ``app.state.clock`` and the
wake-ups of waiting pulls on ``app.state.wakeups`` (``cloud_hub.http.live``). On
start-up the application migrates the database (``cloud_hub.store.schema.migrate``),
makes sure the hub has an epoch, and seeds the demo tenant when the settings ask; it
disposes of an engine it created when it stops.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from sqlalchemy.ext.asyncio import AsyncEngine

from cloud_hub.http.admin import OPEN_HANDLERS, admin_router
from cloud_hub.http.admin_catalog import CATALOG_HANDLERS
from cloud_hub.http.admin_money import MONEY_HANDLERS
from cloud_hub.http.admin_reports import REPORT_HANDLERS
from cloud_hub.http.admin_tokens import TOKEN_HANDLERS
from cloud_hub.http.enroll import EnrollThrottle, enroll
from cloud_hub.http.errors import HANDLERS
from cloud_hub.http.limits import BodyDeadline, ClientLimits
from cloud_hub.http.live import ChannelWakeups, wakeups_for
from cloud_hub.http.monitoring import MONITORING_HANDLERS, Health
from cloud_hub.http.openapi import openapi_config
from cloud_hub.http.schema_site import asset_routes
from cloud_hub.http.sync import SYNC_HANDLERS
from cloud_hub.http.transport import HostHeader
from cloud_hub.services import demo
from cloud_hub.settings import HubSettings
from cloud_hub.store import meta, schema
from cloud_hub.store.engine import create_engine

__all__ = ["Health", "create_app", "start_up", "wall_clock_ms"]

MAX_BODY_BYTES = 1_048_576
#: The version of the hub's HTTP API, as its OpenAPI document states it.
API_VERSION = "1.1.0"


def wall_clock_ms() -> int:
    """The current Unix time in milliseconds."""
    return time.time_ns() // 1_000_000


def create_app(
    settings: HubSettings | None = None,
    *,
    engine: AsyncEngine | None = None,
    owns_engine: bool | None = None,
    clock: Callable[[], int] = wall_clock_ms,
    announce: Callable[[demo.DemoInfo], None] | None = None,
) -> Litestar:
    """Build the hub application.

    Args:
        settings: what to run; read from the environment when omitted.
        engine: a ready engine; one is made from ``settings.database_url`` otherwise.
        owns_engine: dispose of the engine on shutdown (default: when it was made here).
        clock: Unix milliseconds; injectable so tests can move time.
        announce: called with the demo's admin token and codes once seeded.
    """
    settings = settings or HubSettings.from_env()
    owned = engine is None if owns_engine is None else owns_engine
    engine = engine or create_engine(settings.database_url)
    wakeups = wakeups_for(settings)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        info = await start_up(engine, clock, demo_wanted=settings.demo)
        app.state.demo = info
        if info is not None and announce is not None:
            announce(info)
        try:
            yield
        finally:
            if owned:
                await engine.dispose()

    @asynccontextmanager
    async def channels_closed(app: Litestar) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await wakeups.close()  # after the channels plugin (a later lifespan) stopped

    return Litestar(
        route_handlers=[
            *MONITORING_HANDLERS,
            *OPEN_HANDLERS,
            enroll,
            *SYNC_HANDLERS,
            admin_router(*CATALOG_HANDLERS, *REPORT_HANDLERS, *MONEY_HANDLERS, *TOKEN_HANDLERS),
            *asset_routes(),
        ],
        lifespan=[channels_closed, lifespan],
        plugins=[wakeups.plugin],
        exception_handlers=HANDLERS,  # type: ignore[arg-type]
        middleware=[
            HostHeader,
            DefineMiddleware(BodyDeadline, timeout_s=settings.limits.body_timeout_s),
        ],
        request_max_body_size=MAX_BODY_BYTES,
        state=_state(engine, clock, settings, wakeups),
        openapi_config=openapi_config(API_VERSION),
    )


async def start_up(
    engine: AsyncEngine, clock: Callable[[], int], *, demo_wanted: bool
) -> demo.DemoInfo | None:
    """Migrate the database, make sure it has an epoch, and seed the demo if wanted.

    Returns:
        The demo's admin token and enrollment codes, when seeded.
    """
    await schema.migrate(engine)
    async with engine.begin() as conn:
        await meta.ensure_epoch(conn)
        return await demo.seed(conn, now_ms=clock()) if demo_wanted else None


def _state(
    engine: AsyncEngine, clock: Callable[[], int], settings: HubSettings, wakeups: ChannelWakeups
) -> State:
    return State(
        {
            "engine": engine,
            "wakeups": wakeups,
            "clock": clock,
            "operator_token": settings.operator_token,
            "demo": None,
            "enroll_throttle": EnrollThrottle(),
            "limits": ClientLimits(settings.limits),
        }
    )
