"""A ticket priced under its pinned promotions: the till's totals, the shared fold the hub
runs, and two tills that add lines to one ticket while offline."""

from __future__ import annotations

import uuid
from itertools import permutations
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from edge_agent.domain.discounts import Discount
from edge_agent.domain.taxes import TaxRate
from edge_agent.domain.ticket import TicketLine, compute_totals
from edge_agent.services.ticket_view import fold, line_data
from sync_protocol import EntityState, Event, FieldEdit, apply_op, ticket_money, uuid7
from sync_protocol.promotions import (
    AnyPromotion,
    BuyXGetY,
    PercentOff,
    ServiceCharge,
    Target,
    Window,
)
from sync_protocol.ticket_promotions import TicketPromotions, from_event
from tests.unit.sync_protocol.promotion_strategies import CATEGORY, VARIANTS, promotions

VAT = TaxRate("VAT16", "VAT 16%", 1600, True)
LEVY = TaxRate("LEVY2", "Levy 2%", 200, False)
TILL_A, TILL_B = uuid.UUID(int=0xA1), uuid.UUID(int=0xB2)
# Thursday 2026-11-26 14:30 UTC, 17:30 in Nairobi.
THURSDAY_MS = 1_795_703_400_000
SAMOSAS = Target(variant_ids=("samosa",))


def samosa(line_id: str, quantity: int = 1, **extra: Any) -> TicketLine:
    return TicketLine(
        id=line_id,
        product_id="p-samosa",
        variant_id="samosa",
        name="Samosa",
        quantity=quantity,
        unit_price=12000,
        tax_rates=(VAT,),
        category_id="food",
        **extra,
    )


def pinned(*promos: AnyPromotion, moment_ms: int = THURSDAY_MS) -> TicketPromotions:
    return TicketPromotions.at(
        promos, outlet_code="DEMO1", timezone="Africa/Nairobi", moment_ms=moment_ms
    )


class Till:
    """Ticket ``t`` events of one till, each stamped later than the one before."""

    def __init__(self, device: uuid.UUID, start: int = 0) -> None:
        self.device, self.n = device, start

    def event(self, name: str, data: dict[str, Any]) -> Event:
        self.n += 1
        return Event(
            op_id=uuid7(1_750_000_000_000 + self.n, random_bits=self.n + self.device.int),
            tenant="demo",
            outlet="DEMO1",
            device_id=self.device,
            device_seq=self.n,
            hlc=self.n << 16 | self.device.int,
            entity="ticket",
            entity_id="t",
            name=name,
            data=data,
        )


OPENED = FieldEdit(
    op_id=uuid7(1_749_000_000_000, random_bits=1),
    tenant="demo",
    outlet="DEMO1",
    device_id=TILL_A,
    device_seq=1,
    hlc=1,
    entity="ticket",
    entity_id="t",
    changes={"currency": "KES"},
)


def merged(ops: list[Event]) -> EntityState:
    """A replica of ticket ``t`` (opened in KES) that merged ``ops`` in this order."""
    state = EntityState("ticket", "t")
    for op in [OPENED, *ops]:
        apply_op(state, op)
    return state


def test_promotions_come_before_the_line_discount_and_service_charges_after_every_discount() -> (
    None
):
    three_for_two = BuyXGetY(id="3for2", name="3 for 2 samosas", buy=2, get=1, target=SAMOSAS)
    service = ServiceCharge(id="svc", name="Service 10%", percent_bp=1000)
    line = samosa("a", 3, discount=Discount("percent", 5000, "staff meal"))

    totals = compute_totals([line], None, [], [], "KES", pinned(three_for_two, service))

    [figures] = totals.lines
    assert [(a.promotion_id, a.amount) for a in figures.promotions] == [("3for2", 12000)]
    assert figures.line_discount == 12000  # half of the 24000 left after the promotion
    assert figures.service_charge == 1200  # 10 % of the 12000 left after every discount
    assert figures.discount == 24000
    assert totals.promotion_discount == 12000
    assert totals.service_charge == 1200
    assert totals.total == 13200


def test_without_pinned_promotions_the_totals_are_as_before() -> None:
    lines = [samosa("a", 2, discount=Discount("amount", 1000, "x")), samosa("b")]

    plain = compute_totals(lines, Discount("percent", 1000, "y"), [], [], "KES")
    empty = compute_totals(lines, Discount("percent", 1000, "y"), [], [], "KES", pinned())

    assert plain == empty
    assert plain.promotion_discount == plain.service_charge == 0
    assert plain.line_discounts == 1000


line_items = st.builds(
    lambda n, variant, price, qty, rates, discount, voided: TicketLine(
        id=f"l{n}",
        product_id=f"p-{variant}",
        variant_id=variant,
        name=variant,
        quantity=qty,
        unit_price=price,
        tax_rates=rates,
        discount=discount,
        voided=voided,
        category_id=CATEGORY[variant],
    ),
    st.integers(0, 10**6),
    st.sampled_from(VARIANTS),
    st.integers(0, 6000),
    st.integers(1, 4),
    st.sampled_from([(), (VAT,), (LEVY,), (VAT, LEVY)]),
    st.one_of(
        st.none(),
        st.builds(Discount, st.just("percent"), st.integers(0, 10_000), st.just("d")),
        st.builds(Discount, st.just("amount"), st.integers(0, 9000), st.just("d")),
    ),
    st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(line_items, max_size=5, unique_by=lambda line: line.id),
    promotions(),
    st.one_of(
        st.none(), st.builds(Discount, st.just("amount"), st.integers(0, 9000), st.just("t"))
    ),
    st.sampled_from([None, "staff"]),
)
def test_the_shared_fold_totals_a_promoted_ticket_exactly_as_the_till_does(
    items, promos, ticket_discount, group
) -> None:
    pins = TicketPromotions.at(
        promos, outlet_code="DEMO1", timezone="UTC", moment_ms=THURSDAY_MS, customer_group=group
    )
    till = Till(TILL_A)
    ops = [till.event("promotions_priced", pins.data())]
    ops += [till.event("line_added", line_data(item)) for item in items]
    ops += [till.event("line_voided", {"line_id": i.id}) for i in items if i.voided]
    if ticket_discount is not None:
        data = {"kind": "amount", "value": ticket_discount.value, "reason": "t"}
        ops.append(till.event("discount_applied", {"line_id": None, **data}))

    totals = compute_totals(items, ticket_discount, [], [], "KES", pins)
    state = merged(ops)

    assert ticket_money(state).total == totals.total
    assert fold(state).totals() == totals
    assert all(line.total >= 0 for line in totals.lines)


def test_lines_added_on_two_tills_offline_are_priced_together_on_every_replica() -> None:
    bogo = BuyXGetY(id="bogo", name="Samosa BOGO", buy=1, get=1, target=SAMOSAS)
    pins = pinned(bogo).data()
    a, b = Till(TILL_A), Till(TILL_B)
    # Each till sold one samosa and pinned the promotions; neither saw the other's line.
    ops = [
        a.event("promotions_priced", pins),
        a.event("line_added", line_data(samosa("la"))),
        b.event("promotions_priced", pins),
        b.event("line_added", line_data(samosa("lb"))),
    ]

    replicas = [merged(list(order)) for order in permutations(ops)]

    totals = {ticket_money(state).total for state in replicas}
    views = {msgspec.json.encode(fold(state).totals().lines) for state in replicas}
    assert totals == {12000}
    assert len(views) == 1


def test_a_malformed_pinned_promotion_is_left_out_and_a_bad_context_prices_nothing() -> None:
    good = PercentOff(id="ok", name="10%", percent_bp=1000)
    data = pinned(good).data()
    data["promotions"].append({"kind": "free_lunch", "id": "x", "name": "?"})

    read = from_event(data)

    assert read is not None
    assert [p.id for p in read.promotions] == ["ok"]
    for broken in (
        {**data, "timezone": "Mars/Olympus"},
        {**data, "moment_ms": "soon"},
        {**data, "promotions": "all"},
        {**data, "customer_group": 7},
        {**data, "moment_ms": 10**20},
    ):
        assert from_event(broken) is None


def test_the_pinned_moment_travels_to_the_millisecond() -> None:
    moment_ms = THURSDAY_MS + 123

    data = pinned(moment_ms=moment_ms).data()

    assert data["moment_ms"] == moment_ms
    assert from_event(data) == pinned(moment_ms=moment_ms)


def test_a_ticket_is_repriced_only_when_the_running_promotions_change() -> None:
    happy = PercentOff(
        id="happy",
        name="Happy hour",
        percent_bp=2000,
        windows=(Window(weekdays=(3,), start="17:00", end="18:00"),),
    )
    before = pinned(happy, moment_ms=THURSDAY_MS - 3_600_000)  # 16:30
    during = pinned(happy)  # 17:30
    later = pinned(happy, moment_ms=THURSDAY_MS + 60_000)  # 17:31

    elsewhere = PercentOff(id="e", name="E", percent_bp=1, outlet_codes=("NBO2",))
    staff = PercentOff(id="s", name="S", percent_bp=1, customer_groups=("staff",))
    assert before.promotions == ()
    assert during.promotions == (happy,)
    assert pinned(elsewhere, staff).promotions == ()
    assert not during.same_pricing(before)
    assert later.same_pricing(during)
    assert not during.same_pricing(None)
    assert not during.same_pricing(pinned(happy, PercentOff(id="x", name="X", percent_bp=1)))
