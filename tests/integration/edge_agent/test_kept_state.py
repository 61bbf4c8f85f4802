"""The kept state (entity hashes, state hash, open conflicts) always equals a full fold.

Random sequences of what happens to a till's log, on a real device database: its own ops
(ticket header edits, lines, status changes), pages pulled from the hub (other tills'
ops on the same tickets, duplicates included), ops a manager discarded on the hub, and a
recovery under a successor identity that re-issues the unsent ops. After every step the
kept state hash, entity and op counts and open conflicts are compared with a re-fold of
the whole log (``oplog.replay``).
"""

from __future__ import annotations

import tempfile
import uuid
from itertools import count
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edge_agent.services import restore
from edge_agent.services.sync_projection import apply_page
from edge_agent.store import kept_state, oplog
from edge_agent.store.database import connect, write_transaction
from edge_agent.store.device import DeviceIdentity, identity, initialise
from edge_agent.store.gateway import Store
from edge_agent.store.migrations import MIGRATIONS, _statements
from sync_protocol import MSGPACK, FieldEdit, Op
from tests.unit.sync_protocol.merge_builders import _envelope, histories

ME = DeviceIdentity(
    device_id=uuid.UUID("0193a6d4-0000-7000-8000-0000000000d1"),
    tenant="demo",
    outlet="DEMO1",
    device_code="D01",
    currency="KES",
    timezone="Africa/Nairobi",
)
TICKETS = ("t1", "t2")


def local_drafts() -> st.SearchStrategy[list[oplog.Draft]]:
    header = st.builds(
        lambda ticket, table: oplog.Draft("field", "ticket", ticket, {"changes": {"table": table}}),
        st.sampled_from(TICKETS),
        st.sampled_from(("T1", "T2", "T3")),
    )
    line = st.builds(
        lambda ticket, sku: oplog.Draft(
            "event", "ticket", ticket, {"name": "line_added", "data": {"sku": sku}}
        ),
        st.sampled_from(TICKETS),
        st.sampled_from(("chai", "samosa")),
    )
    status = st.builds(
        lambda ticket, name: oplog.Draft("status", "ticket", ticket, {"status": name}),
        st.sampled_from(TICKETS),
        st.sampled_from(("open", "sent", "paid", "closed")),
    )
    return st.lists(st.one_of(header, line, status), min_size=1, max_size=4)


def steps() -> st.SearchStrategy[list[tuple[str, object]]]:
    step = st.one_of(
        st.tuples(st.just("local"), local_drafts()),
        st.tuples(st.just("pull"), histories(max_ops=8)),
        st.tuples(st.just("discard"), st.integers(0, 50)),
        st.tuples(st.just("successor"), st.sets(st.integers(0, 50), max_size=5)),
        st.tuples(st.just("hash"), st.none()),
    )
    return st.lists(step, min_size=1, max_size=12)


def expected(store: Store) -> tuple[str, int, int, list[str]]:
    """The whole log folded again, and the open conflicts as the status always found them:
    every entity edited by more than one writer, folded."""
    with store.read() as conn:
        replica = oplog.replay(conn)
        (ops,) = conn.execute("SELECT count(*) FROM ops").fetchone()
        candidates = conn.execute(
            "SELECT entity, entity_id FROM ops WHERE kind = 'field' GROUP BY entity, entity_id"
            " HAVING count(DISTINCT device_id) > 1"
        ).fetchall()
        conflicts = sorted(
            c.conflict_id
            for entity, entity_id in candidates
            for c in kept_state.fold(conn, entity, entity_id).conflicts()
            if not c.resolved
        )
    return replica.state_hash(), len(replica), ops, conflicts


def kept(store: Store) -> tuple[str, int, int, list[str]]:
    with store.write() as conn:
        hashed = kept_state.state_hash(conn)
        conflicts = sorted(c.conflict_id for c in kept_state.open_field_conflicts(conn))
    return hashed.state_hash, hashed.entities, hashed.ops, conflicts


def own_op_ids(store: Store) -> list[str]:
    with store.read() as conn:
        return [row[0] for row in conn.execute("SELECT op_id FROM ops WHERE local = 1")]


def run(store: Store, kind: str, arg: object, clock: count[int]) -> None:
    tick = lambda: next(clock)  # noqa: E731
    if kind == "local":
        with store.write() as conn:
            oplog.append(conn, arg, tick)  # type: ignore[arg-type]
    elif kind == "pull":
        ops: list[Op] = arg  # type: ignore[assignment]
        with store.write() as conn:
            apply_page(conn, ops + ops[:1], identity(conn), tick)
    elif kind == "discard":
        own = own_op_ids(store)
        if own:
            with store.write() as conn:
                oplog.discard(conn, own[int(arg) % len(own)])  # type: ignore[call-overload]
    elif kind == "successor":
        own = own_op_ids(store)
        known = {own[i % len(own)] for i in arg} if own else set()  # type: ignore[attr-defined]
        with store.write() as conn:
            code = f"D01R{next(clock) % 1000}"
            restore.adopt(
                conn,
                device_id=uuid.uuid4(),
                device_code=code,
                hub_epoch="epoch",
                known=known,
                clock=tick,
                reason="restore",
            )


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(sequence=steps())
def test_the_kept_state_hash_and_conflicts_equal_a_full_fold_after_any_history(
    sequence: list[tuple[str, object]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "agent.sqlite3")
        with store.write() as conn:
            initialise(conn, ME)
        clock = count(1_750_000_000_000, 7)
        try:
            for kind, arg in sequence:
                run(store, kind, arg, clock)

                assert kept(store) == expected(store), kind
        finally:
            store.close()


def test_a_write_outside_the_store_is_folded_on_read_until_a_write_settles_it(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "agent.sqlite3")
    with store.write() as conn:
        initialise(conn, ME)
    rivals = [
        FieldEdit(**_envelope(device, 1, 10 + device, "ticket", "t1", device), changes={"table": t})
        for device, t in ((0, "T1"), (1, "T2"))
    ]
    with store.read() as conn, write_transaction(conn):  # as a restore writes
        for op in rivals:
            oplog.insert(conn, op, MSGPACK.encode(op), local=False)

    with store.read() as conn:
        before_a_write = kept_state.open_field_conflicts(conn)
    with store.write():
        pass
    with store.read() as conn:
        settled = kept_state.open_field_conflicts(conn)
        marked = conn.execute("SELECT count(*) FROM conflict_checks").fetchone()[0]

    assert [c.field for c in before_a_write] == ["table"]
    assert settled == before_a_write
    assert marked == 0
    assert kept(store) == expected(store)
    store.close()


def test_a_log_written_before_the_kept_state_is_kept_from_the_upgrade_on(tmp_path: Path) -> None:
    conn = connect(tmp_path / "agent.sqlite3")
    for version, script in enumerate(MIGRATIONS[:13], start=1):  # an agent of schema 13
        with write_transaction(conn):
            for statement in _statements(script):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version={version}")
    rivals = [
        FieldEdit(**_envelope(device, 1, 10 + device, "ticket", "t1", device), changes={"table": t})
        for device, t in ((0, "T1"), (1, "T2"))
    ]
    with write_transaction(conn):
        initialise(conn, ME)
        for op in rivals:
            oplog.insert(conn, op, MSGPACK.encode(op), local=False)
    conn.close()

    store = Store(tmp_path / "agent.sqlite3")  # migrates to the kept state

    assert kept(store) == expected(store)
    assert kept(store)[3] != []
    store.close()
