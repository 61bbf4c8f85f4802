"""The ticket money fold and its invariants: totals from events, tender outcomes, and the
three money conflicts, the same whatever the order the events arrived in."""

from __future__ import annotations

import uuid
from itertools import permutations
from typing import Any

import pytest

from sync_protocol import (
    EntityState,
    Event,
    StatusChange,
    apply_op,
    money_conflicts,
    state_hash,
    ticket_money,
    uuid7,
)
from sync_protocol.ticket_money import RESOLUTIONS, money_conflict_id

TILL_A = uuid.UUID(int=0xA1)
TILL_B = uuid.UUID(int=0xB2)
VAT16 = {"code": "VAT16", "name": "VAT", "rate_bp": 1600, "inclusive": True}
LEVY2 = {"code": "LEVY2", "name": "Levy", "rate_bp": 200, "inclusive": False}


class Maker:
    """Ops of one till on ticket ``t``, each stamped later than the one before."""

    def __init__(self, device: uuid.UUID = TILL_A) -> None:
        self.device, self.n = device, 0

    def _envelope(self) -> dict[str, Any]:
        self.n += 1
        return {
            "op_id": uuid7(1_750_000_000_000 + self.n, random_bits=self.n + self.device.int),
            "tenant": "demo",
            "outlet": "DEMO1",
            "device_id": self.device,
            "device_seq": self.n,
            "hlc": self.n << 16 | (self.device.int & 0xFF),
            "entity": "ticket",
            "entity_id": "t",
        }

    def event(self, name: str, data: Any) -> Event:
        return Event(**self._envelope(), name=name, data=data)

    def status(self, status: str) -> StatusChange:
        return StatusChange(**self._envelope(), status=status)


def line(line_id: str, price: int, quantity: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "line_id": line_id,
        "unit_price": price,
        "quantity": quantity,
        "modifiers": [],
        "tax_rates": [VAT16],
        **extra,
    }


def pay(payment_id: str, amount: int, status: str = "confirmed", **extra: Any) -> dict:
    return {"payment_id": payment_id, "method": "card", "amount": amount, "status": status, **extra}


def folded(*ops: Any) -> EntityState:
    state = EntityState("ticket", "t")
    for op in ops:
        apply_op(state, op)
    return state


def test_the_total_adds_modifiers_line_and_ticket_discounts_and_exclusive_taxes() -> None:
    a = Maker()
    ops = [
        a.event(
            "line_added",
            line(
                "l1",
                1000,
                2,
                modifiers=[{"id": "oat", "price_delta": 150}],
                tax_rates=[VAT16, LEVY2],
                discount={"kind": "percent", "value": 1000},
            ),
        ),
        a.event("line_added", line("l2", 999, tax_rates=[])),
        a.event("discount_applied", {"line_id": None, "kind": "amount", "value": 1001}),
    ]

    money = ticket_money(folded(*ops))

    # l1: 2 x 1150 = 2300, less 10 % = 2070; l2: 999. Ticket discount 1001 split 675/326
    # (largest remainder). l1 1395 incl. VAT 192 -> net 1203, levy 24 -> 1419; l2 673.
    assert money.total == 1419 + 673


def test_changed_moved_and_voided_lines_count_as_the_till_counts_them() -> None:
    a = Maker()
    ops = [
        a.event("line_added", line("l1", 500)),
        a.event("line_added", line("l2", 700)),
        a.event("line_added", line("l3", 900)),
        a.event("line_changed", {"line_id": "l1", "changes": {"quantity": 3}}),
        a.event("line_changed", {"line_id": "l1", "changes": {"notes": "hot"}}),
        a.event("line_changed", {"line_id": "l1", "changes": {"quantity": 0}}),
        a.event("line_changed", {"line_id": "gone", "changes": {"quantity": 2}}),
        a.event("line_moved", {"line_id": "l2"}),
        a.event("line_voided", {"line_id": "l3"}),
        a.event("line_voided", {"line_id": ["not", "an", "id"]}),
        a.event("discount_applied", {"line_id": "l1", "kind": "percent", "value": 5000}),
        a.event("discount_applied", {"line_id": "missing", "kind": "amount", "value": 1}),
    ]

    assert ticket_money(folded(*ops)).total == 750


@pytest.mark.parametrize(
    "data",
    [
        {**line("x", 100), "unit_price": "100"},
        {**line("x", 100), "quantity": 0},
        {**line("x", -1)},
        {**line("x", 100), "modifiers": "oat"},
        {**line("x", 100), "tax_rates": {"VAT16": 1600}},
        {**line("x", 100), "modifiers": [{"price_delta": True}]},
        {**line("x", 100), "modifiers": ["oat"]},
        {**line("x", 100), "modifiers": [{"id": "m", "price_delta": -200}]},
        {**line("x", 100), "tax_rates": ["VAT16"]},
        {**line("x", 100), "tax_rates": [{**VAT16, "rate_bp": -1}]},
        {**line("x", 100), "tax_rates": [{**VAT16, "inclusive": 1}]},
        {**line("x", 100), "tax_rates": [VAT16, VAT16]},
    ],
)
def test_a_line_a_device_shaped_wrongly_counts_for_nothing(data: Any) -> None:
    a = Maker()

    money = ticket_money(folded(a.event("line_added", data)))

    assert money.total == 0


@pytest.mark.parametrize(
    "discount",
    [
        {"kind": "percent", "value": 10_001},
        {"kind": "half", "value": 10},
        {"kind": "amount", "value": -5},
        {"kind": "amount", "value": "5"},
    ],
)
def test_a_discount_outside_the_rules_takes_nothing_off(discount: dict) -> None:
    a = Maker()
    ops = [
        a.event("line_added", line("l1", 1000, discount=discount)),
        a.event("discount_applied", {"line_id": None, **discount}),
    ]

    assert ticket_money(folded(*ops)).total == 1000


def test_an_amount_discount_is_capped_at_what_it_discounts() -> None:
    a = Maker()
    ops = [
        a.event("line_added", line("l1", 300, discount={"kind": "amount", "value": 999})),
        a.event("line_added", line("l2", 0)),
        a.event("discount_applied", {"line_id": None, "kind": "amount", "value": 50}),
    ]

    assert ticket_money(folded(*ops)).total == 0


def test_a_pending_tender_takes_the_first_outcome_and_a_declined_one_pays_nothing() -> None:
    a, b = Maker(), Maker(TILL_B)
    ops = [
        a.event("line_added", line("l1", 1000)),
        a.event("payment_taken", pay("p1", 600, "pending", tip=50)),
        a.event("payment_taken", pay("p2", 400, "pending", tip=True)),
        a.event("payment_taken", pay("p3", 100, "pending")),
        a.event("payment_taken", {"method": 7, "amount": 5}),
        a.event("payment_taken", pay("p4", 0)),
        b.event("payment_confirmed", {"payment_id": "p1", "status": "declined"}),
        a.event("payment_confirmed", {"payment_id": "p1"}),
        a.event("payment_confirmed", {"payment_id": "p2", "status": "confirmed"}),
        a.event("payment_confirmed", {"payment_id": "p4", "status": "lost"}),
        a.event("payment_confirmed", {"payment_id": "p5", "status": "declined"}),
    ]

    money = ticket_money(folded(*ops))

    statuses = {t.payment_id: (t.method, t.status, t.tip) for t in money.tenders}
    assert statuses["p1"] == ("card", "declined", 50)
    assert statuses["p2"] == ("card", "confirmed", 0)
    assert statuses["p3"] == ("card", "pending", 0)
    assert ("unknown", "confirmed", 0) in statuses.values()
    assert (money.paid, money.pending, money.declined) == (505, 100, 600)


def test_a_tender_taken_as_confirmed_is_never_declined() -> None:
    a = Maker()
    ops = [
        a.event("payment_taken", pay("cash", 300)),
        a.event("payment_confirmed", {"payment_id": "cash", "status": "declined"}),
    ]

    assert ticket_money(folded(*ops)).paid == 300


def test_a_ticket_paid_twice_is_overpaid_until_the_overpayment_is_refunded() -> None:
    a, b = Maker(), Maker(TILL_B)
    base = [a.event("line_added", line("l1", 1000))]
    paid_twice = [
        a.event("payment_taken", pay("pa", 1000)),
        a.status("closed"),
        b.event("payment_taken", pay("pb", 1000)),
        b.status("closed"),
    ]
    refund = a.event("refund_issued", {"refund_id": "r", "method": "card", "amount": 1000})

    flagged = money_conflicts(folded(*base, *paid_twice))
    settled = money_conflicts(folded(*base, *paid_twice, refund))

    assert [(c.kind, c.amount, c.resolutions) for c in flagged] == [("overpaid", 1000, ("refund",))]
    assert flagged[0].conflict_id == money_conflict_id("t", "overpaid")
    assert settled == []


def test_a_closed_ticket_owing_money_is_flagged_until_a_late_payment() -> None:
    a, b = Maker(), Maker(TILL_B)
    ops = [
        a.event("line_added", line("l1", 1000)),
        a.event("payment_taken", pay("pa", 1000)),
        a.status("closed"),
        b.event("line_added", line("l2", 250)),
    ]
    late = b.event("payment_taken", pay("pb", 250, late=True))

    flagged = ticket_money(folded(*ops))
    settled = ticket_money(folded(*ops, late))

    assert [(c.kind, c.amount) for c in flagged.conflicts()] == [("balance_due", 250)]
    assert flagged.conflicts()[0].resolutions == RESOLUTIONS["balance_due"]
    assert settled.conflicts() == []
    assert settled.balance_due == 0


def test_an_open_ticket_owing_money_is_no_conflict() -> None:
    a = Maker()

    money = ticket_money(folded(a.event("line_added", line("l1", 1000)), a.status("sent")))

    assert (money.balance_due, money.conflicts()) == (1000, [])


def test_a_voided_ticket_holding_money_is_flagged_until_refunded_or_reinstated() -> None:
    a, b = Maker(), Maker(TILL_B)
    ops = [
        a.event("line_added", line("l1", 1000)),
        a.event("ticket_voided", {"reason": "walked out"}),
        a.status("voided"),
        b.event("payment_taken", pay("pb", 1000)),
        b.status("closed"),
    ]
    refund = a.event("refund_issued", {"refund_id": "r", "method": "card", "amount": 1000})
    reinstated = b.event("ticket_reinstated", {"reason": "the customer paid"})
    bad_refund = a.event("refund_issued", {"refund_id": "r2", "amount": "1000"})

    flagged = ticket_money(folded(*ops, bad_refund))
    refunded = ticket_money(folded(*ops, refund))
    back = ticket_money(folded(*ops, reinstated))

    assert [(c.kind, c.amount) for c in flagged.conflicts()] == [("voided_with_payments", 1000)]
    assert flagged.voided
    assert not flagged.settled
    assert refunded.conflicts() == []
    assert (back.reinstated, back.settled, back.voided, back.conflicts()) == (
        True,
        True,
        False,
        [],
    )


def test_a_voided_ticket_without_money_is_no_conflict() -> None:
    a = Maker()

    assert money_conflicts(folded(a.event("line_added", line("l1", 10)), a.status("voided"))) == []


def test_other_entities_have_no_money_conflicts() -> None:
    assert money_conflicts(EntityState("drawer_session", "d")) == []


def test_replicas_holding_the_same_events_in_any_order_show_the_same_money() -> None:
    a, b = Maker(), Maker(TILL_B)
    ops = [
        a.event("line_added", line("l1", 1000)),
        b.event("line_added", line("l2", 333)),
        a.event("payment_taken", pay("pa", 1000)),
        b.event("payment_taken", pay("pb", 1333, "pending")),
        a.event("payment_confirmed", {"payment_id": "pb", "status": "declined"}),
        a.status("closed"),
    ]

    seen = {
        (ticket_money(s := folded(*order)), tuple(money_conflicts(s)), state_hash([s]))
        for order in permutations(ops)
    }

    assert len(seen) == 1
    ((money, conflicts, _),) = seen
    assert [(c.kind, c.amount) for c in conflicts] == [("balance_due", 333)]
    assert money.declined == 1333
