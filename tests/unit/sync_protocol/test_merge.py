"""Examples of each merge rule, read as the specification of what a replica holds."""

from __future__ import annotations

import pytest

from sync_protocol import (
    CounterDelta,
    EntityState,
    Event,
    FieldEdit,
    MergeError,
    Replica,
    StatusChange,
    Tombstone,
    UnknownStatusError,
    apply_op,
)
from sync_protocol.lifecycle import TICKET, Lifecycle
from sync_protocol.merge import conflict_id

from .merge_builders import _envelope


def ticket_op(cls, n, *, device=0, hlc=None, entity_id="t1", **payload):
    return cls(
        **_envelope(device, n, hlc if hlc is not None else n, "ticket", entity_id, n), **payload
    )


def test_the_later_field_write_wins_whatever_the_arrival_order() -> None:
    first = ticket_op(FieldEdit, 1, hlc=10, changes={"table": "T1"})
    second = ticket_op(FieldEdit, 2, hlc=20, changes={"table": "T2"}, base={"table": first.op_id})
    forwards, backwards = EntityState("ticket", "t1"), EntityState("ticket", "t1")

    for op in (first, second):
        apply_op(forwards, op)
    for op in (second, first):
        apply_op(backwards, op)

    assert forwards.fields == backwards.fields == {"table": "T2"}
    assert forwards.version("table") == str(second.op_id)
    assert forwards.conflicts() == backwards.conflicts() == []


def test_an_edit_arriving_before_the_write_it_saw_is_not_a_conflict() -> None:
    seen = ticket_op(FieldEdit, 1, hlc=10, changes={"covers": 2})
    edit = ticket_op(FieldEdit, 2, hlc=11, changes={"covers": 4}, base={"covers": seen.op_id})
    state = EntityState("ticket", "t1")

    apply_op(state, edit)
    apply_op(state, seen)

    assert state.fields == {"covers": 4}
    assert state.conflicts() == []


def test_equal_hlcs_are_broken_by_device_id() -> None:
    low = ticket_op(FieldEdit, 1, device=0, hlc=50, changes={"name": "Ann"})
    high = ticket_op(FieldEdit, 2, device=2, hlc=50, changes={"name": "Bob"})
    state = EntityState("ticket", "t1")

    apply_op(state, high)
    apply_op(state, low)

    assert state.fields["name"] == "Bob"
    assert [c.winner for c in state.conflicts()] == [str(high.op_id)]


def test_a_conflict_is_settled_by_an_edit_that_resolves_it() -> None:
    a = ticket_op(FieldEdit, 1, device=0, hlc=5, changes={"table": "A"})
    b = ticket_op(FieldEdit, 2, device=1, hlc=6, changes={"table": "B"})
    cid = conflict_id("ticket", "t1", "table", None)
    fix = ticket_op(
        FieldEdit, 3, hlc=9, changes={"table": "A"}, base={"table": b.op_id}, resolves=(cid,)
    )
    state = EntityState("ticket", "t1")
    for op in (a, b):
        apply_op(state, op)
    assert [(c.conflict_id, c.resolved) for c in state.conflicts()] == [(cid, False)]

    apply_op(state, fix)

    assert [(c.conflict_id, c.resolved) for c in state.conflicts()] == [(cid, True)]
    assert state.fields["table"] == "A"
    assert state.conflicts()[0].values == {str(a.op_id): "A", str(b.op_id): "B"}


def test_events_are_kept_once_each() -> None:
    line = ticket_op(Event, 1, name="line_added", data={"sku": "LATTE", "qty": 1})
    state = EntityState("ticket", "t1")

    assert apply_op(state, line) is True
    assert apply_op(state, line) is False

    assert list(state.events) == [str(line.op_id)]
    assert state.events[str(line.op_id)].data == {"sku": "LATTE", "qty": 1}


def test_closed_ticket_never_reopens_when_a_late_line_arrives() -> None:
    opened = ticket_op(StatusChange, 1, hlc=1, status="open")
    closed = ticket_op(StatusChange, 2, hlc=10, status="closed")
    late_line = ticket_op(Event, 3, device=1, hlc=12, name="line_added", data={"sku": "TEA"})
    late_note = ticket_op(FieldEdit, 4, device=1, hlc=13, changes={"name": "late"})
    refund = ticket_op(Event, 5, device=1, hlc=14, name="refund_issued", data={"amount": 100})
    early_line = ticket_op(Event, 6, hlc=5, name="line_added", data={"sku": "COFFEE"})
    reopen = ticket_op(StatusChange, 7, device=1, hlc=15, status="open")
    state = EntityState("ticket", "t1")

    for op in (closed, late_line, opened, late_note, refund, early_line, reopen):
        apply_op(state, op)

    assert state.status == "closed"
    assert str(late_line.op_id) in state.events
    assert state.late_op_ids(TICKET) == sorted([str(late_line.op_id), str(late_note.op_id)])


def test_a_kitchen_bump_after_the_ticket_closed_is_not_late() -> None:
    closed = ticket_op(StatusChange, 1, hlc=10, status="closed")
    bump = ticket_op(Event, 2, device=1, hlc=12, name="kitchen_bumped", data={"status": "ready"})
    state = EntityState("ticket", "t1")

    for op in (closed, bump):
        apply_op(state, op)

    assert state.late_op_ids(TICKET) == []


def test_late_ops_are_only_flagged_for_entities_with_a_lifecycle() -> None:
    state = EntityState("product", "p1")
    apply_op(
        state, CounterDelta(**_envelope(0, 1, 9, "product", "p1", 1), counter="on_hand", delta=3)
    )

    assert state.late_op_ids(None) == []
    assert state.late_op_ids(TICKET) == []


def test_late_counter_deltas_are_flagged_after_a_terminal_status() -> None:
    closed = ticket_op(StatusChange, 1, hlc=10, status="voided")
    delta = ticket_op(CounterDelta, 2, hlc=11, counter="covers", delta=1)
    state = EntityState("ticket", "t1")

    apply_op(state, delta)
    apply_op(state, closed)

    assert state.late_op_ids(TICKET) == [str(delta.op_id)]


def test_the_earliest_op_stands_for_a_status_reached_twice() -> None:
    later = ticket_op(StatusChange, 1, device=1, hlc=30, status="paid")
    earlier = ticket_op(StatusChange, 2, device=0, hlc=20, status="paid")
    state = EntityState("ticket", "t1")

    apply_op(state, later)
    apply_op(state, earlier)
    apply_op(state, earlier)

    assert state.status_mark is not None
    assert state.status_mark.op_id == str(earlier.op_id)


def test_counters_sum_their_deltas_once_each() -> None:
    env = _envelope(0, 1, 1, "product", "p1", 1)
    plus = CounterDelta(**env, counter="on_hand", delta=10)
    minus = CounterDelta(**_envelope(1, 1, 2, "product", "p1", 2), counter="on_hand", delta=-3)
    state = EntityState("product", "p1")

    for op in (plus, minus, plus):
        apply_op(state, op)

    assert state.counter("on_hand") == 7
    assert state.counter("never_touched") == 0


def test_a_tombstone_deletes_for_good() -> None:
    tomb = Tombstone(**_envelope(0, 1, 5, "product", "p1", 1), reason="discontinued")
    edit = FieldEdit(**_envelope(1, 1, 9, "product", "p1", 2), changes={"name": "Back?"})
    state = EntityState("product", "p1")

    assert apply_op(state, tomb) is True
    assert apply_op(state, tomb) is False
    apply_op(state, edit)

    assert state.deleted
    assert state.fields == {"name": "Back?"}


def test_a_status_outside_the_lifecycle_is_refused_and_changes_nothing() -> None:
    replica = Replica()
    bogus = ticket_op(StatusChange, 1, status="teleported")

    with pytest.raises(UnknownStatusError) as caught:
        replica.apply(bogus)

    assert caught.value.code == "unknown_status"
    assert "teleported" in str(caught.value)
    assert replica.get("ticket", "t1") is None
    assert len(replica) == 0


def test_a_status_for_an_entity_without_lifecycle_is_refused() -> None:
    state = EntityState("product", "p1")
    change = StatusChange(**_envelope(0, 1, 1, "product", "p1", 1), status="open")

    with pytest.raises(MergeError, match="no lifecycle"):
        apply_op(state, change)

    assert state.marks == {}


def test_an_op_for_another_entity_is_refused() -> None:
    state = EntityState("ticket", "t2")

    with pytest.raises(MergeError, match="ticket/t1"):
        apply_op(state, ticket_op(Event, 1, name="line_added"))

    assert state.events == {}


def test_a_lifecycle_must_name_each_status_once_and_only_terminal_ones_it_has() -> None:
    with pytest.raises(ValueError, match="repeats"):
        Lifecycle("x", ("open", "open"))
    with pytest.raises(ValueError, match="terminal"):
        Lifecycle("x", ("open",), terminal=frozenset({"closed"}))
