"""A demo till enrolled with a ``FakeHub``, for the sync client's integration tests."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from keyring.backends import null
from litestar.testing import TestClient

from edge_agent.bootstrap import init_device
from edge_agent.http.app import create_app
from edge_agent.services import staff, tickets
from edge_agent.services.sync import SyncConfig, SyncOutcome, SyncRunner
from edge_agent.services.tickets import Context
from edge_agent.settings import AgentSettings
from edge_agent.store import oplog, sync_state
from edge_agent.store.device import identity
from edge_agent.store.gateway import Store
from edge_agent.sync.access import HubAccess
from edge_agent.sync.credentials import CredentialStore
from tests.fakes import FakeHub, wall_ms

SERVICE_TOKEN = "service-token-of-the-test-till"


#: The ticket listing declares its query parameters in litestar's deprecated inferred
#: style, which warns when the app starts in-process (real processes never see it as an
#: error). Tests that use ``Till.api`` carry this mark until the listing is updated.
@dataclass
class Till:
    """A demo device on a real SQLite file, with a runner that syncs with ``hub``."""

    store: Store
    runner: SyncRunner
    device_id: uuid.UUID
    hub: FakeHub
    clock: Callable[[], int]

    def sync(self) -> SyncOutcome:
        return self.runner.run()

    def write_ops(self, count: int) -> None:
        """Append ``count`` ops through the outbox, one transaction each (seq 1, 2, ...)."""
        for n in range(count):
            with self.store.write() as conn:
                draft = oplog.Draft("event", "memo", f"memo-{n}", {"name": "noted", "data": {}})
                oplog.append(conn, [draft], self.clock)

    def sell(self, tickets_count: int = 1) -> None:
        """Sign the cashier in and open tickets with a line each, as the till does."""
        who = staff.sign_in(self.store, "1111", self.clock)
        for _ in range(tickets_count):
            with self.store.write() as conn:
                ticket = tickets.open_ticket(Context(conn, who, self.clock), "counter")
                tickets.add_line(Context(conn, who, self.clock), ticket.id, "chai", 1)

    def positions(self) -> sync_state.Positions:
        with self.store.read() as conn:
            return sync_state.positions(conn)

    def state(self) -> sync_state.SyncState:
        with self.store.read() as conn:
            return sync_state.read(conn)

    def pulled_ops(self) -> int:
        with self.store.read() as conn:
            return int(conn.execute("SELECT count(*) FROM ops WHERE local = 0").fetchone()[0])

    def local_ops(self) -> list:
        with self.store.read() as conn:
            return oplog.local_ops(conn)

    def api(self) -> TestClient:
        app = create_app(self.store, self.clock, service_token=SERVICE_TOKEN)
        app.state["sync"] = self.runner
        client = TestClient(app, base_url="http://127.0.0.1")
        client.headers["Authorization"] = f"Bearer {SERVICE_TOKEN}"
        return client


def make_till(tmp_path, hub: FakeHub, *, enrolled: bool = True, clock=wall_ms, **config) -> Till:
    store, _ = init_device(AgentSettings(data_dir=tmp_path), with_demo=True)
    with store.read() as conn:
        device_id = identity(conn).device_id
    credentials = CredentialStore(tmp_path, backend=null.Keyring(), warn=lambda _: None)
    if enrolled:
        credentials.save(str(device_id), hub.register(device_id, "D01"))
        with store.write() as conn:
            sync_state.set_enrolled(conn, "http://hub.test", hub.epoch, clock())
    access = HubAccess(credentials, None, hub.transport)
    runner = SyncRunner(store, access, clock, SyncConfig(**config))
    return Till(store, runner, device_id, hub, clock)
