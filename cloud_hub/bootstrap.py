"""Composition root: settings in, a ready engine, application or admin action out."""

from __future__ import annotations

import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from cloud_hub.services.demo import DemoInfo
from cloud_hub.settings import HubSettings
from cloud_hub.store import meta, schema
from cloud_hub.store.engine import create_engine

if TYPE_CHECKING:
    from litestar import Litestar

T = TypeVar("T")


def open_engine(settings: HubSettings) -> AsyncEngine:
    """An engine on the hub database; a SQLite file and its directory are created
    owner-only (0600, 0700) when missing.

    Raises:
        ValueError: a database URL the hub does not support.
        OSError: the SQLite file cannot be created.
    """
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        create_private_file(Path(url.database))
    return create_engine(settings.database_url)


def create_private_file(path: Path) -> None:
    """Create ``path`` (and missing parents) for the owner alone, unless it exists.

    SQLite makes its ``-wal`` and ``-shm`` files with the database file's mode, so they
    are owner-only too. An existing file keeps the mode its operator gave it.
    """
    # Modes are set after creation: an operator's umask (0277, say) must not leave the
    # hub unable to write its own files.
    if not path.parent.exists():
        path.parent.mkdir(parents=True)
        path.parent.chmod(0o700)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    try:
        os.fchmod(descriptor, 0o600)
    finally:
        os.close(descriptor)


def build_app(
    settings: HubSettings, announce: Callable[[DemoInfo], None] | None = None
) -> Litestar:
    """The hub application for ``pos-hub serve``."""
    from cloud_hub.http.app import create_app  # the admin commands need no web framework

    return create_app(settings, engine=open_engine(settings), owns_engine=True, announce=announce)


def app_from_env() -> Litestar:
    """The application of one worker process of ``pos-hub serve --workers N`` (a uvicorn
    factory): its settings come from the environment ``pos-hub serve`` passed on, and the
    database was migrated before the workers started."""
    return build_app(HubSettings.from_env())


async def prepare(settings: HubSettings) -> DemoInfo | None:
    """Migrate, make sure the hub has an epoch, and seed the demo if the settings ask:
    once, before several worker processes start.

    Returns:
        The demo's admin token and enrollment codes, when seeded.
    """
    from cloud_hub.http.app import start_up, wall_clock_ms

    engine = open_engine(settings)
    try:
        return await start_up(engine, wall_clock_ms, demo_wanted=settings.demo)
    finally:
        await engine.dispose()


async def migrate(settings: HubSettings) -> str:
    """Bring the database to the current schema and make sure it has an epoch.

    Returns:
        The revision reached.
    """
    engine = open_engine(settings)
    try:
        revision = await schema.migrate(engine)
        async with engine.begin() as conn:
            await meta.ensure_epoch(conn)
        return revision
    finally:
        await engine.dispose()


async def run_admin(
    settings: HubSettings, action: Callable[[AsyncConnection, int], Awaitable[T]]
) -> T:
    """Migrate, then run one admin use case in one transaction, given the current time."""
    await migrate(settings)
    engine = open_engine(settings)
    try:
        async with engine.begin() as conn:
            return await action(conn, time.time_ns() // 1_000_000)
    finally:
        await engine.dispose()
