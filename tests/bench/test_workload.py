"""The bench's generated sales are what a till would have logged: valid, gapless, and
folding into closed, fully paid tickets on the agent, so the catch-up measures real work
(a ticket the agent cannot list would be logged and skipped, not projected)."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict

from edge_agent.services.ticket_view import fold
from sync_protocol import MSGPACK, EntityState, Op, apply_op
from sync_protocol.hlc import unpack
from tests.bench.till import Latency
from tests.bench.workload import ticket_ops


def test_ticket_ops_are_a_gapless_log_of_one_device_stamped_before_now() -> None:
    device = uuid.uuid4()
    ops = ticket_ops(1000, device_id=device)
    now_ms = time.time_ns() // 1_000_000

    assert [op.device_seq for op in ops] == list(range(1, 1001))
    assert {op.device_id for op in ops} == {device}
    assert [op.hlc for op in ops] == sorted({op.hlc for op in ops})
    assert unpack(ops[-1].hlc).wall_ms <= now_ms
    assert len({op.op_id for op in ops}) == 1000
    assert all(MSGPACK.decode(MSGPACK.encode(op), Op) == op for op in ops)  # type: ignore[arg-type]


def test_every_whole_sale_folds_into_a_closed_paid_ticket_on_the_agent() -> None:
    by_ticket: dict[str, list[Op]] = defaultdict(list)
    for op in ticket_ops(2000, device_id=uuid.uuid4()):
        by_ticket[op.entity_id].append(op)
    whole = list(by_ticket.values())[:-1]  # the last sale may be cut short

    for ticket_ops_ in whole:
        state = EntityState("ticket", ticket_ops_[0].entity_id)
        for op in ticket_ops_:
            apply_op(state, op)
        view = fold(state)
        assert view.status == "closed"
        assert view.totals().balance_due == 0
        assert 2 <= len(view.lines) <= 4


def test_latency_percentiles_come_from_the_samples() -> None:
    latency = Latency([float(n) for n in range(1, 101)])

    assert (latency.p50, latency.p95, latency.p99, latency.worst) == (50.5, 95.0, 99.0, 100.0)
