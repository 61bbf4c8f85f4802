"""The promotions engine: one pure function every device and the hub run alike.

:func:`apply_promotions` takes basket lines, the tenant's promotions and a pricing
context (outlet, its IANA zone, the moment, the customer's group) and returns every
line's discounts and service charges, each attributed to the promotion that gave it.
Same inputs, same result: lines are taken in line-id order and promotions in
(priority descending, id) order whatever order they come in; money is integer minor
units, rounded half up (:mod:`sync_protocol.minor_units`); no clock, no I/O.

The choice rule (ADR 0028), **best price for the customer within priority tiers**:

1. *Eligible* promotions run at the outlet, for the customer's group, at the moment
   read in the outlet's wall-clock time, and the ticket's subtotal before promotions
   reaches their minimum.
2. *Stacked plan*: the non-exclusive discounts apply tier by tier, highest ``priority``
   first, each tier on the amounts the tiers above left. Within a tier the engine
   repeatedly applies the promotion that takes the most off the units the tier has not
   yet used (ties to the lower promotion id), until none takes anything; each
   promotion applies at most once, and the units it used (discounted, bought for a
   reward or bundled) are out of reach of the rest of its tier, not of lower tiers.
3. *Exclusive* promotions apply alone, on the prices before promotions. The customer
   gets whichever of the stacked plan and each exclusive promotion leaves the lowest
   total; a tie goes to the stacked plan, then to the exclusive one of higher
   priority, then of lower id.
4. Service charges are not chosen: every eligible one is added on the lines' amounts
   after discounts, in (priority descending, id) order, each on those same amounts.

No discount takes a unit below zero, so no line and no ticket goes negative. A
discount computed on several units (a percent of a line, an amount off the ticket, a
bundle's saving) is split over them by largest remainder, ties to the first unit in
line-id order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import groupby

from sync_protocol.minor_units import allocate, round_half_up
from sync_protocol.promotions import (
    FULL_BP,
    MAX_QUANTITY,
    AmountOff,
    AnyPromotion,
    Attribution,
    BasketLine,
    Bundle,
    BuyXGetY,
    GroupPrice,
    LineResult,
    PercentOff,
    PricedBasket,
    PricingContext,
    ServiceCharge,
    Target,
)
from sync_protocol.weekly_windows import local_moment

Unit = tuple[int, int]
"""A unit of the basket: (line index in line-id order, unit index in the line)."""


@dataclass(slots=True)
class _Offer:
    """What one promotion would take off, unit by unit, and the units it would use."""

    promotion: AnyPromotion
    off: dict[Unit, int] = field(default_factory=dict)
    used: set[Unit] = field(default_factory=set)

    @property
    def total(self) -> int:
        return sum(self.off.values())


@dataclass(slots=True)
class _Plan:
    amounts: list[list[int]]
    offers: list[_Offer]

    @property
    def total(self) -> int:
        return sum(sum(units) for units in self.amounts)


def apply_promotions(
    lines: Iterable[BasketLine], promotions: Iterable[AnyPromotion], context: PricingContext
) -> PricedBasket:
    """Price a basket under the promotions, by the rule in the module docstring.

    Args:
        lines: the ticket's live lines, in any order.
        promotions: the tenant's promotions, in any order; ineligible ones are skipped.
        context: outlet, zone, moment and customer group.

    Returns:
        Every line with each promotion's share, lines in line-id order.

    Raises:
        ValueError: two lines or two promotions share an id, or the moment is naive.
        zoneinfo.ZoneInfoNotFoundError: the outlet's zone is unknown.
    """
    basket = sorted(lines, key=lambda line: line.line_id)
    offers = sorted(promotions, key=lambda p: (-p.priority, p.id))
    _unique((line.line_id for line in basket), "line")
    _unique((p.id for p in offers), "promotion")
    local = local_moment(context.moment, context.timezone)
    subtotal = sum(line.unit_price * line.quantity for line in basket)
    eligible = [p for p in offers if p.eligible(context, local, subtotal)]
    discounts = [p for p in eligible if not isinstance(p, ServiceCharge)]
    stacked = [p for p in discounts if not p.exclusive]
    plans = [_stack(basket, stacked)]
    plans.extend(_stack(basket, [p]) for p in discounts if p.exclusive)
    best = min(plans, key=lambda plan: plan.total)
    charges = [p for p in eligible if isinstance(p, ServiceCharge)]
    return _result(basket, best, charges)


def _unique(ids: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ValueError(f"two {what}s share the id {item!r}")
        seen.add(item)


def _stack(basket: Sequence[BasketLine], promotions: Sequence[AnyPromotion]) -> _Plan:
    plan = _Plan([_units_of(line) for line in basket], [])
    for _, tier in groupby(promotions, key=lambda p: p.priority):
        pending, used = list(tier), set[Unit]()
        while pending:
            best: _Offer | None = None
            for promotion in pending:
                offer = _offer(promotion, basket, plan.amounts, used)
                if offer.total > 0 and (best is None or offer.total > best.total):
                    best = offer
            if best is None:
                break
            for (li, ui), off in best.off.items():
                plan.amounts[li][ui] -= off
            plan.offers.append(best)
            used |= best.used
            pending.remove(best.promotion)
    return plan


def _offer(
    promotion: AnyPromotion,
    basket: Sequence[BasketLine],
    amounts: list[list[int]],
    used: set[Unit],
) -> _Offer:
    offer = _Offer(promotion)
    if isinstance(promotion, PercentOff | AmountOff):
        _flat(offer, promotion, basket, amounts, used)
    elif isinstance(promotion, BuyXGetY):
        _buy_x_get_y(offer, promotion, basket, amounts, used)
    elif isinstance(promotion, Bundle):
        _bundle(offer, promotion, basket, amounts, used)
    elif isinstance(promotion, GroupPrice):
        for unit in _units(_group_target(promotion), basket, used):
            line = basket[unit[0]]
            if line.variant_id in promotion.prices:
                price = promotion.prices[line.variant_id]
                _take(offer, unit, max(0, amounts[unit[0]][unit[1]] - price))
    return offer


def _group_target(promotion: GroupPrice) -> Target:
    """The lines a group price covers: the variants it prices."""
    return Target(variant_ids=tuple(sorted(promotion.prices)))


def _units_of(line: BasketLine) -> list[int]:
    if line.quantity > MAX_QUANTITY:
        return [line.unit_price * line.quantity]  # out of the promotions' reach
    return [line.unit_price] * line.quantity


def _units(target: Target, basket: Sequence[BasketLine], used: set[Unit]) -> list[Unit]:
    return [
        (li, ui)
        for li, line in enumerate(basket)
        if line.quantity <= MAX_QUANTITY and target.matches(line)
        for ui in range(line.quantity)
        if (li, ui) not in used
    ]


def _take(offer: _Offer, unit: Unit, off: int) -> None:
    offer.used.add(unit)
    if off > 0:
        offer.off[unit] = offer.off.get(unit, 0) + off


def _spread(offer: _Offer, units: Sequence[Unit], off: int, amounts: list[list[int]]) -> None:
    """Split ``off`` over ``units`` by what each still costs (never more than that)."""
    parts = allocate(off, [amounts[li][ui] for li, ui in units])
    for unit, part in zip(units, parts, strict=True):
        _take(offer, unit, part)


def _flat(
    offer: _Offer,
    promotion: PercentOff | AmountOff,
    basket: Sequence[BasketLine],
    amounts: list[list[int]],
    used: set[Unit],
) -> None:
    units = _units(promotion.target, basket, used)
    if promotion.scope == "ticket":
        groups = [units]
    elif isinstance(promotion, AmountOff):
        for li, ui in units:
            _take(offer, (li, ui), min(promotion.amount, amounts[li][ui]))
        return
    else:
        groups = [list(g) for _, g in groupby(units, key=lambda unit: unit[0])]
    for group in groups:
        base = sum(amounts[li][ui] for li, ui in group)
        if isinstance(promotion, PercentOff):
            off = round_half_up(base * promotion.percent_bp, FULL_BP)
        else:
            off = min(promotion.amount, base)
        _spread(offer, group, off, amounts)


def _buy_x_get_y(
    offer: _Offer,
    promotion: BuyXGetY,
    basket: Sequence[BasketLine],
    amounts: list[list[int]],
    used: set[Unit],
) -> None:
    def price(unit: Unit) -> int:
        return amounts[unit[0]][unit[1]]

    bought = sorted(_units(promotion.target, basket, used), key=lambda u: (-price(u), u))
    reward = promotion.reward if promotion.reward is not None else promotion.target
    given = sorted(_units(reward, basket, used), key=lambda u: (price(u), u))
    taken: set[Unit] = set()
    while True:
        buys = [u for u in bought if u not in taken][: promotion.buy]
        if len(buys) < promotion.buy:
            return
        gets = [u for u in given if u not in taken and u not in buys][: promotion.get]
        if len(gets) < promotion.get:
            return
        taken.update(buys, gets)
        for unit in buys:
            _take(offer, unit, 0)
        for unit in gets:
            _take(offer, unit, round_half_up(price(unit) * promotion.reward_bp, FULL_BP))


def _bundle(
    offer: _Offer,
    promotion: Bundle,
    basket: Sequence[BasketLine],
    amounts: list[list[int]],
    used: set[Unit],
) -> None:
    def dearest_first(target: Target) -> list[Unit]:
        units = _units(target, basket, used)
        return sorted(units, key=lambda u: (-amounts[u[0]][u[1]], u))

    pools = [dearest_first(item.target) for item in promotion.items]
    taken: set[Unit] = set()
    while True:
        chosen: list[Unit] = []
        for item, pool in zip(promotion.items, pools, strict=True):
            free = [u for u in pool if u not in taken and u not in chosen][: item.quantity]
            if len(free) < item.quantity:
                return
            chosen.extend(free)
        saving = sum(amounts[li][ui] for li, ui in chosen) - promotion.price
        if saving <= 0:
            return
        taken.update(chosen)
        _spread(offer, chosen, saving, amounts)


def _result(
    basket: Sequence[BasketLine], plan: _Plan, charges: Sequence[ServiceCharge]
) -> PricedBasket:
    discounts: list[list[Attribution]] = [[] for _ in basket]
    applied: list[Attribution] = []
    for offer in plan.offers:
        per_line = [0] * len(basket)
        for (li, _), off in offer.off.items():
            per_line[li] += off
        _attribute(offer.promotion, per_line, discounts, applied)
    charged = service_charges(charges, [sum(units) for units in plan.amounts])
    applied += [_attribution(c, sum(a.amount for a in _of(c, charged))) for c in charges]
    applied = [a for a in applied if a.amount]
    results = []
    for li, line in enumerate(basket):
        discount = sum(a.amount for a in discounts[li])
        service = sum(a.amount for a in charged[li])
        subtotal = line.unit_price * line.quantity
        results.append(
            LineResult(
                line_id=line.line_id,
                subtotal=subtotal,
                discounts=tuple(discounts[li]),
                service_charges=tuple(charged[li]),
                discount=discount,
                service_charge=service,
                total=subtotal - discount + service,
            )
        )
    return PricedBasket(
        lines=tuple(results),
        applied=tuple(applied),
        subtotal=sum(r.subtotal for r in results),
        discount=sum(r.discount for r in results),
        service_charge=sum(r.service_charge for r in results),
        total=sum(r.total for r in results),
    )


def service_charges(
    charges: Sequence[ServiceCharge], nets: Sequence[int]
) -> list[list[Attribution]]:
    """Each service charge on the sum of the lines' amounts, prorated over them.

    Every charge is ``percent_bp`` of the same sum (charges do not compound), rounded
    half up and split by largest remainder in proportion to ``nets`` (ties to the first
    line). A ticket prices its charges on what is left after every discount, manual
    ones included.

    Returns:
        Per line, in ``nets`` order, the charges that added something to it.
    """
    charged: list[list[Attribution]] = [[] for _ in nets]
    for charge in charges:
        amount = round_half_up(sum(nets) * charge.percent_bp, FULL_BP)
        for li, part in enumerate(allocate(amount, nets)):
            if part:
                charged[li].append(_attribution(charge, part))
    return charged


def _of(charge: ServiceCharge, charged: list[list[Attribution]]) -> list[Attribution]:
    return [a for line in charged for a in line if a.promotion_id == charge.id]


def _attribute(
    promotion: AnyPromotion,
    per_line: Sequence[int],
    into: list[list[Attribution]],
    applied: list[Attribution],
) -> None:
    for li, amount in enumerate(per_line):
        if amount:
            into[li].append(_attribution(promotion, amount))
    if sum(per_line):
        applied.append(_attribution(promotion, sum(per_line)))


def _attribution(promotion: AnyPromotion, amount: int) -> Attribution:
    return Attribution(
        promotion_id=promotion.id, name=promotion.name, kind=promotion.kind, amount=amount
    )
