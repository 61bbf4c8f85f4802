"""Enrollment (adopt or check identity) and where the device credential is kept."""

from __future__ import annotations

import stat

import httpx
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import null

from edge_agent.bootstrap import init_device
from edge_agent.services import staff
from edge_agent.services.sync import SyncRunner
from edge_agent.settings import AgentSettings
from edge_agent.store import sync_state
from edge_agent.store.device import identity
from edge_agent.store.gateway import Store
from edge_agent.sync.access import HubAccess
from edge_agent.sync.credentials import SERVICE, CredentialStore
from edge_agent.sync.enrollment import enroll
from edge_agent.sync.errors import EnrollmentRefused, HubUnreachable
from tests.fakes import FakeHub, wall_ms

HUB_URL = "http://hub.test"


class MemoryKeyring(KeyringBackend):
    """A working keyring backend that keeps passwords in memory."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.secrets.get((service, username))

    def set_password(self, service, username, password) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service, username) -> None:
        self.secrets.pop((service, username), None)


@pytest.fixture
def hub() -> FakeHub:
    return FakeHub(tenant="acme", outlet="NAIROBI1")


@pytest.fixture
def warnings_seen() -> list[str]:
    return []


@pytest.fixture
def credentials(tmp_path, warnings_seen) -> CredentialStore:
    return CredentialStore(tmp_path, backend=null.Keyring(), warn=warnings_seen.append)


@pytest.fixture
def blank_store(tmp_path):
    store = Store(tmp_path / "agent.sqlite3")
    yield store
    store.close()


def test_a_new_device_adopts_the_hubs_identity_and_can_sync(
    blank_store, credentials, hub, warnings_seen
) -> None:
    code = hub.issue_code("T02")

    done = enroll(
        blank_store, credentials, HUB_URL, code.lower(), clock=wall_ms, transport=hub.transport
    )

    with blank_store.read() as conn:
        me, state = identity(conn), sync_state.read(conn)
    assert (me.tenant, me.outlet, me.device_code, me.currency) == ("acme", "NAIROBI1", "T02", "KES")
    assert done.identity == me
    assert state.hub_url == HUB_URL
    assert state.hub_epoch == hub.epoch
    assert credentials.load(str(me.device_id)) is not None
    assert len(warnings_seen) == 1
    runner = SyncRunner(blank_store, HubAccess(credentials, None, hub.transport), wall_ms)
    assert runner.run().ok


@pytest.mark.parametrize(
    ("arrange", "expected"),
    [
        (lambda hub: "ZZZZ-ZZZZ-ZZ", "enrollment_code_unknown"),
        (lambda hub: hub.issue_code(ttl_ms=-1), "enrollment_code_unknown"),
    ],
)
def test_a_bad_code_is_refused_and_nothing_is_stored(
    blank_store, credentials, hub, arrange, expected
) -> None:
    code = arrange(hub)

    with pytest.raises(EnrollmentRefused) as refused:
        enroll(blank_store, credentials, HUB_URL, code, clock=wall_ms, transport=hub.transport)

    assert refused.value.code == expected
    with blank_store.read() as conn:
        assert conn.execute("SELECT count(*) FROM device").fetchone()[0] == 0
        assert sync_state.read(conn).enrolled_ms is None
    assert not credentials.path.exists()


def test_a_code_works_once(blank_store, credentials, hub, tmp_path) -> None:
    code = hub.issue_code()
    enroll(blank_store, credentials, HUB_URL, code, clock=wall_ms, transport=hub.transport)
    other = Store(tmp_path / "other.sqlite3")

    with pytest.raises(EnrollmentRefused) as refused:
        enroll(other, credentials, HUB_URL, code, clock=wall_ms, transport=hub.transport)

    other.close()
    assert refused.value.code == "enrollment_code_unknown"


def test_an_unreachable_hub_is_reported(blank_store, credentials, hub) -> None:
    hub.down = True

    with pytest.raises(HubUnreachable, match="unreachable"):
        enroll(blank_store, credentials, HUB_URL, "AAAA", clock=wall_ms, transport=hub.transport)


def sold_demo_device(tmp_path) -> Store:
    store, _ = init_device(AgentSettings(data_dir=tmp_path), with_demo=True)
    staff.sign_in(store, "1111", wall_ms)  # writes an op: the device has a history now
    return store


def test_a_device_that_sold_under_other_names_is_refused_before_storing(
    tmp_path, credentials, hub
) -> None:
    store = sold_demo_device(tmp_path)

    with pytest.raises(EnrollmentRefused) as refused:
        enroll(
            store, credentials, HUB_URL, hub.issue_code(), clock=wall_ms, transport=hub.transport
        )

    assert refused.value.code == "identity_mismatch"
    assert "already sold as DEMO1-D01" in str(refused.value)
    with store.read() as conn:
        assert identity(conn).tenant == "demo"
        assert sync_state.read(conn).enrolled_ms is None
    assert not credentials.path.exists()
    store.close()


def test_a_device_that_sold_under_the_same_names_keeps_them(tmp_path, credentials) -> None:
    hub = FakeHub(tenant="demo", outlet="DEMO1")
    store = sold_demo_device(tmp_path)

    done = enroll(
        store, credentials, HUB_URL, hub.issue_code("D01"), clock=wall_ms, transport=hub.transport
    )

    assert (done.identity.outlet, done.identity.device_code) == ("DEMO1", "D01")
    store.close()


def test_without_a_keyring_the_credential_file_is_private_and_warned_about(
    credentials, warnings_seen
) -> None:
    credentials.path.write_text("old\n")
    credentials.path.chmod(0o644)

    where = credentials.save("device-1", "s3cret")

    assert where == str(credentials.path)
    assert stat.S_IMODE(credentials.path.stat().st_mode) == 0o600
    assert credentials.load("device-1") == "s3cret"
    assert len(warnings_seen) == 1
    assert "no OS keyring" in warnings_seen[0]
    assert "\n" not in warnings_seen[0]


def test_a_working_keyring_keeps_the_credential_and_no_file_is_left(tmp_path) -> None:
    backend = MemoryKeyring()
    seen: list[str] = []
    store = CredentialStore(tmp_path, backend=backend, warn=seen.append)

    where = store.save("device-1", "s3cret")

    assert where == "keyring"
    assert backend.secrets[(SERVICE, "device-1")] == "s3cret"
    assert store.load("device-1") == "s3cret"
    assert not store.path.exists()
    assert seen == []


def test_a_throttled_enrollment_is_refused_as_rate_limited(blank_store, credentials) -> None:
    def throttled(_: httpx.Request) -> httpx.Response:
        body = {"code": "rate_limited", "message": "too many failed enrollment attempts"}
        return httpx.Response(429, json=body, headers={"Retry-After": "60"})

    with pytest.raises(EnrollmentRefused) as refused:
        enroll(
            blank_store,
            credentials,
            HUB_URL,
            "AAAA-BBBB-CC",
            clock=wall_ms,
            transport=httpx.MockTransport(throttled),
        )

    assert refused.value.code == "rate_limited"
    assert not credentials.path.exists()
