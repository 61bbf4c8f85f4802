"""Trusted time on a real device database, against the in-test hub (``FakeHub``).

The till's wall clock is set by hand; the hub's is the real one.
"""

from __future__ import annotations

import pytest

from edge_agent.store import oplog, sync_state
from sync_protocol import Event, Replica
from tests.fakes import FakeHub, wall_ms
from tests.sync_till import make_till

DAY_MS = 86_400_000
MINUTE_MS = 60_000


class SetClock:
    """A wall clock someone can set wrong and right again."""

    def __init__(self, offset_ms: int = 0) -> None:
        self.offset_ms = offset_ms

    def __call__(self) -> int:
        return wall_ms() + self.offset_ms


@pytest.fixture
def hub() -> FakeHub:
    return FakeHub()


@pytest.fixture
def clock() -> SetClock:
    return SetClock(DAY_MS)


@pytest.fixture
def till(tmp_path, hub, clock):
    till = make_till(tmp_path, hub, clock=clock)
    yield till
    till.store.close()


def rebase_ops(till) -> list[Event]:
    return [op for op in till.local_ops() if op.entity == oplog.REBASE_ENTITY]


def test_a_clock_a_day_ahead_is_measured_and_later_ops_carry_the_hubs_time(till, hub) -> None:
    till.write_ops(1)

    outcome = till.sync()
    till.write_ops(1)

    state = till.state()
    first, audit, later = till.local_ops()
    assert outcome.ok
    assert abs(state.clock_skew_ms - DAY_MS) < MINUTE_MS
    assert "ahead of the hub" in state.clock_problem
    assert first.hlc >> 16 > wall_ms() + DAY_MS - MINUTE_MS
    assert (audit.entity, audit.name) == (oplog.REBASE_ENTITY, oplog.REBASE_EVENT)
    assert audit.data["from_hlc"] == first.hlc
    assert abs((later.hlc >> 16) - wall_ms()) < MINUTE_MS
    assert later.hlc > audit.hlc
    assert state.hlc_rebased_from == first.hlc


def test_the_device_sends_its_wall_clock_as_it_is_not_the_corrected_one(till, hub) -> None:
    till.sync()
    till.sync()

    shakes = [m for path, m in hub.requests if path == "/sync/v1/handshake"]
    assert all(m.device_clock_ms > wall_ms() + DAY_MS - MINUTE_MS for m in shakes)
    assert abs(hub.device(till.device_id).clock_skew_ms - DAY_MS) < MINUTE_MS


def test_a_clock_problem_clears_once_a_handshake_finds_the_clock_in_bounds(
    till, hub, clock
) -> None:
    till.sync()
    clock.offset_ms = 0

    till.sync()

    state = till.state()
    assert state.clock_problem is None
    assert abs(state.clock_skew_ms) < MINUTE_MS


def test_a_clock_set_right_between_handshakes_is_not_corrected_by_the_stale_skew(
    till, clock
) -> None:
    till.sync()
    clock.offset_ms = 0

    till.write_ops(1)

    (op,) = [op for op in till.local_ops() if op.entity == "memo"]
    assert abs((op.hlc >> 16) - wall_ms()) < MINUTE_MS
    assert rebase_ops(till) == []


def test_an_hlc_far_ahead_of_a_clock_set_right_is_rebased_before_the_next_stamp(
    till, clock
) -> None:
    till.write_ops(1)
    clock.offset_ms = 0

    till.write_ops(1)

    first, audit, after = till.local_ops()
    assert [op.device_seq for op in (first, audit, after)] == [1, 2, 3]
    assert audit.data["from_hlc"] == first.hlc
    assert audit.data["ahead_ms"] > DAY_MS - MINUTE_MS
    assert abs((after.hlc >> 16) - wall_ms()) < MINUTE_MS
    assert "re-based" in till.state().clock_problem


def test_the_status_counts_ops_the_hub_holds_instead_of_calling_them_synced(till, hub) -> None:
    hub.quarantine_seqs = {1: "clock_drift", 2: "clock_drift"}
    till.write_ops(2)

    till.sync()
    shown = till.api().get("/api/v1/sync/status").json()

    assert (shown["pending_ops"], shown["held_by_hub"]) == (0, 2)
    assert shown["summary"] == "2 ops held by the hub"


def test_the_hubs_verdicts_settle_held_ops_and_a_discarded_op_is_no_longer_folded(
    till, hub, clock
) -> None:
    clock.offset_ms = 0
    hub.quarantine_seqs = {1: "clock_drift", 2: "clock_drift"}
    till.write_ops(2)
    till.sync()
    kept, dropped = till.local_ops()[:2]
    hub.commit([kept])  # released: the hub commits the op itself
    hub.commit(
        [
            hub.writer.op(Event, "device.quarantine", str(till.device_id), name=name, data=data)
            for name, data in (
                ("op_released", {"op_id": str(kept.op_id), "device_seq": 1, "by": "Amina"}),
                ("op_discarded", {"op_id": str(dropped.op_id), "device_seq": 2, "by": "Amina"}),
            )
        ]
    )

    till.sync()

    with till.store.read() as conn:
        states = {q.device_seq: q.state for q in sync_state.quarantined(conn)}
        replica = oplog.replay(conn)
    on_hub = Replica()
    for op in hub.outlet_log:
        on_hub.apply(op)
    assert states == {1: "released", 2: "discarded"}
    assert till.api().get("/api/v1/sync/status").json()["held_by_hub"] == 0
    assert replica.state_hash() == on_hub.state_hash()
