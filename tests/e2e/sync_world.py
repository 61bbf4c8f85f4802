"""A hub process, a fault-injecting proxy and enrolled agent processes, for sync e2e tests.

Every agent talks to the hub through the proxy, so a test can take the outlet offline,
drop answers, or kill and restart the hub while the agents keep selling.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from tests.processes import AgentProcess, HubProcess, enroll, free_port
from tests.proxy import Faults, hub_proxy

ADMIN_TOKEN = "demo-admin-token-not-for-production"  # what `pos-hub serve --demo` seeds
#: The test-only ``sitecustomize`` that shifts an agent's wall clock (see its docstring).
CLOCKSHIFT = Path(__file__).resolve().parent.parent / "clockshift"


def fresh_database(kind: str, tmp_path: Path, postgres_url: str | None) -> str:
    """A hub database URL: a new SQLite file, or a new PostgreSQL database."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    assert postgres_url is not None
    name = f"hub_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        conn = await asyncpg.connect(postgres_url)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    return postgres_url.rsplit("/", 1)[0] + f"/{name}"


@dataclass
class Till:
    """One enrolled agent process and a signed-in cashier on it."""

    agent: AgentProcess
    clock_file: Path | None = None
    client: httpx.Client = field(init=False)

    def __post_init__(self) -> None:
        # The device's service token until a cashier signs in: sync and reads work.
        self.client = httpx.Client(base_url=self.agent.api, headers=self.agent.service, timeout=60)

    def sign_in(self, pin: str = "1111") -> None:
        answer = self.client.post("/auth/pin", json={"pin": pin})
        assert answer.status_code == 201, answer.text
        self.client.headers["Authorization"] = f"Bearer {answer.json()['token']}"

    def open_drawer(self) -> None:
        """Open the drawer, which cash needs, unless it is open already."""
        answer = self.client.post("/drawer/open", json={"float": 0})
        assert answer.status_code == 201 or answer.json()["code"] == "drawer_already_open"

    def set_clock(self, offset_ms: int) -> None:
        """Set the till's wall clock ``offset_ms`` off real time (0: set it right); a
        rebooted till keeps its new boot clock."""
        assert self.clock_file is not None, "start the world with clock_offsets"
        boot = [*self.clock_file.read_text().split(), "0", "0"][1]
        self.clock_file.write_text(f"{offset_ms} {boot}\n")

    def reboot(self, clock_offset_ms: int) -> None:
        """Restart the till's agent as after a machine reboot (its boot clock starts
        over) with its wall clock ``clock_offset_ms`` off real time."""
        assert self.clock_file is not None, "start the world with clock_offsets"
        booted_ms = time.clock_gettime_ns(time.CLOCK_BOOTTIME) // 1_000_000
        self.agent.stop()
        self.clock_file.write_text(f"{clock_offset_ms} {1_000 - booted_ms}\n")
        self.agent.start()

    def status(self) -> dict:
        return dict(self.client.get("/sync/status").json())

    def sync(self) -> dict:
        """One sync run now; the answer of ``POST /sync/run``."""
        return dict(self.client.post("/sync/run").json())

    def state_hash(self) -> str:
        return str(self.client.get("/sync/state-hash").json()["state_hash"])

    def sale(self, *variants: str, pay: bool = True, **header: object) -> dict:
        ticket = self.client.post("/tickets", json={"kind": "counter", **header}).json()
        for variant in variants:
            extra = {"modifier_ids": ["milk-whole"]} if variant.startswith("latte") else {}
            ticket = self.client.post(
                f"/tickets/{ticket['id']}/lines", json={"variant_id": variant, **extra}
            ).json()
        if pay:
            self.open_drawer()
            total = ticket["totals"]["total"]
            self.client.post(
                f"/tickets/{ticket['id']}/payments", json={"method": "cash", "amount": total}
            )
            ticket = self.client.post(f"/tickets/{ticket['id']}/close").json()
        return dict(ticket)

    def local_ops(self) -> int:
        with sqlite3.connect(self.agent.data_dir / "agent.sqlite3") as conn:
            return int(conn.execute("SELECT count(*) FROM ops WHERE local = 1").fetchone()[0])


@dataclass
class World:
    hub: HubProcess
    proxy_url: str
    faults: Faults
    tills: list[Till]
    admin: httpx.Client

    def hub_hash(self, outlet: str = "DEMO1") -> str:
        answer = self.admin.get("/api/v1/state-hash", params={"outlet": outlet})
        assert answer.status_code == 200, answer.text
        return str(answer.json()["state_hash"])

    def sync_all(self, rounds: int = 2) -> None:
        """Every till syncs, twice over, so each has pulled what the others pushed."""
        for _ in range(rounds):
            for till in self.tills:
                outcome = till.sync()
                assert outcome.get("ok", True) is not False, outcome

    def converged(self) -> bool:
        hashes = {self.hub_hash(), *(till.state_hash() for till in self.tills)}
        return len(hashes) == 1


#: A long interval and no live updates: most tests drive sync runs themselves, so they
#: are repeatable.
DRIVEN = {"POS_AGENT_SYNC_INTERVAL_S": "3600", "POS_AGENT_LIVE_WAIT_S": "0"}


@contextmanager
def sync_world(
    database_url: str,
    tmp_path: Path,
    tills: int = 2,
    *,
    clock_offsets: Sequence[int] = (),
    agent_env: dict[str, str] | None = None,
) -> Iterator[World]:
    """A demo hub, a proxy to it and ``tills`` agents of DEMO1 enrolled through the proxy.

    With ``clock_offsets`` (ms, one per till), each agent runs with the clock seam of
    ``tests/clockshift`` and its own offset file (``Till.set_clock``), starting that far
    off real time. ``agent_env`` is the agents' environment (default :data:`DRIVEN`;
    ``{}`` for the agents' own sync interval and backoff).
    """
    with ExitStack() as stack:
        hub = HubProcess(database_url)
        hub.start()
        stack.callback(hub.stop)
        proxy_url, faults = stack.enter_context(hub_proxy(hub.url))
        admin = stack.enter_context(
            httpx.Client(
                base_url=hub.url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}, timeout=60
            )
        )
        world_tills = []
        for n in range(1, tills + 1):
            # The admin API, not `pos-hub enroll-code`: one Python process fewer per till
            # (the CLI has its own tests).
            issued = admin.post(
                "/api/v1/outlets/DEMO1/enrollment-codes", json={"device_code": f"D0{n}"}
            )
            issued.raise_for_status()
            code = issued.json()["code"]
            data_dir = tmp_path / f"agent-d0{n}"
            enroll(data_dir, proxy_url, code)
            env = dict(DRIVEN if agent_env is None else agent_env)
            clock_file = None
            if clock_offsets:
                clock_file = tmp_path / f"agent-d0{n}.clock"
                clock_file.write_text(f"{clock_offsets[n - 1]}\n")
                paths = (str(CLOCKSHIFT), os.environ.get("PYTHONPATH", ""))
                env |= {
                    "POS_TEST_CLOCK_FILE": str(clock_file),
                    "PYTHONPATH": os.pathsep.join(p for p in paths if p),
                }
            agent = AgentProcess(data_dir, free_port(), env=env)
            agent.start()
            stack.callback(agent.stop)
            till = Till(agent, clock_file)
            stack.callback(till.client.close)
            world_tills.append(till)
        yield World(hub, proxy_url, faults, world_tills, admin)
