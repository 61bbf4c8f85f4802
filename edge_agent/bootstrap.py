"""Composition root: settings in, a ready store or application out."""

from __future__ import annotations

import uuid

from litestar import Litestar

from edge_agent.http.app import create_app, wall_clock_ms
from edge_agent.services import demo
from edge_agent.services.errors import NotInitialised
from edge_agent.settings import AgentSettings
from edge_agent.store.device import DeviceIdentity, initialise
from edge_agent.store.gateway import Store


def init_device(settings: AgentSettings, *, with_demo: bool) -> tuple[Store, bool]:
    """Create or migrate the device database; with ``with_demo``, seed the demo outlet.

    Returns:
        The open store, and whether the device identity was created now.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    store = Store(settings.database)
    created = False
    if with_demo:
        me = DeviceIdentity(
            uuid.uuid4(), demo.TENANT, demo.OUTLET, "D01", demo.CURRENCY, demo.TIMEZONE
        )
        with store.write() as conn:
            created = initialise(conn, me)
            if created:
                demo.seed(conn)
    return store, created


def build_app(settings: AgentSettings) -> Litestar:
    """The agent API over the device database.

    Raises:
        NotInitialised: the database has no device identity yet.
    """
    if not settings.database.exists():
        raise NotInitialised(f"no device database at {settings.database}; run `pos-agent init`")
    store = Store(settings.database)
    with store.read() as conn:
        if conn.execute("SELECT 1 FROM device").fetchone() is None:
            store.close()
            raise NotInitialised(
                "the device is not enrolled; run `pos-agent init --demo` or `enroll`"
            )
    return create_app(store, wall_clock_ms)
