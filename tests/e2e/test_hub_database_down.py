"""A hub process whose database stops serving answers 503 ``unavailable`` on every path of
its OpenAPI document, never 500, and serves again once the database is back.

PostgreSQL: the database stops accepting connections and the hub's are terminated.
SQLite: the database file, its write-ahead log and its shared-memory index are
overwritten with bytes that are not a database (root reads any file: no chmod).
A port that refuses: the application, in process, on an engine whose server is not there.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest
from litestar.testing import TestClient

from cloud_hub.http.app import create_app
from cloud_hub.settings import HubSettings
from cloud_hub.store.engine import create_engine
from sync_protocol import JSON, PROTOCOL_VERSION, SCHEMA_VERSION, Handshake, PullRequest
from sync_protocol.recovery import KnownOpsRequest, SuccessorRequest
from tests.e2e.sync_world import ADMIN_TOKEN, fresh_database
from tests.processes import HubProcess, free_port

pytestmark = pytest.mark.slow

OPERATOR_TOKEN = "operator-token-for-this-test"
#: Bodies that pass decoding, so each request gets as far as the database.
BODIES: dict[str, object] = {
    "/api/v1/tenants": {"slug": "t2", "name": "Second"},
    "/api/v1/enroll": {"code": "ABCD-EFGH", "device_id": str(uuid.uuid4())},
    "/sync/v1/handshake": Handshake(
        protocol_version=PROTOCOL_VERSION,
        schema_version=SCHEMA_VERSION,
        device_id=uuid.uuid4(),
        device_clock_ms=0,
        device_hlc=0,
        last_seq=0,
    ),
    "/sync/v1/push": {"type": "push", "device_id": str(uuid.uuid4()), "ops": []},
    "/sync/v1/pull": PullRequest(cursor=None, limit=10),
    "/sync/v1/successor": SuccessorRequest(
        device_id=uuid.uuid4(), successor_id=uuid.uuid4(), last_seq=0
    ),
    "/sync/v1/known": KnownOpsRequest(op_ids=[uuid.uuid4()]),
}
QUERY = {"outlet": "DEMO1", "day": "2026-01-01"}


def every_operation(client: httpx.Client) -> list[tuple[str, str, str]]:
    """``(method, path, request path)`` of every operation in the hub's OpenAPI document."""
    paths = client.get("/schema/openapi.json").json()["paths"]
    found = []
    for path, operations in paths.items():
        concrete = re.sub(r"\{[^}]+\}", "x", path.replace("{entity}", "category"))
        found += [(method.upper(), path, concrete) for method in operations]
    return found


def ask(client: httpx.Client, method: str, path: str) -> httpx.Response:
    body = BODIES.get(path, {"name": "x", "role": "x"})
    content = (
        JSON.encode(body)
        if not isinstance(body, dict)
        else httpx.Request("POST", "/", json=body).content
    )
    token = OPERATOR_TOKEN if path == "/api/v1/tenants" else ADMIN_TOKEN
    return client.request(
        method,
        path,
        params=QUERY if method == "GET" else None,
        content=content if method in ("POST", "PUT") else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=60,
    )


def assert_unavailable_everywhere(client: httpx.Client) -> None:
    operations = OPERATIONS[0]
    answers = {(m, p): ask(client, m, concrete) for m, p, concrete in operations}

    wrong = {
        key: (a.status_code, a.text[:120])
        for key, a in answers.items()
        if a.status_code != 503 or a.json().get("code") != "unavailable"
    }
    assert not wrong
    assert all(a.headers.get("retry-after") == "1" for a in answers.values())
    assert len(answers) >= 25  # every admin, sync and monitoring operation


#: The operations listed while the database answered (filled by the first test).
OPERATIONS: list[list[tuple[str, str, str]]] = []


@contextmanager
def hub_on(database_url: str) -> Iterator[httpx.Client]:
    """A hub process on ``database_url``; a client of it, once it serves."""
    hub = HubProcess(database_url, env={"POS_HUB_ADMIN_TOKEN": OPERATOR_TOKEN})
    hub.start()
    try:
        with httpx.Client(base_url=hub.url, timeout=60) as client:
            assert client.get("/health").status_code == 200
            OPERATIONS[:] = [every_operation(client)]
            yield client
    finally:
        hub.stop()


@pytest.mark.postgres
def test_a_postgresql_database_that_refuses_connections_is_503_on_every_path(
    postgres_url, tmp_path
) -> None:
    database_url = fresh_database("postgres", tmp_path, postgres_url)
    name = database_url.rsplit("/", 1)[1]
    with hub_on(database_url) as hub:
        _postgres(postgres_url, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        _postgres(
            postgres_url,
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
        )

        assert_unavailable_everywhere(hub)

        _postgres(postgres_url, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        assert hub.get("/health").status_code == 200
    _postgres(postgres_url, f'DROP DATABASE "{name}" WITH (FORCE)')


def test_an_unreadable_sqlite_database_is_503_on_every_path(tmp_path) -> None:
    path = tmp_path / "hub.sqlite3"
    with hub_on(f"sqlite:///{path}") as hub:
        _overwrite(path)

        assert_unavailable_everywhere(hub)


def test_a_database_port_that_refuses_is_503_on_every_path(tmp_path) -> None:
    with hub_on(f"sqlite:///{tmp_path / 'hub.sqlite3'}"):
        pass  # lists the operations
    settings = HubSettings(database_url="sqlite://", operator_token=OPERATOR_TOKEN)
    refusing = create_engine(f"postgresql://postgres@127.0.0.1:{_closed_port()}/hub")
    app = create_app(settings, engine=refusing)

    client = TestClient(app)  # not entered: its lifespan would migrate the database

    assert_unavailable_everywhere(client)


def _overwrite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            with open(part, "r+b") as file:
                file.write(b"not a database " * (part.stat().st_size // 15 + 1))


def _closed_port() -> int:
    return free_port()  # bound and released: nothing listens there


def _postgres(admin_url: str, sql: str) -> None:
    async def run() -> None:
        conn = await asyncpg.connect(admin_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(run())
