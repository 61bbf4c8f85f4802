"""Re-issuing a restored device's unsent ops under its successor identity."""

from __future__ import annotations

import uuid

from edge_agent.domain.reissue import reissue
from sync_protocol import MSGPACK, Event, FieldEdit, Op, pack, uuid7
from sync_protocol.merge import conflict_id

OLD = uuid.UUID("01a1f84a-95c0-7809-91c9-bc701e7ea419")
NEW = uuid.UUID("01a20000-0000-7000-8000-000000000001")
T0 = 1_795_426_200_000


def envelope(seq: int, entity_id: str = "t1") -> dict:
    return {
        "op_id": uuid7(T0 + seq),
        "tenant": "demo",
        "outlet": "DEMO1",
        "device_id": OLD,
        "device_seq": seq,
        "hlc": pack(T0 + seq, 0),
        "entity": "ticket",
        "entity_id": entity_id,
    }


def test_unsent_ops_get_new_ids_and_gapless_sequences_and_keep_their_stamps() -> None:
    unsent: list[Op] = [
        Event(**envelope(11), name="line_added", data={"line_id": "l1"}),
        Event(**envelope(14), name="line_added", data={"line_id": "l2"}),
    ]

    done = reissue(unsent, device_id=NEW, outlet="DEMO1", device_code="D01R1")

    assert [op.device_seq for op in done.ops] == [1, 2]
    assert {op.device_id for op in done.ops} == {NEW}
    assert [op.hlc for op in done.ops] == [op.hlc for op in unsent]
    assert not {op.op_id for op in done.ops} & {op.op_id for op in unsent}
    assert [(old.op_id, new.op_id) for old, new in done.links] == [
        (a.op_id, b.op_id) for a, b in zip(unsent, done.ops, strict=True)
    ]
    assert all(MSGPACK.decode(MSGPACK.encode(op), Op) == op for op in done.ops)


def test_a_ticket_opened_by_unsent_ops_gets_the_successors_receipt_number() -> None:
    header = FieldEdit(
        **envelope(11), changes={"receipt_no": "DEMO1-D01-000011", "kind": "counter"}
    )
    other = FieldEdit(**envelope(12, "t2"), changes={"receipt_no": "DEMO1-D01-000012"})

    done = reissue([header, other], device_id=NEW, outlet="DEMO1", device_code="D01R1")

    first, second = done.ops
    assert isinstance(first, FieldEdit)
    assert isinstance(second, FieldEdit)
    assert first.changes == {
        "receipt_no": "DEMO1-D01R1-000001",
        "kind": "counter",
        "restored_receipt_no": "DEMO1-D01-000011",
    }
    assert second.changes["receipt_no"] == "DEMO1-D01R1-000002"
    assert [(r.ticket_id, r.before, r.after) for r in done.receipts] == [
        ("t1", "DEMO1-D01-000011", "DEMO1-D01R1-000001"),
        ("t2", "DEMO1-D01-000012", "DEMO1-D01R1-000002"),
    ]


def test_bases_and_resolved_conflicts_naming_reissued_ops_follow_them() -> None:
    first = FieldEdit(**envelope(11), changes={"table": "T4"})
    sent_elsewhere = uuid7(T0)
    on_top = FieldEdit(
        **envelope(12),
        changes={"table": "T5", "covers": 2},
        base={"table": first.op_id, "covers": sent_elsewhere},
    )
    settled = conflict_id("ticket", "t1", "table", str(first.op_id))
    resolution = FieldEdit(
        **envelope(13),
        changes={"table": "T9"},
        base={"table": on_top.op_id},
        resolves=(settled, "unrelated"),
    )

    done = reissue([first, on_top, resolution], device_id=NEW, outlet="DEMO1", device_code="D01R1")

    new_first, new_on_top, new_resolution = done.ops
    assert isinstance(new_on_top, FieldEdit)
    assert isinstance(new_resolution, FieldEdit)
    assert new_on_top.base == {"table": new_first.op_id, "covers": sent_elsewhere}
    assert new_resolution.base == {"table": new_on_top.op_id}
    assert new_resolution.resolves == (
        conflict_id("ticket", "t1", "table", str(new_first.op_id)),
        "unrelated",
    )
