"""Hypothesis strategies for promotions: baskets, promotion sets and pricing contexts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from sync_protocol.promotions import (
    AmountOff,
    AnyPromotion,
    BasketLine,
    Bundle,
    BundleItem,
    BuyXGetY,
    GroupPrice,
    PercentOff,
    PricingContext,
    Scope,
    ServiceCharge,
    Target,
    Window,
)

VARIANTS = ("latte", "mocha", "muffin", "bagel")
CATEGORY = {"latte": "coffee", "mocha": "coffee", "muffin": "pastry", "bagel": "pastry"}
START = datetime(2026, 11, 23, tzinfo=UTC)


@st.composite
def baskets(draw: st.DrawFn) -> list[BasketLine]:
    ids = draw(st.lists(st.text("abcdef", min_size=1, max_size=3), unique=True, max_size=6))
    lines = []
    for line_id in ids:
        variant = draw(st.sampled_from(VARIANTS))
        lines.append(
            BasketLine(
                line_id=line_id,
                variant_id=variant,
                product_id=f"p-{variant}",
                category_id=CATEGORY[variant],
                quantity=draw(st.integers(1, 4)),
                unit_price=draw(st.integers(0, 5000)),
            )
        )
    return lines


targets = st.one_of(
    st.just(Target()),
    st.builds(Target, variant_ids=st.lists(st.sampled_from(VARIANTS), max_size=2).map(tuple)),
    st.builds(Target, category_ids=st.sampled_from([("coffee",), ("pastry",)])),
)
windows = st.builds(
    Window,
    weekdays=st.lists(st.integers(0, 6), min_size=1, max_size=3, unique=True).map(tuple),
    start=st.integers(0, 23).map(lambda h: f"{h:02d}:00"),
    end=st.integers(0, 23).map(lambda h: f"{h:02d}:30"),
)


@st.composite
def promotions(
    draw: st.DrawFn, *, conditions: bool = True, exclusive: bool = True, tiers: int = 3
) -> list[AnyPromotion]:
    kinds = st.sampled_from(["percent", "amount", "bxgy", "bundle", "group", "service"])
    chosen = draw(st.lists(kinds, max_size=6))
    result: list[AnyPromotion] = []
    for n, kind in enumerate(chosen):
        common: dict[str, Any] = {
            "id": f"promo-{n}",
            "name": f"Promotion {n}",
            "priority": draw(st.integers(0, tiers - 1)),
            "exclusive": draw(st.booleans()) if exclusive else False,
        }
        if conditions:
            common["windows"] = tuple(draw(st.lists(windows, max_size=1)))
            common["min_subtotal"] = draw(st.sampled_from([0, 0, 3000]))
            common["customer_groups"] = draw(st.sampled_from([(), ("staff",)]))
        scope: Scope = draw(st.sampled_from(["line", "ticket"]))
        if kind == "percent":
            bp = draw(st.integers(0, 10_000))
            result.append(PercentOff(**common, percent_bp=bp, scope=scope, target=draw(targets)))
        elif kind == "amount":
            amount = draw(st.integers(0, 6000))
            result.append(AmountOff(**common, amount=amount, scope=scope, target=draw(targets)))
        elif kind == "bxgy":
            reward = draw(st.one_of(st.none(), targets))
            result.append(
                BuyXGetY(
                    **common,
                    buy=draw(st.integers(1, 3)),
                    get=draw(st.integers(1, 2)),
                    target=draw(targets),
                    reward=reward,
                    reward_bp=draw(st.integers(0, 10_000)),
                )
            )
        elif kind == "bundle":
            items = draw(
                st.lists(
                    st.builds(BundleItem, target=targets, quantity=st.integers(1, 2)),
                    min_size=1,
                    max_size=3,
                )
            )
            result.append(Bundle(**common, items=tuple(items), price=draw(st.integers(0, 8000))))
        elif kind == "group":
            common["customer_groups"] = ("staff",)
            prices = draw(
                st.dictionaries(st.sampled_from(VARIANTS), st.integers(0, 5000), max_size=3)
            )
            result.append(GroupPrice(**common, prices=prices))
        else:
            result.append(ServiceCharge(**common, percent_bp=draw(st.integers(0, 2000))))
    return result


contexts = st.builds(
    PricingContext,
    outlet_code=st.just("DEMO1"),
    timezone=st.sampled_from(["Africa/Nairobi", "UTC", "America/New_York"]),
    moment=st.integers(0, 14 * 24 * 60).map(lambda m: START + timedelta(minutes=m)),
    customer_group=st.sampled_from([None, "staff"]),
)
STAFF = PricingContext(
    outlet_code="DEMO1", timezone="Africa/Nairobi", moment=START, customer_group="staff"
)
