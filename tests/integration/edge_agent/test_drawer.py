"""Cash drawer sessions and X/Z reports on a real SQLite file, offline.

The demo cashier (PIN 1111) may open the drawer but lacks ``drawer_close``, ``no_sale``
and ``reports``; the demo manager (PIN 9999) has every permission.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest
from litestar import Litestar
from litestar.datastructures import State
from litestar.testing import TestClient

from edge_agent.bootstrap import init_device
from edge_agent.domain.errors import PermissionDenied, ReasonRequired
from edge_agent.http.drawer import DRAWER_HANDLERS
from edge_agent.http.errors import HANDLERS
from edge_agent.services import drawer, drawer_sessions, errors, reports, staff, tickets
from edge_agent.services.tickets import Context
from edge_agent.settings import AgentSettings
from edge_agent.store import oplog
from edge_agent.store.gateway import Store

T = TypeVar("T")
START_MS = 1_767_254_400_000  # 2026-01-01 08:00 UTC


@pytest.fixture
def clock() -> Callable[[], int]:
    ticks = itertools.count(START_MS, 1_000)
    return lambda: next(ticks)


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    store, _ = init_device(AgentSettings(data_dir=tmp_path), with_demo=True)
    yield store
    store.close()


@pytest.fixture
def cashier(store, clock) -> staff.Operator:
    return staff.sign_in(store, "1111", clock)


@pytest.fixture
def manager(store, clock) -> staff.Operator:
    return staff.sign_in(store, "9999", clock)


def run(store: Store, who: staff.Operator, clock: Callable[[], int], action: Callable[..., T]) -> T:
    with store.write() as conn:
        return action(Context(conn, who, clock))


def mark_synced(store: Store) -> None:
    """What a hub acknowledgement does: every op so far is synced."""
    with store.write() as conn:
        conn.execute("UPDATE device SET acked_seq = last_seq")


def ops_count(store: Store) -> int:
    with store.read() as conn:
        return int(conn.execute("SELECT count(*) FROM ops").fetchone()[0])


def drawer_event(store: Store, name: str) -> dict[str, Any]:
    with store.read() as conn:
        bodies = conn.execute(
            "SELECT body FROM ops WHERE entity IN ('drawer_session', 'z_report')"
            " AND kind = 'event' ORDER BY device_seq DESC"
        ).fetchall()
    for (body,) in bodies:
        op = oplog.decode(body)
        if getattr(op, "name", None) == name:
            return dict(op.data)  # type: ignore[attr-defined]
    raise AssertionError(f"no {name} op")


def cash_sale(store: Store, who: staff.Operator, clock: Callable[[], int], variant: str) -> int:
    """Sell one item for exact cash; return what the drawer took."""

    def sell(ctx: Context) -> int:
        ticket = tickets.open_ticket(ctx, "counter")
        ticket = tickets.add_line(ctx, ticket.id, variant, 1)
        due = ticket.totals().balance_due
        tickets.pay(ctx, ticket.id, "cash", due)
        return due

    return run(store, who, clock, sell)


def test_opening_the_drawer_starts_an_open_session_with_the_float(store, cashier, clock) -> None:
    session = run(store, cashier, clock, lambda ctx: drawer.open_drawer(ctx, 100_000))

    assert session.status == "open"
    assert session.opening_float == 100_000
    assert session.opened_by == cashier.staff_id
    with store.read() as conn:
        assert drawer_sessions.current_session(conn).id == session.id


def test_a_second_open_is_refused_while_a_session_is_open(store, cashier, clock) -> None:
    first = run(store, cashier, clock, lambda ctx: drawer.open_drawer(ctx, 100_000))
    before = ops_count(store)

    with pytest.raises(errors.DrawerAlreadyOpen) as refused:
        run(store, cashier, clock, lambda ctx: drawer.open_drawer(ctx, 50_000))

    assert refused.value.session_id == first.id
    assert ops_count(store) == before


def test_movements_need_an_open_drawer(store, cashier, clock) -> None:
    with pytest.raises(errors.DrawerNotOpen):
        run(store, cashier, clock, lambda ctx: drawer.movement(ctx, "pay_in", 1_000, "change"))


def test_pay_in_pay_out_and_drop_are_recorded_with_their_reasons(store, cashier, clock) -> None:
    run(store, cashier, clock, lambda ctx: drawer.open_drawer(ctx, 100_000))

    run(store, cashier, clock, lambda ctx: drawer.movement(ctx, "pay_in", 20_000, "coins"))
    run(store, cashier, clock, lambda ctx: drawer.movement(ctx, "pay_out", 5_000, "milk"))
    session = run(store, cashier, clock, lambda ctx: drawer.movement(ctx, "drop", 50_000, "safe"))

    recorded = [(m.kind, m.amount, m.reason) for m in session.movements]
    assert recorded == [
        ("float", 100_000, ""),
        ("pay_in", 20_000, "coins"),
        ("pay_out", 5_000, "milk"),
        ("drop", 50_000, "safe"),
    ]


def test_a_pay_out_without_a_reason_is_refused_and_writes_nothing(store, cashier, clock) -> None:
    run(store, cashier, clock, lambda ctx: drawer.open_drawer(ctx, 100_000))
    before = ops_count(store)

    with pytest.raises(ReasonRequired):
        run(store, cashier, clock, lambda ctx: drawer.movement(ctx, "pay_out", 5_000, "  "))

    assert ops_count(store) == before


def test_a_no_sale_by_a_cashier_needs_a_manager_override(store, cashier, clock) -> None:
    run(store, cashier, clock, lambda ctx: drawer.open_drawer(ctx, 100_000))

    with pytest.raises(PermissionDenied):
        run(store, cashier, clock, lambda ctx: drawer.movement(ctx, "no_sale", 0, ""))
    session = run(store, cashier, clock, lambda ctx: drawer.movement(ctx, "no_sale", 0, "", "9999"))

    assert [m.kind for m in session.movements] == ["float", "no_sale"]
    audit = drawer_event(store, "cash_movement")["overrides"]
    assert audit == [{"permission": "no_sale", "manager_id": "staff-manager"}]


def test_blind_close_computes_expected_cash_and_variance_from_the_count(
    store, cashier, manager, clock
) -> None:
    run(store, cashier, clock, lambda ctx: drawer.open_drawer(ctx, 100_000))
    sold = cash_sale(store, cashier, clock, "espresso")
    run(store, cashier, clock, lambda ctx: drawer.movement(ctx, "pay_out", 5_000, "milk"))
    expected = 100_000 + sold - 5_000
    # One 10-shilling coin short: a KES 1,000 note, a 50, and the sale in 10s less one.
    counts = {100_000: 1, 5_000: 1, 1_000: (sold - 10_000) // 1_000 - 1}
    mark_synced(store)

    result = run(store, manager, clock, lambda ctx: drawer.close_drawer(ctx, counts))

    assert sold > 10_000
    assert sold % 1_000 == 0
    assert result.expected == expected
    assert result.counted == expected - 1_000
    assert result.variance == -1_000
    assert result.session.status == "closed"
    assert drawer_event(store, "drawer_counted")["counts"] == {str(d): n for d, n in counts.items()}


def test_a_cashier_closes_only_with_a_manager_override(store, cashier, clock) -> None:
    run(store, cashier, clock, lambda ctx: drawer.open_drawer(ctx, 10_000))
    mark_synced(store)

    with pytest.raises(PermissionDenied):
        run(store, cashier, clock, lambda ctx: drawer.close_drawer(ctx, {10_000: 1}))
    result = run(store, cashier, clock, lambda ctx: drawer.close_drawer(ctx, {10_000: 1}, "9999"))

    assert result.variance == 0
    assert [o.permission.value for o in result.overrides] == ["drawer_close"]


def test_x_report_mid_shift_shows_the_figures_and_changes_nothing(
    store, cashier, manager, clock
) -> None:
    run(store, cashier, clock, lambda ctx: drawer.open_drawer(ctx, 100_000))
    sold = cash_sale(store, cashier, clock, "chai")
    run(store, cashier, clock, lambda ctx: drawer.movement(ctx, "drop", 40_000, "safe"))
    before = ops_count(store)

    with store.read() as conn:
        summary = reports.x_report(conn, manager)

    report = summary.report
    assert report.opening_float == 100_000
    assert report.cash_sales == sold
    assert report.drops == 40_000
    assert report.expected_cash == 100_000 + sold - 40_000
    assert report.sales_by_method == {"cash": sold}
    assert report.tickets_count == 1
    assert ops_count(store) == before
    with store.read() as conn:
        assert drawer_sessions.current_session(conn).status == "open"


def test_a_cashier_sees_no_x_report_without_the_reports_permission(store, cashier, clock) -> None:
    run(store, cashier, clock, lambda ctx: drawer.open_drawer(ctx, 100_000))

    with store.read() as conn, pytest.raises(PermissionDenied):
        reports.x_report(conn, cashier)


def test_a_cash_refund_in_the_session_comes_out_of_expected_cash(store, manager, clock) -> None:
    run(store, manager, clock, lambda ctx: drawer.open_drawer(ctx, 50_000))

    def sell_and_refund(ctx: Context) -> int:
        ticket = tickets.open_ticket(ctx, "counter")
        ticket = tickets.add_line(ctx, ticket.id, "samosa", 2)
        due = ticket.totals().balance_due
        tickets.pay(ctx, ticket.id, "cash", due)
        tickets.refund(ctx, ticket.id, "cash", 12_000, "cold")
        return due

    sold = run(store, manager, clock, sell_and_refund)
    with store.read() as conn:
        report = reports.x_report(conn).report

    assert report.cash_refunds == 12_000
    assert report.expected_cash == 50_000 + sold - 12_000
    assert report.net_sales == sold - 12_000


def test_z_report_is_refused_before_the_drawer_closes(store, manager, clock) -> None:
    run(store, manager, clock, lambda ctx: drawer.open_drawer(ctx, 10_000))

    with pytest.raises(errors.ZBeforeClose):
        run(store, manager, clock, reports.z_report)


def test_z_reports_are_numbered_1_then_2_across_two_sessions(store, manager, clock) -> None:
    numbers = []
    for float_amount in (10_000, 20_000):
        run(store, manager, clock, lambda ctx, f=float_amount: drawer.open_drawer(ctx, f))
        mark_synced(store)
        run(store, manager, clock, lambda ctx, f=float_amount: drawer.close_drawer(ctx, {f: 1}))

        numbers.append(run(store, manager, clock, reports.z_report).report.number)

    assert numbers == [1, 2]
    assert drawer_event(store, "z_report_issued")["number"] == 2


def test_a_z_number_is_never_used_twice_for_one_session(store, manager, clock) -> None:
    run(store, manager, clock, lambda ctx: drawer.open_drawer(ctx, 10_000))
    mark_synced(store)
    run(store, manager, clock, lambda ctx: drawer.close_drawer(ctx, {10_000: 1}))
    run(store, manager, clock, reports.z_report)

    with pytest.raises(errors.ZAlreadyIssued) as refused:
        run(store, manager, clock, reports.z_report)

    assert refused.value.number == 1


def test_close_is_refused_while_ops_are_unsynced(store, manager, clock) -> None:
    run(store, manager, clock, lambda ctx: drawer.open_drawer(ctx, 10_000))
    before = ops_count(store)

    with pytest.raises(errors.UnsyncedOps) as refused:
        run(store, manager, clock, lambda ctx: drawer.close_drawer(ctx, {10_000: 1}))

    assert refused.value.count > 0
    assert ops_count(store) == before
    with store.read() as conn:
        assert drawer_sessions.current_session(conn).status == "open"


def test_forcing_a_close_with_unsynced_ops_takes_a_manager_pin(store, manager, clock) -> None:
    run(store, manager, clock, lambda ctx: drawer.open_drawer(ctx, 10_000))

    with pytest.raises(PermissionDenied):
        run(
            store,
            manager,
            clock,
            lambda ctx: drawer.close_drawer(ctx, {10_000: 1}, force_unsynced=True),
        )


def test_a_forced_close_with_unsynced_ops_is_audited_in_the_op(
    store, cashier, manager, clock
) -> None:
    run(store, cashier, clock, lambda ctx: drawer.open_drawer(ctx, 10_000))

    result = run(
        store,
        cashier,
        clock,
        lambda ctx: drawer.close_drawer(ctx, {10_000: 1}, "9999", force_unsynced=True),
    )

    counted = drawer_event(store, "drawer_counted")
    assert result.session.status == "closed"
    assert counted["forced_unsynced"] is True
    assert counted["unsynced_ops"] == result.unsynced_ops > 0
    assert [o["permission"] for o in counted["overrides"]] == ["drawer_close", "manage_drawer"]
    assert {o["manager_id"] for o in counted["overrides"]} == {manager.staff_id}


def test_the_drawer_endpoints_answer_json_and_a_printable_z_report(store, manager, clock) -> None:
    app = Litestar(
        route_handlers=DRAWER_HANDLERS,
        state=State({"store": store, "clock": clock}),
        exception_handlers=HANDLERS,  # type: ignore[arg-type]
    )
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {manager.token}"
        opened = client.post("/api/v1/drawer/open", json={"float": 10_000})
        again = client.post(
            "/api/v1/drawer/movements",
            json={"kind": "pay_in", "amount": 500, "reason": "coins"},
            headers={"Idempotency-Key": "k1"},
        )
        twice = client.post(
            "/api/v1/drawer/movements",
            json={"kind": "pay_in", "amount": 500, "reason": "coins"},
            headers={"Idempotency-Key": "k1"},
        )
        x = client.get("/api/v1/reports/x")
        closed = client.post(
            "/api/v1/drawer/close",
            json={"counted": {"10000": 1, "500": 1}, "manager_pin": "9999", "force_unsynced": True},
        )
        z = client.post("/api/v1/reports/z?format=text")
        unknown = client.post("/api/v1/drawer/open", json={"float": 1, "extra": 1})

    assert opened.status_code == 201
    assert again.json() == twice.json()
    assert len(again.json()["movements"]) == 1
    assert x.json()["report"]["expected_cash"] == 10_500
    assert closed.json()["variance"] == 0
    assert z.status_code == 201
    assert z.headers["content-type"].startswith("text/plain")
    assert "Z REPORT #1" in z.text
    assert unknown.status_code == 400
