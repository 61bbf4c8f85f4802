"""The till's totals and the shared money fold the hub runs agree on every ticket."""

from __future__ import annotations

import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

from edge_agent.domain.catalog import Modifier
from edge_agent.domain.discounts import Discount
from edge_agent.domain.taxes import TaxRate
from edge_agent.domain.ticket import TicketLine, compute_totals
from edge_agent.services.ticket_view import line_data
from sync_protocol import EntityState, Event, apply_op, ticket_money, uuid7

RATES = (
    TaxRate("VAT16", "VAT 16%", 1600, True),
    TaxRate("CTL2", "Levy 2%", 200, True),
    TaxRate("SVC10", "Service 10%", 1000, False),
    TaxRate("EXC7", "Excise 7.5%", 750, False),
)
DEVICE = uuid.UUID(int=0xA1)

discounts = st.one_of(
    st.none(),
    st.builds(Discount, st.just("percent"), st.integers(0, 10_000), st.just("promo")),
    st.builds(Discount, st.just("amount"), st.integers(0, 50_000), st.just("promo")),
)
lines = st.builds(
    lambda n, price, qty, deltas, rates, discount, voided: TicketLine(
        id=f"l{n}",
        product_id="p",
        variant_id="v",
        name="item",
        quantity=qty,
        unit_price=price,
        modifiers=tuple(Modifier(f"m{i}", "m", d) for i, d in enumerate(deltas)),
        tax_rates=rates,
        discount=discount,
        voided=voided,
    ),
    st.integers(0, 10**6),
    st.integers(0, 100_000),
    st.integers(1, 9),
    st.lists(st.integers(0, 9_000), max_size=2),
    st.sampled_from([(), RATES[:1], RATES[:2], RATES[2:3], (RATES[0], RATES[3]), RATES]),
    discounts,
    st.booleans(),
)


def event(n: int, name: str, data: dict) -> Event:
    return Event(
        op_id=uuid7(1_750_000_000_000 + n, random_bits=n),
        tenant="demo",
        outlet="DEMO1",
        device_id=DEVICE,
        device_seq=n + 1,
        hlc=(n + 1) << 16,
        entity="ticket",
        entity_id="t",
        name=name,
        data=data,
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(lines, max_size=6, unique_by=lambda line: line.id), discounts)
def test_the_shared_fold_totals_a_ticket_exactly_as_the_till_does(items, ticket_discount) -> None:
    state = EntityState("ticket", "t")
    ops = [event(n, "line_added", line_data(item)) for n, item in enumerate(items)]
    ops += [
        event(100 + n, "line_voided", {"line_id": item.id})
        for n, item in enumerate(items)
        if item.voided
    ]
    if ticket_discount is not None:
        data = {"line_id": None, "kind": ticket_discount.kind, "value": ticket_discount.value}
        ops.append(event(200, "discount_applied", data | {"reason": "promo"}))
    for op in ops:
        apply_op(state, op)

    till = compute_totals(items, ticket_discount, [], [], "KES")

    assert ticket_money(state).total == till.total
