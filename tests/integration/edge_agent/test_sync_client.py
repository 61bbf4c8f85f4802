"""The agent's sync client against an in-test hub that follows the protocol (``FakeHub``).

A real device database on a real SQLite file; the hub is an ``httpx.MockTransport``.
"""

from __future__ import annotations

import httpx
import pytest

from edge_agent.services import staff, sync_projection
from edge_agent.sync.access import HubAccess
from sync_protocol import Replica, decode_cursor
from tests.fakes import FakeHub, Writer, wall_ms
from tests.sync_till import make_till

PUSH = "/sync/v1/push"


@pytest.fixture
def hub() -> FakeHub:
    return FakeHub()


@pytest.fixture
def till(tmp_path, hub):
    till = make_till(tmp_path, hub, push_batch=4, page_size=5)
    yield till
    till.store.close()


def pushed_batches(hub: FakeHub) -> list[list[int]]:
    return [[op.device_seq for op in m.ops] for path, m in hub.requests if path == PUSH]


def test_a_run_pushes_every_op_in_batches_and_marks_them_synced(till, hub) -> None:
    till.write_ops(10)

    outcome = till.sync()

    assert outcome.ok
    assert pushed_batches(hub) == [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10]]
    assert [op.device_seq for op in hub.pushed_ops(till.device_id)] == list(range(1, 11))
    assert till.positions().acked_seq == till.positions().last_seq == 10


def test_ops_are_marked_synced_only_up_to_the_hubs_last_applied_seq(till, hub) -> None:
    till.write_ops(10)
    hub.refuse(PUSH, "unavailable", after=1)

    outcome = till.sync()

    assert not outcome.ok
    assert outcome.error_code == "unavailable"
    assert till.positions().acked_seq == 4  # the first batch, and nothing the hub lacks
    assert hub.device(till.device_id).last_applied_seq == 4


def test_a_lost_push_answer_is_sent_again_in_the_same_run_without_duplicating_any_op(
    till, hub
) -> None:
    till.write_ops(7)
    hub.lose_answers[PUSH] = 1

    outcome = till.sync()

    assert outcome.ok
    assert hub.lose_answers[PUSH] == 0  # the answer was lost, and the run went on
    seqs = [op.device_seq for op in hub.pushed_ops(till.device_id)]
    assert seqs == list(range(1, 8))
    assert till.positions().acked_seq == 7


def test_an_answer_lost_twice_fails_the_run_and_the_next_run_pushes_nothing_twice(
    till, hub
) -> None:
    till.write_ops(7)
    hub.lose_answers[PUSH] = 2

    lost = till.sync()
    retried = till.sync()

    assert lost.error_code == "hub_unreachable"
    assert retried.ok
    seqs = [op.device_seq for op in hub.pushed_ops(till.device_id)]
    assert seqs == list(range(1, 8))
    assert till.positions().acked_seq == 7


def test_resend_from_makes_the_device_push_again_from_where_the_hub_is(till, hub) -> None:
    till.write_ops(7)
    assert till.sync().ok
    till.write_ops(3)

    def hub_lost_two_ops(device) -> None:  # between handshake and push, as a restore would
        device.last_applied_seq = 5

    hub.after_handshake = hub_lost_two_ops
    outcome = till.sync()

    assert outcome.ok
    assert pushed_batches(hub)[-3:] == [[8, 9, 10], [6, 7, 8, 9], [10]]
    assert till.positions().acked_seq == 10 == hub.device(till.device_id).last_applied_seq


def test_a_handshake_below_the_acked_seq_makes_those_ops_unsynced_again(till, hub) -> None:
    till.write_ops(7)
    assert till.sync().ok
    hub.device(till.device_id).last_applied_seq = 5
    hub.refuse(PUSH, "unavailable")

    till.sync()

    assert till.positions().acked_seq == 5


def test_quarantined_ops_are_recorded_and_do_not_block_the_ops_behind(till, hub) -> None:
    till.write_ops(7)
    hub.quarantine_seqs = {2: "read_only"}

    outcome = till.sync()

    assert outcome.ok
    assert outcome.quarantined == 1
    with till.store.read() as conn:
        rows = conn.execute("SELECT device_seq, code, reason FROM quarantined_ops").fetchall()
    assert [tuple(r) for r in rows] == [(2, "read_only", "quarantined as read_only")]
    assert till.positions().acked_seq == 7


def test_another_tills_ticket_is_pulled_and_listed(till, hub) -> None:
    bar = Writer("demo", "DEMO1")
    hub.commit(bar.ticket("DEMO1-D02-000007", 15000, 22000))

    outcome = till.sync()

    assert outcome.ok
    assert outcome.pulled == 4
    with till.api() as api:
        listed = {t["receipt_no"]: t for t in api.get("/api/v1/tickets").json()}
        ticket = listed["DEMO1-D02-000007"]
        detail = api.get(f"/api/v1/tickets/{ticket['id']}").json()
    assert ticket["total"] == 37000
    assert ticket["table"] == "T9"
    assert len(detail["lines"]) == 2


def test_reference_documents_are_pulled_into_the_catalog_and_deleted(till, hub) -> None:
    doc = {
        "name": "Mandazi",
        "category_id": "food",
        "station": "kitchen",
        "tax_codes": ["VAT16"],
        "variants": [{"id": "mandazi", "name": "Piece", "sku": "MDZ", "price": 5000}],
    }
    hub.put_reference("product", "mandazi", doc)
    hub.put_reference("product", "mandazi", {**doc, "name": "Mandazi (fresh)"})
    till.sync()

    with till.api() as api:
        added = {p["id"]: p["name"] for p in api.get("/api/v1/catalog").json()["products"]}
        hub.delete_reference("product", "mandazi")
        till.sync()
        after = {p["id"] for p in api.get("/api/v1/catalog").json()["products"]}

    assert added["mandazi"] == "Mandazi (fresh)"
    assert "mandazi" not in after


def test_a_pull_cut_between_pages_resumes_from_the_stored_cursor(till, hub) -> None:
    bar = Writer("demo", "DEMO1")
    hub.commit([op for n in range(4) for op in bar.ticket(f"DEMO1-D02-00000{n}", 100)])
    hub.pulls_before_down = 2  # two pages of 5, then the link dies

    cut = till.sync()
    stored_after_cut, cursor_after_cut = till.pulled_ops(), till.positions().pull_cursor
    hub.down, hub.pulls_before_down = False, None
    resumed = till.sync()

    assert cut.error_code == "hub_unreachable"
    assert stored_after_cut == 10
    assert decode_cursor(cursor_after_cut).outlet_seq == 10
    pulls = [m for path, m in hub.requests if path == "/sync/v1/pull"]
    assert pulls[3].cursor == cursor_after_cut  # the resumed run's first pull
    assert resumed.ok
    assert resumed.pulled == 2
    assert till.pulled_ops() == 12


def test_a_page_that_fails_to_apply_stores_neither_its_ops_nor_its_cursor(
    till, hub, monkeypatch
) -> None:
    for n in range(8):
        hub.put_reference("station", f"s{n}", {"name": f"Station {n}"})
    real_put = sync_projection.reference.put

    def put(conn, entity, entity_id, data) -> None:
        if entity_id == "s6":
            raise RuntimeError("disk full")
        real_put(conn, entity, entity_id, data)

    monkeypatch.setattr(sync_projection.reference, "put", put)

    with pytest.raises(RuntimeError, match="disk full"):
        till.sync()

    cursor_after_first_page = till.positions().pull_cursor
    assert till.pulled_ops() == 5
    assert till.state().last_error_code == "sync_error"
    monkeypatch.setattr(sync_projection.reference, "put", real_put)
    assert till.sync().ok
    first_pull_of_second_run = [m for p, m in hub.requests if p == "/sync/v1/pull"][-2]
    assert first_pull_of_second_run.cursor == cursor_after_first_page
    assert till.pulled_ops() == 8


def test_a_restored_hub_answers_reset_and_the_device_pulls_and_pushes_again(till, hub) -> None:
    bar = Writer("demo", "DEMO1")
    hub.commit(bar.ticket("DEMO1-D02-000001", 100))
    till.write_ops(7)
    assert till.sync().ok
    old_cursor = till.positions().pull_cursor

    hub.restore(keep_outlet_ops=3 + 2, last_applied_seq=2)
    outcome = till.sync()

    assert outcome.ok
    assert outcome.reset
    assert till.positions().pull_cursor != old_cursor
    assert [op.device_seq for op in hub.pushed_ops(till.device_id)] == list(range(1, 8))
    assert till.positions().acked_seq == 7
    assert till.state().hub_epoch == hub.epoch


def test_ops_stamped_far_ahead_are_kept_and_the_clock_problem_recorded(till, hub) -> None:
    fast = Writer("demo", "DEMO1", clock=lambda: wall_ms() + 3_600_000)
    hub.commit(fast.ticket("DEMO1-D03-000001", 100))

    outcome = till.sync()

    assert outcome.ok
    assert outcome.clock_drift == 3
    assert till.pulled_ops() == 3
    problem = till.state().clock_problem
    assert problem is not None
    assert "ahead of this device's clock" in problem
    assert till.positions().hlc >> 16 < wall_ms() + 300_000  # the clock did not jump


def test_a_session_control_op_signs_out_sessions_opened_before_it(till, hub) -> None:
    staff.sign_in(till.store, "1111", till.clock)
    hub.sign_out_before(till.device_id, wall_ms() + 1)

    till.sync()

    with till.store.read() as conn:
        open_sessions = conn.execute(
            "SELECT count(*) FROM staff_sessions WHERE closed_ms IS NULL"
        ).fetchone()[0]
    assert open_sessions == 0


def test_the_device_state_hash_equals_the_hash_of_what_the_hub_holds(till, hub) -> None:
    hub.commit(Writer("demo", "DEMO1").ticket("DEMO1-D02-000001", 100))
    hub.put_reference("station", "grill", {"name": "Grill"})
    till.sell(2)
    assert till.sync().ok
    expected = Replica()
    for op in hub.outlet_log + hub.tenant_log:
        expected.apply(op)

    with till.api() as api:
        answer = api.get("/api/v1/sync/state-hash").json()

    assert answer["state_hash"] == expected.state_hash()


def bump_then_fail(store) -> None:
    with store.write() as conn:
        conn.execute("UPDATE device SET last_seq = last_seq + 1")
        raise RuntimeError("rolled back")


def test_only_commits_that_wrote_this_devices_ops_kick_a_sync(till, hub) -> None:
    kicks: list[int] = []
    till.store.on_commit(lambda: kicks.append(1))
    hub.commit(Writer("demo", "DEMO1").ticket("DEMO1-D02-000001", 100))

    till.write_ops(2)  # two transactions that append ops
    till.sync()  # pulls and acknowledgements append none of the device's own
    with pytest.raises(RuntimeError):
        bump_then_fail(till.store)

    assert len(kicks) == 2


def test_an_answer_garbled_on_the_way_is_a_failed_run_not_an_agent_error(till, hub) -> None:
    def garbling_proxy(request: httpx.Request) -> httpx.Response:
        answer = hub.handle(request)
        headers = dict(answer.headers) | {"content-encoding": "gzip"}
        return httpx.Response(answer.status_code, content=answer.content, headers=headers)

    credentials = till.runner.access.credentials
    till.runner.access = HubAccess(credentials, None, httpx.MockTransport(garbling_proxy))
    till.write_ops(1)

    with till.api() as api:
        answer = api.post("/api/v1/sync/run")
        shown = api.get("/api/v1/sync/status").json()

    assert answer.status_code == 200
    assert answer.json()["ok"] is False
    assert answer.json()["error_code"] == "hub_bad_answer"
    assert shown["last_error"]["code"] == "hub_bad_answer"
    assert shown["pending_ops"] == 1


def test_a_push_the_hub_cannot_serve_still_lets_the_run_pull_the_other_tills_ops(till, hub) -> None:
    bar = Writer("demo", "DEMO1")
    hub.commit(bar.ticket("DEMO1-D02-000008", 15000, 22000))
    till.write_ops(3)
    hub.refuse(PUSH, "unavailable", retry_after_s=1)

    outcome = till.sync()

    assert not outcome.ok
    assert (outcome.failed_phase, outcome.error_code) == ("push", "unavailable")
    assert outcome.retry_after_s == 1
    assert outcome.pulled > 0
    assert till.positions().acked_seq == 0
    with till.api() as api:
        listed = [t["receipt_no"] for t in api.get("/api/v1/tickets").json()]
    assert "DEMO1-D02-000008" in listed


@pytest.mark.parametrize("code", ["device_revoked", "wrong_device", "schema_too_new"])
def test_a_push_refused_for_the_device_itself_ends_the_run_before_any_pull(till, hub, code) -> None:
    till.write_ops(3)
    hub.refuse(PUSH, code)

    outcome = till.sync()

    assert (outcome.failed_phase, outcome.error_code) == ("push", code)
    assert "/sync/v1/pull" not in [path for path, _ in hub.requests]


def test_a_run_shows_its_progress_while_it_runs_and_none_after(till, hub) -> None:
    bar = Writer("demo", "DEMO1")
    for n in range(3):
        hub.commit(bar.ticket(f"DEMO1-D02-00001{n}", 15000, 22000))
    seen: list[tuple[str, int, int] | None] = []

    till.runner.run(lambda *_: seen.append(till.runner.progress))

    assert seen
    assert all(p is not None and p[0] == "pull" for p in seen)
    assert seen[-1][2] == 0  # nothing remaining at the last page
    assert till.runner.progress is None
