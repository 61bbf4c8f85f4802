"""Properties of the merge rules that make replicas converge.

Each property runs at least 500 examples; the builders produce histories several devices
could really have written, delivered in any order and with duplicates.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sync_protocol import FieldEdit, Op, Replica, StatusChange
from sync_protocol.lifecycle import TICKET

from .merge_builders import DEVICES, _envelope, deliveries, histories

PROPERTY = settings(max_examples=500)


def replay(ops: list[Op]) -> Replica:
    replica = Replica()
    for op in ops:
        replica.apply(op)
    return replica


@PROPERTY
@given(data=st.data(), ops=histories())
def test_every_replica_reaches_the_same_state_hash_whatever_the_delivery(
    data: st.DataObject, ops: list[Op]
) -> None:
    arrivals = [data.draw(deliveries(ops), label=f"replica {n}") for n in range(4)]

    hashes = {replay(arrival).state_hash() for arrival in arrivals}

    assert hashes == {replay(ops).state_hash()}


@PROPERTY
@given(ops=histories())
def test_applying_an_op_twice_equals_applying_it_once(ops: list[Op]) -> None:
    once = replay(ops)
    twice = Replica()

    second_results = []
    for op in ops:
        twice.apply(op)
        second_results.append(twice.apply(op))

    assert twice.state_hash() == once.state_hash()
    assert second_results == [False] * len(ops)


@st.composite
def concurrent_edits(draw: st.DrawFn) -> tuple[list[Op], list[FieldEdit]]:
    """A shared prior write, then 2-3 devices editing the same field on top of it."""
    prior = FieldEdit(**_envelope(0, 1, 10, "ticket", "t9", 900), changes={"table": "T0"})
    ops: list[Op] = [prior]
    rivals = []
    writers = draw(st.lists(st.integers(0, len(DEVICES) - 1), min_size=2, max_size=3, unique=True))
    for n, device in enumerate(writers):
        seq = 2 if device == 0 else 1
        hlc = draw(st.integers(11, 14))  # narrow, so equal HLCs fall to the device tie-break
        rival = FieldEdit(
            **_envelope(device, seq, hlc, "ticket", "t9", 901 + n),
            changes={"table": f"T{n + 1}"},
            base={"table": prior.op_id},
        )
        rivals.append(rival)
    ops.extend(rivals)
    ops.extend(draw(histories(min_ops=0, max_ops=10)))
    return ops, rivals


@PROPERTY
@given(data=st.data(), case=concurrent_edits())
def test_concurrent_field_edits_give_one_winner_and_exactly_one_conflict_everywhere(
    data: st.DataObject, case: tuple[list[Op], list[FieldEdit]]
) -> None:
    ops, rivals = case
    expected_winner = max(rivals, key=lambda op: op.order_key)

    replicas = [replay(data.draw(deliveries(ops), label=f"replica {n}")) for n in range(3)]

    for replica in replicas:
        ticket = replica.get("ticket", "t9")
        assert ticket is not None
        assert ticket.fields["table"] == expected_winner.changes["table"]
        conflicts = ticket.conflicts()
        assert len(conflicts) == 1
        assert conflicts[0].winner == str(expected_winner.op_id)
        assert set(conflicts[0].op_ids) == {str(rival.op_id) for rival in rivals}
    assert len({replica.state_hash() for replica in replicas}) == 1


@PROPERTY
@given(
    statuses=st.lists(st.sampled_from(TICKET.statuses), min_size=1, max_size=12),
    data=st.data(),
)
def test_a_lifecycle_status_never_moves_backwards(statuses: list[str], data: st.DataObject) -> None:
    changes = [
        StatusChange(**_envelope(n % 3, n // 3 + 1, n + 1, "ticket", "t1", n), status=status)
        for n, status in enumerate(statuses)
    ]
    arrival = data.draw(deliveries(changes))
    replica = Replica()

    seen_ranks = []
    for op in arrival:
        replica.apply(op)
        ticket = replica.get("ticket", "t1")
        assert ticket is not None
        assert ticket.status is not None
        seen_ranks.append(TICKET.rank(ticket.status))

    assert seen_ranks == sorted(seen_ranks)
    assert seen_ranks[-1] == max(TICKET.rank(status) for status in statuses)
