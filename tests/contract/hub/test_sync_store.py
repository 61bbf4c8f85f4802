"""The hub's sync server on its real stores: every test runs on SQLite and PostgreSQL.

Push applies ops and advances ``last_applied_seq`` in one transaction, answers repeats as
duplicates and gaps with ``resend_from``, quarantines what it cannot merge without
blocking the ops behind; pull pages by cursor in commit order; commit sequences stay
gapless and increasing under concurrent pushes; and the hub's state hash equals a
``sync_protocol.Replica`` fed the same ops.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from cloud_hub.domain.push import PushItem, read_push
from cloud_hub.services import sync
from cloud_hub.services.errors import (
    DeviceRevoked,
    ResetRequired,
    Unauthorized,
    UnsupportedProtocol,
    WrongDevice,
)
from cloud_hub.store import meta, pages
from cloud_hub.store.models import conflicts, entities, ops, payments, quarantine, tickets
from cloud_hub.store.oplog import (
    outlet_scope,
    scopes_state_hash,
    store_ops,
    tenant_scope,
)
from cloud_hub.store.schema import migrate
from sync_protocol import (
    JSON,
    MSGPACK,
    PROTOCOL_VERSION,
    SCHEMA_VERSION,
    Handshake,
    Op,
    PullRequest,
    PullResponse,
    PushResponse,
    Replica,
    decode_cursor,
    uuid7,
)
from tests.hub_rows import (
    NOW_MS,
    HubDevice,
    OpMaker,
    add_device,
    add_outlet,
    bodies,
    device_row,
    seed,
)


def clock() -> int:
    return NOW_MS


async def store_reference(engine: AsyncEngine, tenant_id: str, reference: list[Op]) -> None:
    """Reference data as the hub's writer stores it, in the tenant's scope."""
    async with engine.begin() as conn:
        await store_ops(
            conn,
            tenant_id=tenant_id,
            outlet_id=None,
            scope=tenant_scope(tenant_id),
            ops=bodies(reference),
            now_ms=NOW_MS,
        )


@pytest.fixture
async def hub(engine: AsyncEngine) -> AsyncEngine:
    await migrate(engine)
    return engine


async def push(engine: AsyncEngine, device: HubDevice, batch: list[Op]) -> PushResponse:
    items = [PushItem(op) for op in batch]
    return await sync.push(engine, device.token, device.uuid, items, clock=clock)


async def pull(
    engine: AsyncEngine, device: HubDevice, cursor: str | None = None, limit: int = 500
) -> PullResponse:
    request = PullRequest(cursor=cursor, limit=limit)
    return await sync.pull(engine, device.token, request, clock=clock)


async def rows(engine: AsyncEngine, table: sa.Table, *where: sa.ColumnElement[bool]) -> list:
    async with engine.connect() as conn:
        return list(await conn.execute(sa.select(table).where(*where)))


def statuses(response: PushResponse) -> list[str]:
    return [result.status for result in response.results]


def shake(device: HubDevice, last_seq: int = 0, **changes: int) -> Handshake:
    fields = {
        "protocol_version": PROTOCOL_VERSION,
        "schema_version": SCHEMA_VERSION,
        "device_id": device.uuid,
        "device_clock_ms": NOW_MS + 1500,
        "device_hlc": 0,
        "last_seq": last_seq,
        "agent_version": "0.1.0",
    }
    return Handshake(**{**fields, **changes})


# Push


async def test_push_applies_ops_and_advances_last_applied_seq(hub: AsyncEngine) -> None:
    till, _ = await seed(hub)
    maker = OpMaker(till)
    batch = [
        maker.field("ticket", "t1", {"table": "T4"}),
        maker.status("ticket", "t1", "open"),
        maker.counter("stock_item", "flat-white", "on_hand", -2),
    ]

    response = await push(hub, till, batch)

    assert statuses(response) == ["applied"] * 3
    assert (response.last_applied_seq, response.resend_from, response.checkpoint) == (3, None, 3)
    stored = await rows(hub, ops)
    assert sorted((row.device_seq, row.commit_seq) for row in stored) == [(1, 1), (2, 2), (3, 3)]
    device = await device_row(hub, till)
    assert (device.last_applied_seq, device.checkpoint, device.last_push_ms) == (3, 3, NOW_MS)


async def test_a_push_that_fails_midway_leaves_neither_ops_nor_progress(
    hub: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    till, _ = await seed(hub)
    maker = OpMaker(till)

    async def broken(*_: object, **__: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("cloud_hub.store.oplog.write_projections", broken)
    with pytest.raises(RuntimeError):
        await push(hub, till, [maker.field("ticket", "t1", {"table": "T4"})])

    assert await rows(hub, ops) == []
    assert (await device_row(hub, till)).last_applied_seq == 0


async def test_a_repeated_push_is_answered_duplicate_and_changes_nothing(hub: AsyncEngine) -> None:
    till, _ = await seed(hub)
    maker = OpMaker(till)
    batch = [maker.event("ticket", "t1", "line_added", {"qty": 1}) for _ in range(3)]
    first = await push(hub, till, batch)

    again = await push(hub, till, batch)

    assert statuses(again) == ["duplicate"] * 3
    assert (again.last_applied_seq, again.checkpoint) == (3, first.checkpoint)
    assert len(await rows(hub, ops)) == 3


async def test_a_batch_after_a_gap_is_refused_with_resend_from(hub: AsyncEngine) -> None:
    till, _ = await seed(hub)
    maker = OpMaker(till)
    batch = [maker.event("ticket", "t1", "line_added") for _ in range(6)]
    await push(hub, till, batch[:2])

    ahead = await push(hub, till, batch[4:])
    skipping = await push(hub, till, [batch[2], batch[3], batch[5]])

    assert (ahead.results, ahead.last_applied_seq, ahead.resend_from) == ([], 2, 3)
    assert statuses(skipping) == ["applied", "applied"]
    assert (skipping.last_applied_seq, skipping.resend_from) == (4, 5)
    assert len(await rows(hub, ops)) == 4


async def test_a_malformed_op_in_the_middle_is_quarantined_and_the_rest_applied(
    hub: AsyncEngine,
) -> None:
    till, tablet = await seed(hub)
    maker = OpMaker(till)
    good = [maker.event("ticket", "t1", "line_added", {"qty": n}) for n in range(3)]
    docs = [JSON.decode(JSON.encode(op), dict) for op in good]
    docs[1]["data"] = {"qty": 1.5}  # floats are not payload values
    body = JSON.encode({"type": "push", "device_id": till.device_id, "ops": docs})
    device_id, items = read_push(JSON, body)

    response = await sync.push(hub, till.token, device_id, items, clock=clock)

    assert statuses(response) == ["applied", "quarantined", "applied"]
    assert response.results[1].code == "malformed"
    assert response.results[1].op_id == good[1].op_id
    assert response.last_applied_seq == 3
    (held,) = await rows(hub, quarantine)
    assert (held.device_seq, held.op_id, held.code) == (2, str(good[1].op_id), "malformed")
    assert b"1.5" in held.body
    page = await pull(hub, tablet)
    assert [op.op_id for op in page.ops] == [good[0].op_id, good[2].op_id]


async def test_an_undecodable_op_takes_its_place_from_its_neighbours(hub: AsyncEngine) -> None:
    till, _ = await seed(hub)
    maker = OpMaker(till)
    good = [maker.event("ticket", "t1", "line_added") for _ in range(3)]
    docs: list[object] = [JSON.decode(JSON.encode(op), dict) for op in good]
    docs[1] = "not an op at all"
    body = JSON.encode({"type": "push", "device_id": till.device_id, "ops": docs})

    response = await sync.push(hub, till.token, *read_push(JSON, body), clock=clock)

    assert [(r.device_seq, r.status) for r in response.results] == [
        (1, "applied"),
        (2, "quarantined"),
        (3, "applied"),
    ]
    assert response.results[1].op_id == uuid.UUID(int=0)


async def test_an_op_stamped_far_ahead_is_quarantined_and_does_not_block(
    hub: AsyncEngine,
) -> None:
    till, _ = await seed(hub)
    maker = OpMaker(till)
    fine = maker.event("ticket", "t1", "line_added")
    maker.clock_ms = NOW_MS + 10 * 60_000
    ahead = maker.event("ticket", "t1", "line_added")
    maker.clock_ms = NOW_MS
    behind = maker.event("ticket", "t1", "line_added")

    response = await push(hub, till, [fine, ahead, behind])

    assert statuses(response) == ["applied", "quarantined", "applied"]
    assert response.results[1].code == "clock_drift"
    assert "600001 ms ahead" in (response.results[1].reason or "")
    assert response.last_applied_seq == 3
    assert [row.code for row in await rows(hub, quarantine)] == ["clock_drift"]


@pytest.mark.parametrize(
    "override",
    [
        {"device_id": uuid.UUID("0193a6d4-0000-7000-8000-00000000000b")},
        {"tenant": "other"},
        {"outlet": "OTHER"},
    ],
    ids=["device", "tenant", "outlet"],
)
async def test_an_op_naming_another_device_is_quarantined_wrong_device(
    hub: AsyncEngine, override: dict[str, object]
) -> None:
    till, _ = await seed(hub)
    maker = OpMaker(till)
    batch = [maker.event("ticket", "t1", "line_added", **override)]

    response = await push(hub, till, batch)

    assert (response.results[0].status, response.results[0].code) == ("quarantined", "wrong_device")
    assert await rows(hub, ops) == []
    assert response.last_applied_seq == 1


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda m: m.field("ref.product", "p1", {"doc": {"name": "x"}}), "read_only"),
        (lambda m: m.field("device.session", "d1", {"signout_before_ms": 1}), "read_only"),
        (lambda m: m.status("stock_item", "s1", "open"), "unmergeable"),
        (lambda m: m.status("ticket", "t1", "parked"), "unknown_status"),
        (lambda m: m.event("ticket", "t1", "line_added", schema_version=2), "schema_too_new"),
    ],
    ids=["ref", "session", "no-lifecycle", "unknown-status", "schema"],
)
async def test_ops_the_hub_cannot_merge_are_quarantined_with_their_code(
    hub: AsyncEngine, make: object, code: str
) -> None:
    till, _ = await seed(hub)
    maker = OpMaker(till)
    batch = [make(maker), maker.event("ticket", "t2", "line_added")]  # type: ignore[operator]

    response = await push(hub, till, batch)

    assert [(r.status, r.code) for r in response.results] == [
        ("quarantined", code),
        ("applied", None),
    ]
    assert [row.code for row in await rows(hub, quarantine)] == [code]


async def test_an_op_id_the_hub_already_holds_is_a_duplicate(hub: AsyncEngine) -> None:
    till, _ = await seed(hub)
    maker = OpMaker(till)
    first = maker.event("ticket", "t1", "line_added")
    await push(hub, till, [first])
    replayed = maker.event("ticket", "t1", "line_added", op_id=first.op_id)

    response = await push(hub, till, [replayed, maker.event("ticket", "t1", "line_added")])

    assert statuses(response) == ["duplicate", "applied"]
    assert response.last_applied_seq == 3


async def test_push_checks_the_credential_and_the_body_device(hub: AsyncEngine) -> None:
    till, tablet = await seed(hub)
    async with hub.begin() as conn:
        where = await add_outlet(conn, "acme", "SHOP1")
        revoked = await add_device(conn, where, "D09", status="revoked")

    with pytest.raises(Unauthorized):
        await sync.push(hub, "not-a-credential", till.uuid, [], clock=clock)
    with pytest.raises(Unauthorized):
        await sync.push(hub, None, till.uuid, [], clock=clock)
    with pytest.raises(DeviceRevoked):
        await sync.push(hub, revoked.token, revoked.uuid, [], clock=clock)
    with pytest.raises(WrongDevice):
        await sync.push(hub, till.token, tablet.uuid, [], clock=clock)


# Handshake


async def test_handshake_measures_the_clock_and_says_where_to_push_from(hub: AsyncEngine) -> None:
    till, _ = await seed(hub)
    maker = OpMaker(till)
    await push(hub, till, [maker.event("ticket", "t1", "line_added") for _ in range(4)])

    accepted = await sync.handshake(
        hub, till.token, shake(till, 6, device_hlc=(NOW_MS + 3_600_000) << 16), clock=clock
    )

    assert (accepted.last_applied_seq, accepted.clock_skew_ms, accepted.hub_clock_ms) == (
        4,
        1500,
        NOW_MS,
    )
    async with hub.connect() as conn:
        assert accepted.hub_epoch == await meta.ensure_epoch(conn)
    device = await device_row(hub, till)
    assert (device.clock_skew_ms, device.last_seen_ms, device.device_last_seq) == (
        1500,
        NOW_MS,
        6,
    )
    assert device.agent_version == "0.1.0"


async def test_a_device_restored_from_an_old_backup_must_reset(hub: AsyncEngine) -> None:
    till, _ = await seed(hub)
    maker = OpMaker(till)
    await push(hub, till, [maker.event("ticket", "t1", "line_added") for _ in range(4)])

    with pytest.raises(ResetRequired):
        await sync.handshake(hub, till.token, shake(till, 2), clock=clock)

    assert (await device_row(hub, till)).device_last_seq == 2


async def test_handshake_refuses_another_protocol_and_other_devices(hub: AsyncEngine) -> None:
    till, tablet = await seed(hub)

    with pytest.raises(UnsupportedProtocol):
        await sync.handshake(hub, till.token, shake(till, protocol_version=2), clock=clock)
    with pytest.raises(WrongDevice):
        await sync.handshake(hub, till.token, shake(tablet), clock=clock)


# Pull


async def test_pull_pages_follow_the_cursor_and_leave_out_the_devices_own_ops(
    hub: AsyncEngine,
) -> None:
    till, tablet = await seed(hub)
    theirs, mine = OpMaker(tablet), OpMaker(till)
    await push(hub, till, [mine.event("ticket", "a", "line_added") for _ in range(3)])
    await push(hub, tablet, [theirs.event("ticket", "b", "line_added") for _ in range(5)])
    await push(hub, till, [mine.event("ticket", "a", "line_added") for _ in range(2)])

    pages = [await pull(hub, till, limit=2)]
    while pages[-1].has_more:
        pages.append(await pull(hub, till, pages[-1].cursor, limit=2))

    assert [len(page.ops) for page in pages] == [2, 2, 1]
    assert [page.remaining for page in pages] == [3, 1, 0]
    assert {op.device_id for page in pages for op in page.ops} == {tablet.uuid}
    assert [op.device_seq for page in pages for op in page.ops] == [1, 2, 3, 4, 5]
    assert pages[-1].checkpoint == 10
    last = decode_cursor(pages[-1].cursor)
    assert (last.outlet_seq, last.tenant_seq) == (10, 0)
    assert (await device_row(hub, till)).pulled_seq == 10
    again = await pull(hub, till, pages[-1].cursor)
    assert (again.ops, again.has_more, again.remaining, again.cursor) == (
        [],
        False,
        0,
        pages[-1].cursor,
    )


async def test_a_long_way_from_the_head_pull_counts_only_so_far_and_says_the_distance(
    hub: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "COUNTED", 3)
    till, tablet = await seed(hub)
    theirs, mine = OpMaker(tablet), OpMaker(till)
    await push(hub, tablet, [theirs.event("ticket", "b", "line_added") for _ in range(6)])
    await push(hub, till, [mine.event("ticket", "a", "line_added") for _ in range(2)])

    first = await pull(hub, till, limit=1)
    rest = await pull(hub, till, first.cursor, limit=3)
    end = await pull(hub, till, rest.cursor, limit=5)

    # At the bound, the distance to the head: 7 sequences, 2 of them the till's own.
    assert (first.remaining, first.has_more) == (7, True)
    assert (rest.remaining, rest.has_more) == (2, True)  # below it, exact
    assert (len(end.ops), end.remaining, end.has_more) == (2, 0, False)


async def test_pull_serves_the_tenants_reference_data_too(hub: AsyncEngine) -> None:
    till, tablet = await seed(hub)
    async with hub.begin() as conn:
        other = await add_outlet(conn, "demo", "DEMO2", tenant_id=till.tenant_id)
        elsewhere = await add_device(conn, other, "D01")
    hub_writer = HubDevice(str(uuid7(NOW_MS)), "", "HUB", till.tenant_id, till.tenant, "", "HUB")
    writer = OpMaker(hub_writer)
    reference = [writer.field("ref.product", f"p{n}", {"doc": {}}) for n in range(3)]
    await store_reference(hub, till.tenant_id, reference)
    await push(hub, tablet, [OpMaker(tablet).event("ticket", "b", "line_added")])
    await push(hub, elsewhere, [OpMaker(elsewhere).event("ticket", "c", "line_added")])

    first = await pull(hub, till, limit=2)
    second = await pull(hub, till, first.cursor, limit=2)

    assert [op.entity_id for op in first.ops] == ["p0", "p1"]
    assert [op.entity_id for op in second.ops] == ["p2", "b"]
    assert (first.remaining, second.remaining, second.has_more) == (2, 0, False)
    cursor = decode_cursor(second.cursor)
    assert (cursor.outlet_seq, cursor.tenant_seq) == (1, 3)


async def test_a_page_sent_as_stored_is_byte_for_byte_the_decoded_one(hub: AsyncEngine) -> None:
    till, tablet = await seed(hub)
    hub_writer = HubDevice(str(uuid7(NOW_MS)), "", "HUB", till.tenant_id, till.tenant, "", "HUB")
    writer = OpMaker(hub_writer)
    elsewhere = {"name": "Wanjiru", "pin_hash": "scrypt$x", "outlets": ["OTHER"]}
    here = {"name": "Otieno", "pin_hash": "scrypt$y", "outlets": [till.outlet]}
    reference = [
        writer.field("ref.staff", "s1", {"doc": elsewhere}),
        writer.field("ref.staff", "s2", {"doc": here}),
        writer.field("ref.product", "p1", {"doc": {"price": 100}}),
    ]
    await store_reference(hub, till.tenant_id, reference)
    theirs = OpMaker(tablet)
    await push(
        hub, tablet, [theirs.event("ticket", "b", "line_added", {"qty": n}) for n in range(4)]
    )

    decoded = await sync.pull(hub, till.token, PullRequest(limit=5), clock=clock)
    stored = await sync.pull(hub, till.token, PullRequest(limit=5), clock=clock, stored=True)

    assert MSGPACK.encode(stored) == MSGPACK.encode(decoded)
    staff = {op.entity_id: op for op in decoded.ops if op.entity == "ref.staff"}
    assert "pin_hash" not in staff["s1"].changes["doc"]  # works elsewhere: redacted
    assert staff["s2"].changes["doc"]["pin_hash"] == "scrypt$y"
    assert (len(decoded.ops), decoded.remaining) == (5, 2)


async def test_a_cursor_of_another_epoch_is_answered_reset(hub: AsyncEngine) -> None:
    till, tablet = await seed(hub)
    await push(hub, tablet, [OpMaker(tablet).event("ticket", "b", "line_added")])
    page = await pull(hub, till)
    async with hub.begin() as conn:
        epoch = await meta.new_epoch(conn)

    answer = await pull(hub, till, page.cursor)

    assert (answer.reset, answer.ops) == (True, [])
    assert decode_cursor(answer.cursor) == decode_cursor(answer.cursor).__class__(1, epoch, 0, 0)
    fresh = await pull(hub, till, answer.cursor)
    assert (fresh.reset, len(fresh.ops)) == (False, 1)


async def test_a_cursor_the_hub_did_not_make_is_malformed(hub: AsyncEngine) -> None:
    till, _ = await seed(hub)

    with pytest.raises(ValueError, match="invalid cursor"):
        await pull(hub, till, "bm90IGEgY3Vyc29y")


# Merge, projections, hashes


async def test_the_hub_state_hash_equals_a_replica_fed_the_same_ops(hub: AsyncEngine) -> None:
    till, tablet = await seed(hub)
    a, b = OpMaker(till), OpMaker(tablet)
    opened = a.field("ticket", "t1", {"table": "T4", "covers": 2})
    history_a = [
        opened,
        a.status("ticket", "t1", "open"),
        a.event("ticket", "t1", "line_added", {"qty": 2, "unit_price": 35_000}),
        a.field("ticket", "t1", {"table": "T7"}, base=opened),
        a.counter("stock_item", "flat-white", "on_hand", -2),
        a.status("ticket", "t1", "closed"),
    ]
    history_b = [
        b.field("ticket", "t1", {"table": "T9"}, base=opened),
        b.tombstone("held_order", "h1", "discarded"),
        b.status("ticket", "t1", "sent"),
    ]
    await push(hub, till, history_a[:3])
    await push(hub, tablet, history_b)
    await push(hub, till, history_a[3:])
    replica = Replica()
    for op in history_a + history_b:
        replica.apply(op)

    async with hub.connect() as conn:
        digest = await scopes_state_hash(
            conn, till.tenant_id, [outlet_scope(till.outlet_id), tenant_scope(till.tenant_id)]
        )

    assert digest == replica.state_hash()
    stored = {(row.entity, row.entity_id): row for row in await rows(hub, entities)}
    for state in replica:
        row = stored[(state.entity, state.entity_id)]
        assert row.fields == state.fields
        assert (row.status, row.deleted) == (state.status, state.deleted)


async def test_concurrent_edits_of_a_field_are_recorded_as_a_conflict(hub: AsyncEngine) -> None:
    till, tablet = await seed(hub)
    a, b = OpMaker(till), OpMaker(tablet)
    opened = a.field("ticket", "t1", {"table": "T4"})
    await push(hub, till, [opened])
    mine = a.field("ticket", "t1", {"table": "T7"}, base=opened)
    theirs = b.field("ticket", "t1", {"table": "T9"}, base=opened)

    await push(hub, till, [mine])
    await push(hub, tablet, [theirs])

    replica = Replica()
    for op in (opened, mine, theirs):
        replica.apply(op)
    (expected,) = replica.conflicts()
    (row,) = await rows(hub, conflicts)
    assert (row.conflict_id, row.entity, row.entity_id, row.field) == (
        expected.conflict_id,
        "ticket",
        "t1",
        "table",
    )
    assert (row.op_ids, row.winner, row.resolved) == (
        list(expected.op_ids),
        expected.winner,
        False,
    )
    assert (row.tenant_id, row.outlet_id, row.detected_ms) == (
        till.tenant_id,
        till.outlet_id,
        NOW_MS,
    )


async def test_ticket_and_payment_projections_add_up_the_tenders(hub: AsyncEngine) -> None:
    till, _ = await seed(hub)
    a = OpMaker(till)
    header = {
        "kind": "dine_in",
        "receipt_no": "DEMO1-D01-000042",
        "currency": "KES",
        "opened_ms": NOW_MS - 5_000,
        "table": "T4",
    }
    cash = {
        "payment_id": "pay-1",
        "method": "cash",
        "amount": 50_000,
        "tip": 0,
        "status": "confirmed",
        "reference": None,
    }
    card = {
        "payment_id": "pay-2",
        "method": "card",
        "amount": 20_000,
        "tip": 1_000,
        "status": "pending",
        "reference": "AUTH99",
    }
    refund = {"refund_id": "ref-1", "method": "cash", "amount": 5_000, "reason": "cold"}
    await push(
        hub,
        till,
        [
            a.field("ticket", "t1", header),
            a.status("ticket", "t1", "open"),
            a.event("ticket", "t1", "payment_taken", cash),
        ],
    )

    await push(
        hub,
        till,
        [
            a.event("ticket", "t1", "payment_taken", card),
            a.status("ticket", "t1", "paid"),
            a.status("ticket", "t1", "closed"),
            a.event("ticket", "t1", "refund_issued", refund),
            a.event("ticket", "t1", "payment_confirmed", {"payment_id": "pay-2"}),
        ],
    )

    (ticket,) = await rows(hub, tickets)
    assert (ticket.id, ticket.receipt_no, ticket.kind, ticket.currency, ticket.opened_ms) == (
        "t1",
        "DEMO1-D01-000042",
        "dine_in",
        "KES",
        NOW_MS - 5_000,
    )
    assert (ticket.status, ticket.paid, ticket.refunded) == ("closed", 70_000, 5_000)
    assert (ticket.tenant_id, ticket.outlet_id) == (till.tenant_id, till.outlet_id)
    paid = {row.id: row for row in await rows(hub, payments)}
    assert sorted(paid) == ["pay-1", "pay-2", "ref-1"]
    assert (paid["pay-2"].kind, paid["pay-2"].method, paid["pay-2"].amount) == (
        "payment",
        "card",
        20_000,
    )
    assert (paid["pay-2"].tip, paid["pay-2"].reference, paid["pay-2"].status) == (
        1_000,
        "AUTH99",
        "confirmed",
    )
    assert (paid["ref-1"].kind, paid["ref-1"].amount, paid["ref-1"].ticket_id) == (
        "refund",
        5_000,
        "t1",
    )
    assert paid["pay-1"].device_id == till.device_id


async def test_payment_data_a_column_cannot_hold_never_fails_the_push(hub: AsyncEngine) -> None:
    till, _ = await seed(hub)
    a = OpMaker(till)
    odd = {
        "payment_id": "x" * 500,
        "method": "c\x00sh",
        "amount": 2**63 - 1,
        "tip": True,
        "status": ["?"],
        "reference": "r" * 999,
    }

    response = await push(
        hub,
        till,
        [
            a.field(
                "ticket", "t1", {"receipt_no": "R\x00", "currency": "KESH", "opened_ms": "soon"}
            ),
            a.event("ticket", "t1", "payment_taken", odd),
            a.event("ticket", "t1", "payment_taken", odd | {"payment_id": "p2"}),
        ],
    )

    assert statuses(response) == ["applied"] * 3
    (ticket,) = await rows(hub, tickets)
    assert (ticket.receipt_no, ticket.currency, ticket.opened_ms) == (None, None, None)
    assert ticket.paid == 2**63 - 1
    assert {(row.method, row.tip, row.reference) for row in await rows(hub, payments)} == {
        ("unknown", 0, None)
    }


async def test_an_entity_merges_the_ops_of_earlier_pushes(hub: AsyncEngine) -> None:
    till, tablet = await seed(hub)
    a, b = OpMaker(till), OpMaker(tablet)
    await push(hub, till, [a.status("ticket", "t1", "closed")])

    await push(hub, tablet, [b.status("ticket", "t1", "sent"), b.field("ticket", "t1", {"x": 1})])

    (row,) = await rows(hub, entities)
    assert (row.status, row.fields) == ("closed", {"x": 1})
    (ticket,) = await rows(hub, tickets)
    assert ticket.status == "closed"


async def test_storing_an_op_id_twice_is_an_integrity_error_on_every_store(
    hub: AsyncEngine,
) -> None:
    till, _ = await seed(hub)
    op = OpMaker(till).event("ticket", "t1", "line_added")
    scope = outlet_scope(till.outlet_id)
    async with hub.begin() as conn:
        await store_ops(
            conn,
            tenant_id=till.tenant_id,
            outlet_id=till.outlet_id,
            scope=scope,
            ops=bodies([op]),
            now_ms=NOW_MS,
        )

    with pytest.raises(IntegrityError):
        async with hub.begin() as conn:
            await store_ops(
                conn,
                tenant_id=till.tenant_id,
                outlet_id=till.outlet_id,
                scope=scope,
                ops=bodies([op]),
                now_ms=NOW_MS,
            )

    assert len(await rows(hub, ops)) == 1
