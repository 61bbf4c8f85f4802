"""The hub's pure sync rules, without a database: push planning, quarantine, projections."""

from __future__ import annotations

import uuid

import pytest

from cloud_hub.domain import projections
from cloud_hub.domain.push import UNKNOWN_OP_ID, PushItem, plan_push, read_push
from cloud_hub.domain.quarantine import Refusal, Writer, refusal
from sync_protocol import JSON, MSGPACK, DecodeError, EntityState, Op, apply_op, ticket_money
from tests.hub_rows import NOW_MS, HubDevice, OpMaker

DEVICE = HubDevice("0193a6d4-0000-7000-8000-00000000000a", "", "D01", "", "demo", "", "DEMO1")
WRITER = Writer(DEVICE.uuid, "demo", "DEMO1")


def never(_: Op) -> None:
    return None


def items(ops: list[Op]) -> list[PushItem]:
    return [PushItem(op) for op in ops]


def test_ops_up_to_the_last_applied_are_duplicates_and_the_next_ones_apply() -> None:
    maker = OpMaker(DEVICE)
    batch = [maker.event("ticket", "t", "line_added") for _ in range(4)]

    plan = plan_push(items(batch), 2, known_op_ids=set(), refuse=never)

    assert [r.status for r in plan.results] == ["duplicate", "duplicate", "applied", "applied"]
    assert (plan.apply, plan.last_applied_seq, plan.resend_from) == (batch[2:], 4, None)


def test_a_resent_op_the_hub_holds_answers_its_quarantine_verdict_not_duplicate() -> None:
    maker = OpMaker(DEVICE)
    batch = [maker.event("ticket", "t", "line_added") for _ in range(3)]
    held = {1: Refusal("clock_drift", "stamped a day ahead")}

    plan = plan_push(items(batch), 2, known_op_ids=set(), refuse=never, verdicts=held)

    assert [(r.status, r.code, r.reason) for r in plan.results] == [
        ("quarantined", "clock_drift", "stamped a day ahead"),
        ("duplicate", None, None),
        ("applied", None, None),
    ]
    assert (plan.apply, plan.quarantine) == (batch[2:], [])


def test_a_gap_stops_the_plan_and_asks_to_resend() -> None:
    maker = OpMaker(DEVICE)
    batch = [maker.event("ticket", "t", "line_added") for _ in range(5)]

    plan = plan_push(
        items([batch[0], batch[1], batch[3], batch[4]]), 0, known_op_ids=set(), refuse=never
    )

    assert (len(plan.results), plan.last_applied_seq, plan.resend_from) == (2, 2, 3)


def test_a_refused_op_is_quarantined_and_the_sequence_moves_past_it() -> None:
    maker = OpMaker(DEVICE)
    batch = [maker.event("ticket", "t", "line_added") for _ in range(3)]

    plan = plan_push(
        items(batch),
        0,
        known_op_ids={str(batch[2].op_id)},
        refuse=lambda op: (
            refusal(op, WRITER, NOW_MS)
            if op is not batch[1]
            else refusal(maker.status("stock_item", "s", "open"), WRITER, NOW_MS)
        ),
    )

    assert [(r.status, r.code) for r in plan.results] == [
        ("applied", None),
        ("quarantined", "unmergeable"),
        ("duplicate", None),
    ]
    assert (plan.apply, plan.last_applied_seq) == ([batch[0]], 3)
    assert plan.quarantine[0].device_seq == 2


def test_an_undecodable_op_is_placed_by_its_neighbours_or_its_own_seq() -> None:
    maker = OpMaker(DEVICE)
    docs: list[object] = [
        JSON.decode(JSON.encode(maker.event("t", "1", "x")), dict) for _ in range(3)
    ]
    docs[0] = {"device_seq": 1, "op_id": "not-a-uuid", "kind": "nope"}
    docs[1] = [1, 2, 3]
    body = MSGPACK.encode({"type": "push", "device_id": DEVICE.device_id, "ops": docs})

    _, read = read_push(MSGPACK, body)
    plan = plan_push(read, 0, known_op_ids=set(), refuse=never)

    assert [(r.device_seq, r.status, r.op_id) for r in plan.results][:2] == [
        (1, "quarantined", UNKNOWN_OP_ID),
        (2, "quarantined", UNKNOWN_OP_ID),
    ]
    assert plan.quarantine[1].raw == MSGPACK.encode([1, 2, 3])


def test_a_push_where_no_op_can_be_placed_is_malformed() -> None:
    body = JSON.encode({"type": "push", "device_id": DEVICE.device_id, "ops": ["?", 7]})
    _, read = read_push(JSON, body)

    with pytest.raises(DecodeError, match="no op's device_seq"):
        plan_push(read, 0, known_op_ids=set(), refuse=never)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"device_id": uuid.uuid4()}, "wrong_device"),
        ({"outlet": "DEMO2"}, "wrong_device"),
        ({"schema_version": 2}, "schema_too_new"),
        ({"hlc": (NOW_MS + 300_001) << 16}, "clock_drift"),
    ],
)
def test_refusal_codes(change: dict[str, object], code: str) -> None:
    op = OpMaker(DEVICE).event("ticket", "t", "line_added", **change)

    refused = refusal(op, WRITER, NOW_MS)

    assert refused is not None
    assert refused.code == code


def test_a_device_op_on_hub_written_data_is_read_only() -> None:
    maker = OpMaker(DEVICE)

    for op in (maker.event("ref.staff", "s1", "x"), maker.status("device.session", "d", "open")):
        refused = refusal(op, WRITER, NOW_MS)
        assert refused is not None
        assert refused.code == "read_only"


def test_an_op_exactly_at_the_drift_bound_is_merged() -> None:
    op = OpMaker(DEVICE).event("ticket", "t", "line_added", hlc=(NOW_MS + 300_000) << 16)

    assert refusal(op, WRITER, NOW_MS) is None


def test_payments_are_keyed_by_their_id_and_confirmations_update_their_status() -> None:
    maker = OpMaker(DEVICE)
    state = EntityState("ticket", "t")
    for op in (
        maker.event(
            "ticket",
            "t",
            "payment_taken",
            {"payment_id": "p", "method": "card", "amount": 100, "status": "pending"},
        ),
        maker.event("ticket", "t", "payment_taken", {"payment_id": "p", "amount": 999}),
        maker.event("ticket", "t", "refund_issued", {"method": "cash", "amount": 40}),
        maker.event("ticket", "t", "payment_confirmed", {"payment_id": "p"}),
    ):
        apply_op(state, op)

    rows = projections.payment_rows(state, ticket_money(state), tenant_id="T", outlet_id="O")
    ticket = projections.ticket_row(
        state, ticket_money(state), tenant_id="T", outlet_id="O", now_ms=1
    )

    assert sorted((r["kind"], r["amount"], r["status"]) for r in rows) == [
        ("payment", 100, "confirmed"),
        ("refund", 40, "issued"),
    ]
    assert (ticket["paid"], ticket["refunded"], ticket["status"]) == (100, 40, "open")


def test_a_repeated_sequence_carrying_another_op_than_the_hub_holds_diverges() -> None:
    maker = OpMaker(DEVICE)
    batch = [maker.event("ticket", "t", "line_added") for _ in range(3)]
    held = {1: str(batch[0].op_id), 2: str(uuid.uuid4())}

    plan = plan_push(items(batch), 3, known_op_ids=set(), refuse=never, held=held)

    assert (plan.diverged_at, plan.results, plan.apply, plan.last_applied_seq) == (2, [], [], 3)


def test_a_repeated_sequence_the_hub_holds_nothing_at_diverges_only_for_an_unknown_op() -> None:
    maker = OpMaker(DEVICE)
    first, second = maker.event("ticket", "t", "a"), maker.event("ticket", "t", "b")

    known = plan_push(items([first]), 1, known_op_ids={str(first.op_id)}, refuse=never, held={})
    unknown = plan_push(items([first, second]), 2, known_op_ids=set(), refuse=never, held={})
    unreadable = plan_push(items([first]), 1, known_op_ids=set(), refuse=never, held={1: None})

    assert [r.status for r in known.results] == ["duplicate"]
    assert known.diverged_at is None
    assert unknown.diverged_at == 1
    assert unreadable.diverged_at is None
