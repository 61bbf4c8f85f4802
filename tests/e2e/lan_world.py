"""A demo agent serving the till on 127.0.0.1 and the LAN on 127.0.0.2 with TLS, and the
tablets and kiosks paired with it.

The "LAN" address is 127.0.0.2: still on the loopback interface, so it works on any CI
machine, but not a loopback *name* to the agent, which treats it as any LAN address.
The agent's wall clock is moved by the test-only ``tests/clockshift`` seam.
"""

from __future__ import annotations

import os
import sqlite3
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.e2e.sync_world import CLOCKSHIFT
from tests.processes import AgentProcess, free_port, init_agent

LAN_HOST = "127.0.0.2"
MINUTE_MS = 60_000


@dataclass
class LanAgent:
    """A demo agent serving the till on 127.0.0.1 and the LAN on 127.0.0.2 with TLS."""

    process: AgentProcess
    lan_port: int
    clock_file: Path

    @property
    def till(self) -> str:
        return self.process.api

    @property
    def lan(self) -> str:
        return f"https://{LAN_HOST}:{self.lan_port}"

    @property
    def certificate(self) -> Path:
        return self.process.data_dir / "tls" / "agent-cert.pem"

    def tablet(self, **headers: str) -> httpx.Client:
        """An HTTPS client that trusts exactly the agent's certificate."""
        pinned = ssl.create_default_context(cafile=str(self.certificate))
        return httpx.Client(base_url=f"{self.lan}/api/v1", verify=pinned, headers=headers)

    def move_clock(self, ms: int) -> None:
        self.clock_file.write_text(f"{ms}\n")

    def manager(self) -> dict[str, str]:
        token = httpx.post(f"{self.till}/auth/pin", json={"pin": "9999"}).json()["token"]
        return {"Authorization": f"Bearer {token}"}

    def pairing_code(self, *, kiosk: bool = False) -> dict[str, object]:
        params = {"kiosk": "true"} if kiosk else {}
        answer = httpx.post(f"{self.till}/pairings", headers=self.manager(), params=params)
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    def pair(self, name: str = "Waiter tablet 1", *, kiosk: bool = False) -> dict[str, str]:
        """Pair a tablet (or a self-order kiosk); return the headers it sends from then on."""
        code = self.pairing_code(kiosk=kiosk)["code"]
        with self.tablet() as tablet:
            claimed = tablet.post("/pairing/claim", json={"code": code, "name": name})
        assert claimed.status_code == 201, claimed.text
        return {"X-Pos-Client": claimed.json()["client_token"]}

    def audit(self) -> list[str]:
        """The entities of the pairing audit ops in the device's op log, in order."""
        with sqlite3.connect(
            f"file:{self.process.data_dir / 'agent.sqlite3'}?mode=ro", uri=True
        ) as db:
            rows = db.execute("SELECT entity FROM ops WHERE entity = 'pairing' ORDER BY device_seq")
            return [row[0] for row in rows]


@contextmanager
def lan_agent(tmp_path: Path) -> Iterator[LanAgent]:
    data_dir = tmp_path / "till"
    init_agent(data_dir)
    clock_file = tmp_path / "agent.clock"
    clock_file.write_text("0\n")
    paths = (str(CLOCKSHIFT), os.environ.get("PYTHONPATH", ""))
    env = {
        "POS_TEST_CLOCK_FILE": str(clock_file),
        "PYTHONPATH": os.pathsep.join(p for p in paths if p),
    }
    lan_port = free_port()
    serve_args = ("--host", LAN_HOST, "--lan-port", str(lan_port), "--self-signed")
    process = AgentProcess(data_dir, free_port(), env=env, serve_args=serve_args)
    process.start()
    try:
        yield LanAgent(process, lan_port, clock_file)
    finally:
        process.stop()
