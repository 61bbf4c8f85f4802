"""``GET /api/v1/sync/status`` and ``POST /api/v1/sync/run`` tell the truth about the hub."""

from __future__ import annotations

import pytest

from tests.fakes import FakeHub, Writer, wall_ms
from tests.sync_till import make_till

DAY_MS = 86_400_000


@pytest.fixture
def hub() -> FakeHub:
    return FakeHub()


@pytest.fixture
def till(tmp_path, hub):
    till = make_till(tmp_path, hub)
    yield till
    till.store.close()


def status(till) -> dict:
    with till.api() as api:
        return api.get("/api/v1/sync/status").json()


def test_a_device_that_never_reached_the_hub_is_offline_with_its_pending_ops(till) -> None:
    till.write_ops(7)

    shown = status(till)

    assert shown["enrolled"] is True
    assert shown["online"] is False
    assert shown["pending_ops"] == 7
    assert shown["last_success_ms"] is None


def test_the_hub_down_shows_offline_with_the_last_error_then_online_again(till, hub) -> None:
    till.write_ops(4)
    hub.down = True

    with till.api() as api:
        failed = api.post("/api/v1/sync/run")
        down = api.get("/api/v1/sync/status").json()
        hub.down = False
        ran = api.post("/api/v1/sync/run")
        up = api.get("/api/v1/sync/status").json()

    assert failed.status_code == 200
    assert failed.json()["ok"] is False
    assert failed.json()["error_code"] == "hub_unreachable"
    assert down["online"] is False
    assert down["last_error"]["code"] == "hub_unreachable"
    assert down["pending_ops"] == 4
    assert ran.json()["ok"] is True
    assert up["online"] is True
    assert up["pending_ops"] == 0
    assert up["clock_skew_ms"] is not None
    assert up["hub_epoch"] == hub.epoch


def test_a_failure_after_a_success_makes_the_device_offline(till, hub) -> None:
    assert till.sync().ok
    hub.refuse("/sync/v1/handshake", "rate_limited", retry_after_s=30)

    outcome = till.sync()
    shown = status(till)

    assert outcome.retry_after_s == 30
    assert shown["online"] is False
    assert shown["last_error"]["code"] == "rate_limited"


def test_quarantined_ops_and_open_conflicts_are_counted(till, hub) -> None:
    till.write_ops(1)
    hub.quarantine_seqs = {1: "read_only"}
    bar = Writer("demo", "DEMO1")
    ops = bar.ticket("DEMO1-D02-000001", 100)
    hub.commit(ops)
    ticket_id = ops[0].entity_id
    header_op = ops[0].op_id
    for table in ("T1", "T2"):  # two tills move the same ticket without seeing each other
        writer = Writer("demo", "DEMO1")
        hub.commit([writer.op_edit(ticket_id, {"table": table}, base=header_op)])

    assert till.sync().ok
    shown = status(till)

    assert shown["quarantined_ops"] == 1
    assert shown["quarantined"][0]["code"] == "read_only"
    assert shown["open_conflicts"] == 1
    assert shown["conflicts"][0]["field"] == "table"


def test_running_a_sync_on_a_device_not_enrolled_answers_409(tmp_path, hub) -> None:
    till = make_till(tmp_path, hub, enrolled=False)

    with till.api() as api:
        answer = api.post("/api/v1/sync/run")
        shown = api.get("/api/v1/sync/status").json()

    assert answer.status_code == 409
    assert answer.json()["code"] == "not_enrolled"
    assert shown["enrolled"] is False
    assert shown["online"] is False
    till.store.close()


def test_a_clock_put_back_after_a_success_does_not_hide_the_failures_since(tmp_path, hub) -> None:
    ahead = [DAY_MS]
    till = make_till(tmp_path, hub, clock=lambda: wall_ms() + ahead[0])
    assert till.sync().ok  # its success is stamped a day ahead
    ahead[0] = 0  # NTP puts the clock right
    hub.down = True
    till.write_ops(2)

    outcome = till.sync()
    shown = status(till)

    assert not outcome.ok
    assert shown["online"] is False
    assert shown["pending_ops"] == 2
    till.store.close()


def test_a_clock_put_back_after_a_failure_does_not_hide_the_success_since(tmp_path, hub) -> None:
    ahead = [DAY_MS]
    till = make_till(tmp_path, hub, clock=lambda: wall_ms() + ahead[0])
    hub.down = True
    assert not till.sync().ok  # its error is stamped a day ahead
    ahead[0] = 0
    hub.down = False

    outcome = till.sync()
    shown = status(till)

    assert outcome.ok
    assert shown["online"] is True
    till.store.close()


def test_a_credential_the_agent_cannot_read_is_a_recorded_refusal_not_an_agent_error(
    till,
) -> None:
    credential_file = till.runner.access.credentials.path
    credential_file.unlink()
    credential_file.mkdir()  # as unreadable to the agent as a file enrolled by root

    with till.api() as api:
        answer = api.post("/api/v1/sync/run")
        shown = api.get("/api/v1/sync/status").json()

    assert answer.status_code == 409
    assert answer.json()["code"] == "not_enrolled"
    assert shown["online"] is False
    assert shown["last_error"]["code"] == "not_enrolled"
    assert "cannot be read" in shown["last_error"]["message"]


def test_the_status_shows_the_progress_of_a_run_in_progress_and_none_between_runs(
    till, hub
) -> None:
    till.write_ops(7)
    shown: list[dict] = []

    with till.api() as api:
        till.runner.run(lambda *_: shown.append(api.get("/api/v1/sync/status").json()))
        after = api.get("/api/v1/sync/status").json()

    assert shown[0]["sync_progress"]["phase"] == "push"
    assert shown[0]["sync_progress"]["done"] + shown[0]["sync_progress"]["remaining"] == 7
    assert after["sync_progress"] is None
