"""The hub keeps each entity's merge and merges a push into it (ADR 0027), on both stores.

The property: whatever the history and however it is split into pushes, the read models
the hub keeps (entities with their kept merges, conflicts, tickets) are the ones a full
fold of every op gives, and the hub's state hash is the full fold's. Then: a push to an
entity with a long history reads none of that history, and an entity stored before the
hub kept merges is folded once and merged incrementally after.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncEngine

from cloud_hub.domain import projections
from cloud_hub.domain.kept import Resumed
from cloud_hub.store import oplog
from cloud_hub.store.models import conflicts, entities, field_writes, tickets
from cloud_hub.store.oplog import outlet_scope, scopes_state_hash, store_ops
from cloud_hub.store.schema import migrate
from sync_protocol import (
    CounterDelta,
    Event,
    FieldEdit,
    Op,
    Replica,
    StatusChange,
    Tombstone,
    ticket_money,
    uuid7,
)
from sync_protocol.lifecycle import DRAWER_SESSION, TICKET
from sync_protocol.merge import conflict_id
from tests.hub_rows import NOW_MS, bodies

DEVICES = tuple(uuid.UUID(int=(0xD0 << 120) | n) for n in range(1, 4))
#: A ticket (folded whole), a drawer session (kept, with a lifecycle), a product (kept).
ENTITIES = (("ticket", "t1"), ("drawer_session", "d1"), ("product", "p1"))
LIFECYCLES = {"ticket": TICKET, "drawer_session": DRAWER_SESSION}
FIELDS = ("name", "price")
OUTLET = "00000000-0000-4000-8000-00000000000a"


@pytest.fixture
async def hub(engine: AsyncEngine) -> AsyncEngine:
    await migrate(engine)
    return engine


@st.composite
def histories(draw: st.DrawFn, max_ops: int = 25) -> list[Op]:
    """Ops of every kind from three devices on the three entities: edits on earlier
    versions (concurrent writes), edits resolving a conflict, events, statuses of each
    lifecycle, counter deltas and tombstones."""
    seqs = [0] * len(DEVICES)
    hlcs = [0] * len(DEVICES)
    written: dict[tuple[str, str, str], list[tuple[str, str | None]]] = {}
    ops: list[Op] = []
    for n in range(draw(st.integers(1, max_ops))):
        device = draw(st.integers(0, len(DEVICES) - 1))
        seqs[device] += 1
        hlcs[device] += draw(st.integers(1, 3))  # small steps: ties across devices
        entity, entity_id = draw(st.sampled_from(ENTITIES))
        envelope: dict[str, Any] = {
            "op_id": uuid7(NOW_MS + n, random_bits=n),
            "tenant": "demo",
            "outlet": "DEMO1",
            "device_id": DEVICES[device],
            "device_seq": seqs[device],
            "hlc": hlcs[device],
            "entity": entity,
            "entity_id": entity_id,
        }
        kinds = ["field", "field", "event", "counter", "tombstone"]
        if entity in LIFECYCLES:
            kinds.append("status")
        kind = draw(st.sampled_from(kinds))
        ops.append(_op(draw, kind, envelope, written))
    return ops


def _op(
    draw: st.DrawFn,
    kind: str,
    envelope: dict[str, Any],
    written: dict[tuple[str, str, str], list[tuple[str, str | None]]],
) -> Op:
    entity, entity_id = envelope["entity"], envelope["entity_id"]
    if kind == "field":
        names = draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=2, unique=True))
        base: dict[str, uuid.UUID] = {}
        resolves: list[str] = []
        for name in names:
            earlier = written.get((entity, entity_id, name), [])
            if earlier and draw(st.booleans()):
                base[name] = uuid.UUID(draw(st.sampled_from([op_id for op_id, _ in earlier])))
            bases = [b for _, b in earlier]
            groups = sorted({b or "" for b in bases if bases.count(b) > 1})
            if groups and draw(st.integers(0, 2)) == 0:  # a manager settles a conflict
                settled = draw(st.sampled_from(groups)) or None
                resolves.append(conflict_id(entity, entity_id, name, settled))
        changes = {name: draw(st.integers(0, 9)) for name in names}
        edit = FieldEdit(**envelope, changes=changes, base=base, resolves=tuple(resolves))
        for name in names:
            made_on = str(base[name]) if name in base else None
            written.setdefault((entity, entity_id, name), []).append((str(edit.op_id), made_on))
        return edit
    if kind == "event":
        amount = draw(st.integers(1, 99)) * 100
        line = {"line_id": f"l{envelope['device_seq']}", "unit_price": amount, "quantity": 1}
        return Event(**envelope, name="line_added", data=line)
    if kind == "status":
        status = draw(st.sampled_from(LIFECYCLES[entity].statuses))
        return StatusChange(**envelope, status=status)
    if kind == "counter":
        return CounterDelta(
            **envelope, counter=draw(st.sampled_from(("a", "b"))), delta=draw(st.integers(-5, 5))
        )
    return Tombstone(**envelope, reason="removed")


async def store(engine: AsyncEngine, tenant_id: str, ops: list[Op]) -> None:
    async with engine.begin() as conn:
        await store_ops(
            conn,
            tenant_id=tenant_id,
            outlet_id=OUTLET,
            scope=outlet_scope(OUTLET),
            ops=bodies(ops),
            now_ms=NOW_MS,
        )


async def kept_rows(engine: AsyncEngine, tenant_id: str) -> dict[str, Any]:
    """What the hub's read models hold for the tenant, shaped to compare with a fold."""
    async with engine.connect() as conn:
        held = await conn.execute(sa.select(entities).where(entities.c.tenant_id == tenant_id))
        found = await conn.execute(sa.select(conflicts).where(conflicts.c.tenant_id == tenant_id))
        sold = await conn.execute(sa.select(tickets).where(tickets.c.tenant_id == tenant_id))
        digest = await scopes_state_hash(conn, tenant_id, [outlet_scope(OUTLET)])
        return {
            "entities": {
                (r.entity, r.entity_id): (r.status, r.deleted, r.fields, r.merged) for r in held
            },
            "conflicts": {r.conflict_id: (r.field, r.op_ids, r.winner, r.resolved) for r in found},
            "tickets": {r.id: (r.status, r.total, r.paid, r.balance) for r in sold},
            "state_hash": digest,
        }


def folded(ops: list[Op]) -> dict[str, Any]:
    """The same, from a full fold of every op."""
    replica = Replica()
    for op in ops:
        replica.apply(op)
    ticket_rows = [
        projections.ticket_row(
            state, ticket_money(state), tenant_id="", outlet_id=OUTLET, now_ms=NOW_MS
        )
        for state in replica
        if state.entity == "ticket"
    ]
    return {
        "entities": {
            (s.entity, s.entity_id): (s.status, s.deleted, s.fields, Resumed(s, True).keep())
            for s in replica
        },
        "conflicts": {
            c.conflict_id: (c.field, list(c.op_ids), c.winner, c.resolved)
            for c in replica.conflicts()
        },
        "tickets": {
            r["id"]: (r["status"], r["total"], r["paid"], r["balance"]) for r in ticket_rows
        },
        "state_hash": replica.state_hash(),
    }


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), ops=histories())
async def test_what_the_hub_keeps_equals_a_full_fold_however_the_pushes_split(
    hub: AsyncEngine, data: st.DataObject, ops: list[Op]
) -> None:
    order = data.draw(st.permutations(ops))
    cuts = sorted(data.draw(st.lists(st.integers(1, len(ops)), max_size=4, unique=True)))
    tenant_id = str(uuid.uuid4())  # each example is a tenant of its own
    start = 0
    for cut in [*cuts, len(order)]:
        if cut > start:
            await store(hub, tenant_id, order[start:cut])
            start = cut

    assert await kept_rows(hub, tenant_id) == folded(ops)


def session_ops(first: int, count: int, device: uuid.UUID = DEVICES[0]) -> list[Op]:
    """A drawer session's day: counted cash (deltas), cash counts (events), notes (edits)."""
    made: list[Op] = []
    for n in range(first, first + count):
        envelope: dict[str, Any] = {
            "op_id": uuid7(NOW_MS + n, random_bits=n),
            "tenant": "demo",
            "outlet": "DEMO1",
            "device_id": device,
            "device_seq": n,
            "hlc": (NOW_MS + n) << 16,
            "entity": "drawer_session",
            "entity_id": "d1",
        }
        if n % 3 == 0:
            made.append(CounterDelta(**envelope, counter="cash", delta=500))
        elif n % 3 == 1:
            made.append(Event(**envelope, name="cash_counted", data={"n": n}))
        else:
            made.append(FieldEdit(**envelope, changes={"note": n}))
    return made


def note_edit(
    n: int, device: int, note: str, *, on: FieldEdit, seconds: int, resolves: tuple[str, ...] = ()
) -> FieldEdit:
    """Device ``device``'s edit of the session's note, made on the version ``on``."""
    return FieldEdit(
        op_id=uuid7(NOW_MS + n, random_bits=n),
        tenant="demo",
        outlet="DEMO1",
        device_id=DEVICES[device],
        device_seq=n,
        hlc=(NOW_MS + seconds) << 16,
        entity="drawer_session",
        entity_id="d1",
        changes={"note": note},
        base={"note": on.op_id},
        resolves=resolves,
    )


async def test_a_push_to_an_entity_with_a_long_history_reads_none_of_it(
    hub: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant_id = str(uuid.uuid4())
    history = session_ops(1, 600)
    for start in range(0, len(history), 100):
        await store(hub, tenant_id, history[start : start + 100])
    decoded: list[Op] = []
    real_decode = oplog.decode_body
    monkeypatch.setattr(oplog, "decode_body", lambda body: decoded.append(real_decode(body)))

    await store(hub, tenant_id, session_ops(601, 100))

    assert decoded == []  # not one stored op of the session was read back
    monkeypatch.undo()
    assert await kept_rows(hub, tenant_id) == folded(session_ops(1, 700))


async def test_an_entity_stored_before_merges_were_kept_is_folded_once_then_kept(
    hub: AsyncEngine,
) -> None:
    tenant_id = str(uuid.uuid4())
    history = session_ops(1, 30)
    await store(hub, tenant_id, history)
    async with hub.begin() as conn:  # as the upgrade leaves a row written before
        await conn.execute(sa.update(entities).values(merged=None))
        await conn.execute(sa.delete(field_writes))
    first_note = next(op for op in history if isinstance(op, FieldEdit))
    # Another till edited the note on the version it saw at the start of the day.
    concurrent = note_edit(900, 1, "recount", on=first_note, seconds=5)

    await store(hub, tenant_id, [concurrent])
    await store(hub, tenant_id, session_ops(31, 9))

    expected = folded([*history, concurrent, *session_ops(31, 9)])
    assert len(expected["conflicts"]) == 1
    assert await kept_rows(hub, tenant_id) == expected


async def test_a_conflict_settled_by_a_later_push_is_marked_resolved(hub: AsyncEngine) -> None:
    tenant_id = str(uuid.uuid4())
    (opened, *_) = [op for op in session_ops(1, 3) if isinstance(op, FieldEdit)]
    edits = [note_edit(100 + n, n, f"till {n}", on=opened, seconds=10) for n in (1, 2)]
    settled = conflict_id("drawer_session", "d1", "note", str(opened.op_id))
    winner = max(edits, key=lambda e: (e.hlc, str(e.device_id), str(e.op_id)))
    settling = note_edit(200, 0, "till 1", on=winner, seconds=20, resolves=(settled,))
    await store(hub, tenant_id, [opened, *edits])

    await store(hub, tenant_id, [settling])

    held = await kept_rows(hub, tenant_id)
    assert held["conflicts"][settled][3] is True
    assert held == folded([opened, *edits, settling])
