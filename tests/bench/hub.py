"""A real ``pos-hub serve`` process over loopback HTTP: enroll devices, push, pull.

Devices are enrolled the way an agent does it, by API: the admin issues a one-time code
(``POST /api/v1/outlets/{code}/enrollment-codes``) and the device redeems it with the id
it made (``POST /api/v1/enroll``). Pushes and pulls speak MessagePack with the device
credential, as ``edge_agent.sync.client`` does.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import asyncpg
import httpx

from sync_protocol import (
    MSGPACK,
    PROTOCOL_VERSION,
    SCHEMA_VERSION,
    Handshake,
    HandshakeAccepted,
    Op,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
)
from sync_protocol.messages import MAX_BATCH, MAX_PAGE
from tests.processes import HubProcess

#: The admin token ``pos-hub serve --demo`` seeds for the demo tenant.
ADMIN_TOKEN = "demo-admin-token-not-for-production"
OUTLET = "DEMO1"
T = TypeVar("T")
#: How often a request answered 503 is sent again before the bench gives up.
RETRIES = 30


@contextmanager
def scratch_postgres(admin_url: str, settings: dict[str, str] | None = None) -> Iterator[str]:
    """A new, empty PostgreSQL database for one run; dropped at the end.

    ``settings`` become the database's defaults for every session (``ALTER DATABASE ...
    SET``), to try a server setting on the hub without changing its code.
    """
    name = f"bench_{uuid.uuid4().hex[:12]}"
    base = admin_url.rsplit("/", 1)[0]

    async def run(*statements: str) -> None:
        conn = await asyncpg.connect(admin_url)
        try:
            for sql in statements:
                await conn.execute(sql)
        finally:
            await conn.close()

    alter = [
        f'ALTER DATABASE "{name}" SET {key} = {quote_literal(value)}'
        for key, value in (settings or {}).items()
    ]
    asyncio.run(run(f'CREATE DATABASE "{name}"', *alter))
    try:
        yield f"{base}/{name}"
    finally:
        for attempt in range(10):
            try:
                asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                break
            except (OSError, asyncpg.PostgresError) as exc:  # a server restarting
                if attempt == 9:
                    print(f"bench: could not drop database {name}: {exc}", file=sys.stderr)
                time.sleep(1)  # waiting for the server to come back


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@contextmanager
def running_hub(database_url: str, log_path: Path) -> Iterator[HubProcess]:
    """``pos-hub serve --demo`` on ``database_url`` (tenant ``demo``, outlet DEMO1)."""
    hub = HubProcess(database_url, log_path=log_path)
    hub.start()
    try:
        yield hub
    finally:
        hub.stop()


def backend_pids(database_url: str) -> list[int]:
    """PIDs of the PostgreSQL backends connected to ``database_url``'s database."""

    async def query() -> list[int]:
        conn = await asyncpg.connect(database_url)
        try:
            rows = await conn.fetch(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        finally:
            await conn.close()
        return [int(row["pid"]) for row in rows]

    return asyncio.run(query())


def admin_client(hub: HubProcess) -> httpx.Client:
    return httpx.Client(
        base_url=hub.url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=60
    )


def enrollment_code(hub: HubProcess, device_code: str) -> str:
    """A one-time code for ``device_code`` at DEMO1, issued through the admin API."""
    with admin_client(hub) as admin:
        answer = admin.post(
            f"/api/v1/outlets/{OUTLET}/enrollment-codes", json={"device_code": device_code}
        )
    answer.raise_for_status()
    return str(answer.json()["code"])


def handshake_body(device_id: uuid.UUID, last_seq: int) -> bytes:
    """A bench device's handshake, in MessagePack, its clock the machine's."""
    message = Handshake(
        protocol_version=PROTOCOL_VERSION,
        schema_version=SCHEMA_VERSION,
        device_id=device_id,
        device_clock_ms=time.time_ns() // 1_000_000,
        device_hlc=0,
        last_seq=last_seq,
        agent_version="bench",
    )
    return MSGPACK.encode(message)


@dataclass
class Device:
    """A device enrolled by API, talking MessagePack to the hub like an agent."""

    device_id: uuid.UUID
    http: httpx.Client
    retries: int = 0

    @classmethod
    def enroll(
        cls, hub: HubProcess, device_code: str, device_id: uuid.UUID | None = None
    ) -> Device:
        device_id = device_id or uuid.uuid4()
        answer = httpx.post(
            f"{hub.url}/api/v1/enroll",
            json={"code": enrollment_code(hub, device_code), "device_id": str(device_id)},
            timeout=60,
        )
        answer.raise_for_status()
        http = httpx.Client(
            base_url=hub.url,
            timeout=120,
            headers={
                "Authorization": f"Bearer {answer.json()['credential']}",
                "Content-Type": MSGPACK.content_type,
            },
        )
        return cls(device_id, http)

    def close(self) -> None:
        self.http.close()

    def handshake(self, last_seq: int) -> HandshakeAccepted:
        message = handshake_body(self.device_id, last_seq)
        return self._call("/sync/v1/handshake", message, HandshakeAccepted)

    def push_bodies(self, ops: list[Op], batch: int = MAX_BATCH) -> list[bytes]:
        """The push requests for ``ops``, encoded ahead of the timed part."""
        return [
            MSGPACK.encode(PushRequest(device_id=self.device_id, ops=ops[i : i + batch]))
            for i in range(0, len(ops), batch)
        ]

    def push_all(self, bodies: list[bytes]) -> int:
        """Push every batch in order; return the hub's last applied sequence."""
        last = 0
        for body in bodies:
            answer = self._call("/sync/v1/push", body, PushResponse)
            if answer.resend_from is not None or any(r.status != "applied" for r in answer.results):
                raise RuntimeError(f"the hub did not apply a bench batch: {answer.results[:3]}")
            last = answer.last_applied_seq
        return last

    def pull_all(self, limit: int = MAX_PAGE) -> int:
        """Pull from a null cursor until the hub has no more; return the ops received."""
        cursor: str | None = None
        received = 0
        while True:
            body = MSGPACK.encode(PullRequest(cursor=cursor, limit=limit))
            page = self._call("/sync/v1/pull", body, PullResponse)
            received += len(page.ops)
            cursor = page.cursor
            if not page.has_more:
                return received

    def _call(self, path: str, body: bytes, expected: type[T]) -> T:
        """POST a sync message; a 503 is sent again after its Retry-After, as an agent does
        (every sync request is safe to repeat), and counted in :attr:`retries`."""
        for _ in range(RETRIES):
            answer = self.http.post(path, content=body)
            if answer.status_code != 503:
                break
            self.retries += 1
            time.sleep(float(answer.headers.get("retry-after", "1")))  # the hub's "not before"
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: HTTP {answer.status_code}: {answer.content[:300]!r}")
        return MSGPACK.decode(answer.content, expected)
