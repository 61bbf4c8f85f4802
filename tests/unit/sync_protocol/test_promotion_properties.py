"""Properties of the promotions engine over random baskets and promotion sets.

A discount never makes a line or a ticket negative; the result does not depend on the
order of lines or promotions, nor on which replica computes it (inputs sent through the
wire codecs give the identical result); the choice among overlapping promotions follows
the written rule: best price for the customer within priority tiers.
"""

from __future__ import annotations

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from sync_protocol.promotion_engine import apply_promotions
from sync_protocol.promotions import (
    AnyPromotion,
    BasketLine,
    PricedBasket,
    PricingContext,
    ServiceCharge,
)
from tests.unit.sync_protocol.promotion_strategies import STAFF, baskets, contexts, promotions


def net(result: PricedBasket) -> int:
    return result.subtotal - result.discount


@given(baskets(), promotions(), contexts)
def test_a_discount_never_makes_a_line_or_the_ticket_negative(
    lines: list[BasketLine], promos: list[AnyPromotion], context: PricingContext
) -> None:
    result = apply_promotions(lines, promos, context)

    for line in result.lines:
        assert 0 <= line.discount <= line.subtotal
        assert line.total >= 0
        assert all(a.amount > 0 for a in (*line.discounts, *line.service_charges))
        assert line.discount == sum(a.amount for a in line.discounts)
        assert line.service_charge == sum(a.amount for a in line.service_charges)
    assert 0 <= result.discount <= result.subtotal
    assert result.total == sum(line.total for line in result.lines) >= 0
    assert sum(a.amount for a in result.applied) == result.discount + result.service_charge


@given(baskets(), promotions(), contexts, st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_line_or_promotion_order(
    lines: list[BasketLine], promos: list[AnyPromotion], context: PricingContext, rnd
) -> None:
    shuffled_lines, shuffled_promos = list(lines), list(promos)
    rnd.shuffle(shuffled_lines)
    rnd.shuffle(shuffled_promos)

    assert apply_promotions(shuffled_lines, shuffled_promos, context) == apply_promotions(
        lines, promos, context
    )


@given(baskets(), promotions(), contexts)
def test_every_replica_computes_the_same_result_from_the_serialised_inputs(
    lines: list[BasketLine], promos: list[AnyPromotion], context: PricingContext
) -> None:
    here = apply_promotions(lines, promos, context)
    wire = msgspec.msgpack.encode((lines, promos, context))

    far_lines, far_promos, far_context = msgspec.msgpack.decode(
        wire, type=tuple[list[BasketLine], list[AnyPromotion], PricingContext]
    )
    there = apply_promotions(far_lines, far_promos, far_context)

    assert there == here
    assert msgspec.json.encode(there) == msgspec.json.encode(here)


@given(baskets(), promotions(conditions=False))
def test_the_customer_gets_the_best_of_the_stacked_plan_and_each_exclusive_alone(
    lines: list[BasketLine], promos: list[AnyPromotion]
) -> None:
    discounts = [p for p in promos if not isinstance(p, ServiceCharge)]
    stacked = [p for p in discounts if not p.exclusive]
    alone = [p for p in discounts if p.exclusive]

    chosen = apply_promotions(lines, discounts, STAFF)

    options = [net(apply_promotions(lines, stacked, STAFF))]
    options += [net(apply_promotions(lines, [p], STAFF)) for p in alone]
    assert net(chosen) == min(options)


@given(baskets(), promotions(conditions=False, exclusive=False, tiers=1))
def test_within_a_tier_the_first_promotion_applied_is_the_best_one_alone(
    lines: list[BasketLine], promos: list[AnyPromotion]
) -> None:
    discounts = [p for p in promos if not isinstance(p, ServiceCharge)]

    chosen = apply_promotions(lines, discounts, STAFF)

    alone = {p.id: apply_promotions(lines, [p], STAFF).discount for p in discounts}
    if chosen.applied:
        first = chosen.applied[0]
        assert first.amount == max(alone.values())
        assert first.promotion_id == min(i for i, d in alone.items() if d == first.amount)
    else:
        assert set(alone.values()) <= {0}


@given(baskets(), promotions(conditions=False, exclusive=False))
def test_a_higher_tier_applies_before_a_lower_one(
    lines: list[BasketLine], promos: list[AnyPromotion]
) -> None:
    discounts = [p for p in promos if not isinstance(p, ServiceCharge)]
    priority = {p.id: p.priority for p in discounts}

    chosen = apply_promotions(lines, discounts, STAFF)

    tiers = [priority[a.promotion_id] for a in chosen.applied]
    assert tiers == sorted(tiers, reverse=True)
