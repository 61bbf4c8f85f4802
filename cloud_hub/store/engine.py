"""The hub's database engine: SQLite (embedded default) or PostgreSQL (production).

On SQLite every connection runs in WAL mode with ``synchronous=FULL`` and foreign keys
on, and every transaction starts with ``BEGIN IMMEDIATE``: writers queue for the one
write lock up front instead of failing with "database is locked" when a read
transaction tries to become a write. A connection in ``AUTOCOMMIT`` (:func:`ping`) opens
no transaction, so a health check never waits for the write lock.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


def normalise_url(url: str) -> str:
    """Give a plain ``sqlite://`` or ``postgresql://`` URL its async driver.

    Raises:
        ValueError: for a database the hub does not support.
    """
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in _DRIVERS:
        raise ValueError(f"unsupported hub database {backend!r}: use SQLite or PostgreSQL")
    return parsed.set(drivername=_DRIVERS[backend]).render_as_string(hide_password=False)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine for the hub store at ``url``.

    Raises:
        ValueError: for a database the hub does not support.
    """
    url = normalise_url(url)
    if not url.startswith("sqlite"):
        # A generic plan cached while the op log is small scans the whole table for
        # every op id later on; custom plans keep the id lookups on the index.
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args["server_settings"] = {
            "plan_cache_mode": "force_custom_plan",
            **connect_args.get("server_settings", {}),
        }
        return create_async_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)
    engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

    @event.listens_for(engine.sync_engine, "connect")
    def _configure(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


async def ping(engine: AsyncEngine) -> None:
    """Read one row of the hub's own table, outside any transaction.

    Raises:
        DBAPIError, OSError: the database cannot serve (down, unreachable, unreadable).
    """
    async with engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(sa.text("SELECT 1 FROM hub_meta LIMIT 1"))
