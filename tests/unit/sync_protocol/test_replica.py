"""The in-memory replica and the canonical state hash."""

from __future__ import annotations

from sync_protocol import Event, FieldEdit, Replica, entity_hash, entity_snapshot, state_hash

from .merge_builders import _envelope


def test_replicas_with_different_ops_have_different_hashes() -> None:
    line = Event(**_envelope(0, 1, 1, "ticket", "t1", 1), name="line_added", data={"qty": 1})
    other = Event(**_envelope(0, 1, 1, "ticket", "t1", 2), name="line_added", data={"qty": 1})
    a, b = Replica(), Replica()

    a.apply(line)
    b.apply(other)

    assert a.state_hash() != b.state_hash()
    assert a.state_hash() != Replica().state_hash()


def test_the_state_hash_ignores_how_entities_were_inserted() -> None:
    t1 = FieldEdit(**_envelope(0, 1, 1, "ticket", "t1", 1), changes={"table": "T1"})
    t2 = FieldEdit(**_envelope(0, 2, 2, "ticket", "t2", 2), changes={"table": "T2"})
    a, b = Replica(), Replica()

    a.apply(t1)
    a.apply(t2)
    b.apply(t2)
    b.apply(t1)

    assert a.state_hash() == b.state_hash() == state_hash(list(b))
    assert sorted((s.entity, s.entity_id) for s in a) == [("ticket", "t1"), ("ticket", "t2")]


def test_a_snapshot_shows_what_the_merge_derived() -> None:
    edit = FieldEdit(**_envelope(0, 1, 7, "ticket", "t1", 1), changes={"covers": 3})
    replica = Replica()
    replica.apply(edit)
    ticket = replica.get("ticket", "t1")
    assert ticket is not None

    snapshot = entity_snapshot(ticket)

    assert snapshot["fields"] == {"covers": {"value": 3, "version": str(edit.op_id)}}
    assert snapshot["status"] is None
    assert snapshot["conflicts"] == []
    assert replica.conflicts() == []
    assert len(entity_hash(ticket)) == 64
