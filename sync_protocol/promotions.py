"""Promotions as reference data: what each kind takes off, where, when and for whom.

Promotions are hub-authoritative reference data that every replica holds the same, so
their types are frozen, tagged msgspec Structs (tag field ``kind``) that travel
unchanged from the hub's admin API to every device. :mod:`sync_protocol.promotion_engine`
applies them; the rule it follows is written there and in ADR 0028.

Kinds (every amount an integer in minor units, every percentage in basis points):

- ``percent_off``: ``percent_bp`` off each matching line (``scope="line"``; a target by
  category makes it a category discount) or off the matching lines taken together
  (``scope="ticket"``, prorated back over them).
- ``amount_off``: ``amount`` off each matching unit (``scope="line"``) or once off the
  matching lines together (``scope="ticket"``, prorated); never more than they cost.
- ``buy_x_get_y``: for every ``buy`` units of ``target``, ``get`` units of ``reward``
  (the target itself when unset) get ``reward_bp`` off (free by default). The dearest
  units are the ones bought, the cheapest the ones rewarded.
- ``bundle``: one unit set per ``items`` entry sells together at ``price``; the dearest
  matching units are bundled first, as many bundles as fit and save money.
- ``group_price``: a customer group's unit price per variant (``prices``), when lower.
- ``service_charge``: ``percent_bp`` added on the ticket after every discount,
  prorated over its lines; it is a charge, never chosen against discounts.

Every kind shares the conditions of :class:`Promotion`: outlets, customer groups,
weekly windows in the outlet's wall-clock time, a minimum subtotal, its ``priority``
tier and whether it is ``exclusive``.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Literal, TypeAlias

import msgspec

from sync_protocol.weekly_windows import in_window

FULL_BP = 10_000
#: The largest quantity of a line promotions apply to (the engine works unit by unit);
#: a larger line is priced as it is, and only service charges apply to it.
MAX_QUANTITY = 10_000

Basis = Annotated[int, msgspec.Meta(ge=0, le=FULL_BP)]
Minor = Annotated[int, msgspec.Meta(ge=0, le=(1 << 53))]
Count = Annotated[int, msgspec.Meta(ge=1, le=MAX_QUANTITY)]
Ident = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Label = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Scope: TypeAlias = Literal["line", "ticket"]
Weekday = Annotated[int, msgspec.Meta(ge=0, le=6)]
HourMinute = Annotated[str, msgspec.Meta(pattern=r"^[0-2][0-9]:[0-5][0-9]$")]


class BasketLine(msgspec.Struct, frozen=True, kw_only=True):
    """A ticket line as promotions see it: what it is, how many, and its unit price.

    ``unit_price`` is the price each unit sells at before promotions: the winning price
    book's price plus modifier deltas.
    """

    line_id: Ident
    variant_id: str
    product_id: str
    category_id: str | None = None
    quantity: Annotated[int, msgspec.Meta(ge=1)]
    unit_price: Minor

    def __post_init__(self) -> None:
        if self.quantity < 1 or self.unit_price < 0:
            raise ValueError(f"line {self.line_id!r}: quantity >= 1, price >= 0")


class Target(msgspec.Struct, frozen=True, kw_only=True):
    """Which lines a promotion covers: any listed variant, product or category.

    A target that lists nothing covers every line.
    """

    variant_ids: tuple[str, ...] = ()
    product_ids: tuple[str, ...] = ()
    category_ids: tuple[str, ...] = ()

    def matches(self, line: BasketLine) -> bool:
        """True when the line is one of the target's variants, products or categories."""
        if not (self.variant_ids or self.product_ids or self.category_ids):
            return True
        return (
            line.variant_id in self.variant_ids
            or line.product_id in self.product_ids
            or (line.category_id is not None and line.category_id in self.category_ids)
        )


class Window(msgspec.Struct, frozen=True, kw_only=True):
    """Weekly hours in the outlet's wall-clock time, ``"HH:MM"`` like a price book's.

    ``weekdays`` uses 0 = Monday; the rule (midnight crossing, inclusive start,
    exclusive end) is :func:`sync_protocol.weekly_windows.in_window`.
    """

    weekdays: tuple[Weekday, ...]
    start: HourMinute
    end: HourMinute

    def __post_init__(self) -> None:
        if not self.weekdays or not set(self.weekdays) <= set(range(7)):
            raise ValueError("a window needs weekdays among 0 (Monday) to 6 (Sunday)")
        for text in (self.start, self.end):
            if len(text) != 5 or not _is_time(text):
                raise ValueError(f"{text!r} is not a time of day (HH:MM)")

    def contains(self, local: datetime) -> bool:
        """True when the outlet's wall-clock time ``local`` falls in the window."""
        start, end = time.fromisoformat(self.start), time.fromisoformat(self.end)
        return in_window(self.weekdays, start, end, local)


class PricingContext(msgspec.Struct, frozen=True, kw_only=True):
    """Where, when and for whom a basket is priced.

    ``moment`` is an aware instant (the ticket's pricing time, passed in: the engine
    never reads a clock); ``timezone`` is the outlet's IANA zone, in which windows are
    read.
    """

    outlet_code: str
    timezone: str
    moment: datetime
    customer_group: str | None = None


class Promotion(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind"):
    """What every kind of promotion shares: its conditions, tier and exclusivity.

    Attributes:
        priority: the tier; higher tiers apply first and lower ones apply on what is left.
        exclusive: applies alone on the ticket, never with another discount.
        outlet_codes: the outlets it runs at; none means every outlet of the tenant.
        customer_groups: the groups it is for; none means every customer.
        windows: when it runs, in the outlet's wall-clock time; none means always.
        min_subtotal: the ticket's subtotal before promotions must reach this.
    """

    id: Ident
    name: Label
    priority: int = 0
    exclusive: bool = False
    outlet_codes: tuple[str, ...] = ()
    customer_groups: tuple[str, ...] = ()
    windows: tuple[Window, ...] = ()
    min_subtotal: Minor = 0

    @property
    def kind(self) -> str:
        """The tag this kind travels under (``percent_off``, ``bundle``...)."""
        return str(self.__struct_config__.tag)

    def eligible(self, context: PricingContext, local: datetime, subtotal: int) -> bool:
        """True when the promotion runs for this outlet, customer, local time and subtotal."""
        return (
            (not self.outlet_codes or context.outlet_code in self.outlet_codes)
            and (not self.customer_groups or context.customer_group in self.customer_groups)
            and (not self.windows or any(w.contains(local) for w in self.windows))
            and subtotal >= self.min_subtotal
        )


class PercentOff(Promotion, frozen=True, kw_only=True, tag="percent_off"):
    """``percent_bp`` off each matching line, or off the matching lines together."""

    percent_bp: Basis
    scope: Scope = "line"
    target: Target = msgspec.field(default_factory=Target)

    def __post_init__(self) -> None:
        _check_bp(self.percent_bp)


class AmountOff(Promotion, frozen=True, kw_only=True, tag="amount_off"):
    """``amount`` off each matching unit, or once off the matching lines together."""

    amount: Minor
    scope: Scope = "line"
    target: Target = msgspec.field(default_factory=Target)

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError("an amount off cannot be negative")


class BuyXGetY(Promotion, frozen=True, kw_only=True, tag="buy_x_get_y"):
    """Buy ``buy`` units of the target, get ``get`` units of the reward ``reward_bp`` off."""

    buy: Count
    get: Count
    target: Target = msgspec.field(default_factory=Target)
    reward: Target | None = None
    reward_bp: Basis = FULL_BP

    def __post_init__(self) -> None:
        if self.buy < 1 or self.get < 1:
            raise ValueError("buy X get Y needs X and Y of at least one")
        _check_bp(self.reward_bp)


class BundleItem(msgspec.Struct, frozen=True, kw_only=True):
    """One part of a bundle: ``quantity`` units of any line the target covers."""

    target: Target
    quantity: Count = 1

    def __post_init__(self) -> None:
        if self.quantity < 1:
            raise ValueError("a bundle item needs a quantity of at least one")


class Bundle(Promotion, frozen=True, kw_only=True, tag="bundle"):
    """A combo: one of each item's unit sets sells together at ``price``."""

    items: tuple[BundleItem, ...]
    price: Minor

    def __post_init__(self) -> None:
        if not self.items or self.price < 0:
            raise ValueError("a bundle needs items and a price of zero or more")


class GroupPrice(Promotion, frozen=True, kw_only=True, tag="group_price"):
    """A customer group's unit price per variant id, applied when below the price left."""

    prices: dict[str, Minor]

    def __post_init__(self) -> None:
        if not self.customer_groups:
            raise ValueError("a group price names the customer groups it is for")
        if any(price < 0 for price in self.prices.values()):
            raise ValueError("a group price cannot be negative")


class ServiceCharge(Promotion, frozen=True, kw_only=True, tag="service_charge"):
    """``percent_bp`` added on the ticket after discounts, prorated over the lines."""

    percent_bp: Basis

    def __post_init__(self) -> None:
        _check_bp(self.percent_bp)


AnyPromotion: TypeAlias = PercentOff | AmountOff | BuyXGetY | Bundle | GroupPrice | ServiceCharge
"""Every kind, as a tagged union a decoder can be given."""


class Attribution(msgspec.Struct, frozen=True, kw_only=True):
    """What one promotion took off (or, for a service charge, added to) one line."""

    promotion_id: str
    name: str
    kind: str
    amount: int


class LineResult(msgspec.Struct, frozen=True, kw_only=True):
    """One line after promotions: each discount and charge, and what it comes to.

    ``total`` is ``subtotal - discount + service_charge``, before taxes.
    """

    line_id: str
    subtotal: int
    discounts: tuple[Attribution, ...]
    service_charges: tuple[Attribution, ...]
    discount: int
    service_charge: int
    total: int


class PricedBasket(msgspec.Struct, frozen=True, kw_only=True):
    """A basket after promotions, lines in line-id order.

    ``applied`` lists each promotion that took something, with its whole amount, in the
    order the engine applied it (service charges last).
    """

    lines: tuple[LineResult, ...]
    applied: tuple[Attribution, ...]
    subtotal: int
    discount: int
    service_charge: int
    total: int


def _is_time(text: str) -> bool:
    try:
        time.fromisoformat(text)
    except ValueError:
        return False
    return True


def _check_bp(value: int) -> None:
    if not 0 <= value <= FULL_BP:
        raise ValueError(f"a percentage is 0 to {FULL_BP} basis points, got {value}")
