"""The promotions engine, kind by kind, and the choice rule among overlapping promotions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest

from sync_protocol.minor_units import allocate, round_half_up
from sync_protocol.promotion_engine import apply_promotions
from sync_protocol.promotions import (
    MAX_QUANTITY,
    AmountOff,
    AnyPromotion,
    BasketLine,
    Bundle,
    BundleItem,
    BuyXGetY,
    GroupPrice,
    PercentOff,
    PricedBasket,
    PricingContext,
    ServiceCharge,
    Target,
    Window,
)
from sync_protocol.weekly_windows import local_moment

# Thursday 2026-11-26 14:30 UTC is 17:30 in Nairobi (UTC+3).
THURSDAY_1730_NAIROBI = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)
CONTEXT = PricingContext(
    outlet_code="DEMO1", timezone="Africa/Nairobi", moment=THURSDAY_1730_NAIROBI
)
COFFEES = Target(category_ids=("coffee",))


def line(line_id: str, variant: str, price: int, quantity: int = 1, category: str = "coffee"):
    return BasketLine(
        line_id=line_id,
        variant_id=variant,
        product_id=f"p-{variant}",
        category_id=category,
        quantity=quantity,
        unit_price=price,
    )


LATTE = line("l1", "latte", 30000)
MUFFIN = line("l2", "muffin", 25000, category="pastry")


def price(
    lines: list[BasketLine], promotions: list[AnyPromotion], context: PricingContext = CONTEXT
) -> PricedBasket:
    return apply_promotions(lines, promotions, context)


def discounts(result: PricedBasket) -> dict[str, dict[str, int]]:
    return {r.line_id: {a.promotion_id: a.amount for a in r.discounts} for r in result.lines}


# --- kinds -------------------------------------------------------------------------------


def test_percent_off_a_line_takes_its_share_of_that_line_only() -> None:
    promo = PercentOff(
        id="lat10", name="Latte 10%", percent_bp=1000, target=Target(variant_ids=("latte",))
    )

    result = price([LATTE, MUFFIN], [promo])

    assert discounts(result) == {"l1": {"lat10": 3000}, "l2": {}}
    assert result.total == 55000 - 3000


def test_percent_off_a_category_rounds_half_up_per_line() -> None:
    promo = PercentOff(id="cof", name="Coffee 12.5%", percent_bp=1250, target=COFFEES)
    lines = [line("a", "latte", 333, quantity=3), line("b", "mocha", 101), MUFFIN]

    result = price(lines, [promo])

    assert discounts(result) == {
        "a": {"cof": round_half_up(999 * 1250, 10000)},
        "b": {"cof": 13},
        "l2": {},
    }
    assert discounts(result)["a"]["cof"] == 125


def test_percent_off_the_ticket_is_prorated_over_every_line() -> None:
    promo = PercentOff(id="t10", name="10% off", percent_bp=1000, scope="ticket")

    result = price([LATTE, MUFFIN], [promo])

    assert result.discount == 5500
    assert discounts(result) == {"l1": {"t10": 3000}, "l2": {"t10": 2500}}


def test_amount_off_each_unit_never_takes_a_unit_below_zero() -> None:
    promo = AmountOff(
        id="off", name="KES 200 off pastries", amount=20000, target=Target(category_ids=("pastry",))
    )
    cheap = line("l3", "cookie", 15000, quantity=2, category="pastry")

    result = price([MUFFIN, cheap], [promo])

    assert discounts(result) == {"l2": {"off": 20000}, "l3": {"off": 30000}}
    assert [r.total for r in result.lines] == [5000, 0]


def test_amount_off_the_ticket_is_capped_at_the_ticket_and_prorated() -> None:
    promo = AmountOff(id="voucher", name="Voucher", amount=100000, scope="ticket")

    result = price([LATTE, MUFFIN], [promo])

    assert result.total == 0
    assert discounts(result) == {"l1": {"voucher": 30000}, "l2": {"voucher": 25000}}


def test_amount_off_the_ticket_splits_by_largest_remainder_in_line_id_order() -> None:
    promo = AmountOff(id="v", name="Voucher", amount=100, scope="ticket")
    lines = [line("c", "x", 100), line("a", "x", 100), line("b", "x", 100)]

    result = price(lines, [promo])

    assert [(r.line_id, r.discount) for r in result.lines] == [("a", 34), ("b", 33), ("c", 33)]


def test_buy_two_get_one_free_gives_the_cheapest_units() -> None:
    promo = BuyXGetY(id="b2g1", name="3 for 2 coffees", buy=2, get=1, target=COFFEES)
    lines = [
        line("a", "latte", 300),
        line("b", "espresso", 200, quantity=2),
        line("c", "mocha", 350),
    ]

    result = price(lines, [promo])

    # Units 350, 300 bought -> one 200 free; only one unit (200) left: no second reward.
    assert discounts(result) == {"a": {}, "b": {"b2g1": 200}, "c": {}}


def test_buy_x_get_y_repeats_as_often_as_the_basket_allows() -> None:
    promo = BuyXGetY(id="bogo", name="BOGO", buy=1, get=1, target=COFFEES)

    result = price([line("a", "latte", 300, quantity=5)], [promo])

    assert result.discount == 600


def test_buy_x_get_y_with_another_reward_at_half_price() -> None:
    promo = BuyXGetY(
        id="coffee-muffin",
        name="Coffee + half-price muffin",
        buy=1,
        get=1,
        target=COFFEES,
        reward=Target(variant_ids=("muffin",)),
        reward_bp=5000,
    )

    result = price([LATTE, line("l2", "muffin", 25001, quantity=2, category="pastry")], [promo])

    assert discounts(result) == {"l1": {}, "l2": {"coffee-muffin": 12501}}


def test_buy_x_get_y_needs_the_whole_set() -> None:
    promo = BuyXGetY(id="b2g1", name="3 for 2", buy=2, get=1, target=COFFEES)

    result = price([line("a", "latte", 300, quantity=2)], [promo])

    assert result.discount == 0
    assert result.applied == ()


def test_bundle_sells_its_items_at_the_fixed_price_with_the_saving_spread() -> None:
    combo = Bundle(
        id="combo",
        name="Coffee + muffin 450",
        items=(BundleItem(target=COFFEES), BundleItem(target=Target(category_ids=("pastry",)))),
        price=45000,
    )

    result = price([LATTE, MUFFIN], [combo])

    assert result.total == 45000
    assert discounts(result) == {
        "l1": {"combo": allocate(10000, [30000, 25000])[0]},
        "l2": {"combo": 4545},
    }


def test_bundle_repeats_with_the_dearest_units_and_skips_a_set_that_saves_nothing() -> None:
    combo = Bundle(
        id="pair",
        name="Two coffees 500",
        items=(BundleItem(target=COFFEES, quantity=2),),
        price=500,
    )
    lines = [
        line("a", "latte", 300, quantity=2),
        line("b", "espresso", 200, quantity=2),
        line("c", "tea", 100),
    ]

    result = price(lines, [combo])

    # 300+300 -> saves 100; 200+200 -> 400 < 500: stop. The tea is never bundled.
    assert result.discount == 100
    assert discounts(result) == {"a": {"pair": 100}, "b": {}, "c": {}}


def test_group_price_applies_only_to_its_customer_group() -> None:
    staff = GroupPrice(
        id="staff", name="Staff price", customer_groups=("staff",), prices={"latte": 15000}
    )
    member = msgspec.structs.replace(CONTEXT, customer_group="staff")

    as_staff = price([line("a", "latte", 30000, quantity=2)], [staff], member)
    as_anyone = price([line("a", "latte", 30000, quantity=2)], [staff])

    assert discounts(as_staff) == {"a": {"staff": 30000}}
    assert as_anyone.discount == 0


def test_group_price_above_the_price_takes_nothing() -> None:
    staff = GroupPrice(
        id="staff", name="Staff", customer_groups=("staff",), prices={"latte": 40000}
    )

    result = price([LATTE], [staff], msgspec.structs.replace(CONTEXT, customer_group="staff"))

    assert result.discount == 0


def test_service_charge_is_added_after_discounts_and_prorated() -> None:
    ten_off = PercentOff(id="t10", name="10% off", percent_bp=1000, scope="ticket")
    service = ServiceCharge(id="svc", name="Service 10%", percent_bp=1000)

    result = price([LATTE, MUFFIN], [ten_off, service])

    assert result.service_charge == 4950
    assert [r.service_charge for r in result.lines] == [2700, 2250]
    assert result.total == 55000 - 5500 + 4950
    assert result.applied[-1].promotion_id == "svc"


def test_happy_hour_runs_only_inside_its_window_in_the_outlet_zone() -> None:
    happy = PercentOff(
        id="happy",
        name="Happy hour",
        percent_bp=5000,
        windows=(Window(weekdays=(3,), start="17:00", end="19:00"),),
    )
    # 17:30 in Nairobi is 14:30 UTC: a zone read as UTC would miss the happy hour.
    in_london = msgspec.structs.replace(CONTEXT, timezone="Europe/London")
    friday = msgspec.structs.replace(CONTEXT, moment=datetime(2026, 11, 27, 14, 30, tzinfo=UTC))

    assert price([LATTE], [happy]).discount == 15000
    assert price([LATTE], [happy], in_london).discount == 0
    assert price([LATTE], [happy], friday).discount == 0


def test_happy_hour_window_crosses_midnight_into_the_next_weekday() -> None:
    late = Window(weekdays=(3,), start="22:00", end="02:00")
    friday_0130_nairobi = datetime(2026, 11, 26, 22, 30, tzinfo=UTC)

    assert late.contains(local_moment(friday_0130_nairobi, "Africa/Nairobi"))
    assert not late.contains(local_moment(THURSDAY_1730_NAIROBI, "Africa/Nairobi"))


def test_outlet_and_minimum_subtotal_conditions() -> None:
    elsewhere = PercentOff(id="x", name="Other outlet", percent_bp=1000, outlet_codes=("NAIROBI2",))
    big_spender = AmountOff(
        id="y", name="500 off 1000+", amount=50000, scope="ticket", min_subtotal=100000
    )
    here = PercentOff(id="z", name="Here", percent_bp=1000, outlet_codes=("DEMO1",))

    assert price([LATTE, MUFFIN], [elsewhere, big_spender]).discount == 0
    assert price([LATTE, MUFFIN], [here]).discount == 5500


def test_a_line_beyond_the_unit_limit_takes_no_promotion_but_its_service_charge() -> None:
    bulk = line("bulk", "latte", 10, quantity=MAX_QUANTITY + 1)
    half = PercentOff(id="half", name="Half", percent_bp=5000)
    service = ServiceCharge(id="svc", name="Service", percent_bp=1000)

    result = price([bulk, LATTE], [half, service])

    assert discounts(result) == {"bulk": {}, "l1": {"half": 15000}}
    assert [r.service_charge for r in result.lines] == [10001, 1500]
    assert result.service_charge == round_half_up((100010 + 15000) * 1000, 10000)


def test_a_naive_moment_is_refused() -> None:
    naive = msgspec.structs.replace(CONTEXT, moment=datetime(2026, 11, 26, 14, 30))

    with pytest.raises(ValueError, match="UTC offset"):
        price([LATTE], [], naive)


def test_duplicate_line_or_promotion_ids_are_refused() -> None:
    promo = PercentOff(id="p", name="P", percent_bp=100)

    with pytest.raises(ValueError, match="line"):
        price([LATTE, LATTE], [])
    with pytest.raises(ValueError, match="promotion"):
        price([LATTE], [promo, promo])


@pytest.mark.parametrize(
    "raw",
    [
        b'{"kind":"percent_off","id":"a","name":"A","percent_bp":10001}',
        b'{"kind":"amount_off","id":"a","name":"A","amount":-1}',
        b'{"kind":"buy_x_get_y","id":"a","name":"A","buy":0,"get":1}',
        b'{"kind":"bundle","id":"a","name":"A","items":[],"price":100}',
        b'{"kind":"group_price","id":"a","name":"A","prices":{"latte":100}}',
        b'{"kind":"service_charge","id":"a","name":"","percent_bp":1000}',
        b'{"kind":"percent_off","id":"a","name":"A","percent_bp":10,'
        b'"windows":[{"weekdays":[7],"start":"10:00","end":"11:00"}]}',
        b'{"kind":"percent_off","id":"a","name":"A","percent_bp":10,'
        b'"windows":[{"weekdays":[1],"start":"29:00","end":"11:00"}]}',
        b'{"kind":"free_lunch","id":"a","name":"A"}',
    ],
)
def test_malformed_promotions_do_not_decode(raw: bytes) -> None:
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(raw, type=AnyPromotion)


# --- choosing among overlapping promotions --------------------------------------------------


def test_within_a_tier_the_best_deal_for_the_customer_applies_first() -> None:
    small = PercentOff(id="a-small", name="5%", percent_bp=500, target=COFFEES)
    large = AmountOff(id="b-large", name="KES 50 off", amount=5000, target=COFFEES)

    result = price([LATTE], [small, large])

    # Each claims the latte's unit: the larger one wins, the other has nothing left.
    assert discounts(result) == {"l1": {"b-large": 5000}}
    assert [a.promotion_id for a in result.applied] == ["b-large"]


def test_within_a_tier_a_tie_goes_to_the_lower_id() -> None:
    first = PercentOff(id="a", name="10%", percent_bp=1000)
    second = AmountOff(id="b", name="KES 30", amount=3000)

    result = price([LATTE], [second, first])

    assert [a.promotion_id for a in result.applied] == ["a"]


def test_within_a_tier_promotions_on_different_lines_both_apply() -> None:
    coffee = PercentOff(id="c", name="Coffee 10%", percent_bp=1000, target=COFFEES)
    pastry = PercentOff(
        id="p", name="Pastry 20%", percent_bp=2000, target=Target(category_ids=("pastry",))
    )

    result = price([LATTE, MUFFIN], [coffee, pastry])

    assert discounts(result) == {"l1": {"c": 3000}, "l2": {"p": 5000}}
    assert [a.promotion_id for a in result.applied] == ["p", "c"]


def test_lower_tiers_stack_on_what_higher_tiers_left() -> None:
    first = PercentOff(
        id="z-first", name="50% coffee", percent_bp=5000, target=COFFEES, priority=10
    )
    then = PercentOff(id="a-then", name="10% ticket", percent_bp=1000, scope="ticket", priority=1)

    result = price([LATTE], [then, first])

    assert discounts(result) == {"l1": {"z-first": 15000, "a-then": 1500}}
    assert [a.promotion_id for a in result.applied] == ["z-first", "a-then"]


def test_an_exclusive_promotion_wins_only_when_it_beats_the_stacked_plan() -> None:
    stacked = [
        PercentOff(id="s1", name="10%", percent_bp=1000, priority=2),
        PercentOff(id="s2", name="10% more", percent_bp=1000, priority=1),
    ]
    weak = PercentOff(id="x-weak", name="15% alone", percent_bp=1500, exclusive=True)
    strong = PercentOff(id="x-strong", name="25% alone", percent_bp=2500, exclusive=True)

    with_weak = price([LATTE], [*stacked, weak])
    with_strong = price([LATTE], [*stacked, weak, strong])

    assert [a.promotion_id for a in with_weak.applied] == ["s1", "s2"]
    assert with_weak.discount == 3000 + 2700
    assert [a.promotion_id for a in with_strong.applied] == ["x-strong"]
    assert with_strong.discount == 7500


def test_a_tie_between_the_stacked_plan_and_an_exclusive_goes_to_the_stacked_plan() -> None:
    stacked = PercentOff(id="z", name="20%", percent_bp=2000)
    alone = AmountOff(id="a", name="KES 60 alone", amount=6000, exclusive=True)

    result = price([LATTE], [alone, stacked])

    assert [a.promotion_id for a in result.applied] == ["z"]


def test_a_tie_between_exclusives_goes_to_the_higher_priority_then_the_lower_id() -> None:
    low = PercentOff(id="a-low", name="20% alone", percent_bp=2000, exclusive=True)
    high = AmountOff(id="z-high", name="KES 60 alone", amount=6000, exclusive=True, priority=3)
    twin = AmountOff(id="y-high", name="KES 60 too", amount=6000, exclusive=True, priority=3)

    result = price([LATTE], [low, high, twin])

    assert [a.promotion_id for a in result.applied] == ["y-high"]


def test_receipt_attribution_sums_to_each_line_and_to_the_ticket() -> None:
    promos: list[AnyPromotion] = [
        BuyXGetY(
            id="bogo", name="BOGO", buy=1, get=1, target=Target(variant_ids=("latte",)), priority=5
        ),
        PercentOff(id="t5", name="5% off", percent_bp=500, scope="ticket"),
        ServiceCharge(id="svc", name="Service", percent_bp=500),
    ]

    result = price([line("a", "latte", 30000, quantity=3), MUFFIN], promos)

    for r in result.lines:
        assert r.discount == sum(a.amount for a in r.discounts)
        assert r.total == r.subtotal - r.discount + r.service_charge
    assert result.discount == sum(a.amount for a in result.applied if a.kind != "service_charge")
    assert {a.kind for a in result.applied} == {"buy_x_get_y", "percent_off", "service_charge"}


@pytest.mark.parametrize(
    ("build", "problem"),
    [
        (lambda: line("a", "latte", -1), "price >= 0"),
        (lambda: line("a", "latte", 100, quantity=0), "quantity"),
        (lambda: Window(weekdays=(1,), start="25:00", end="11:00"), "time of day"),
        (lambda: Window(weekdays=(), start="10:00", end="11:00"), "weekdays"),
        (lambda: PercentOff(id="a", name="A", percent_bp=-5), "basis points"),
        (lambda: AmountOff(id="a", name="A", amount=-1), "negative"),
        (lambda: BuyXGetY(id="a", name="A", buy=1, get=0), "at least one"),
        (lambda: BundleItem(target=COFFEES, quantity=0), "at least one"),
        (
            lambda: GroupPrice(id="a", name="A", customer_groups=("staff",), prices={"l": -1}),
            "negative",
        ),
    ],
)
def test_malformed_promotions_are_refused_when_built_in_code(build: Any, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        build()
