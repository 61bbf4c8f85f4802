"""The promotions a ticket is priced under: pinned in the ticket, folded on every replica.

A till that prices a ticket under promotions writes a ``promotions_priced`` event
holding every input of :func:`sync_protocol.promotion_engine.apply_promotions` but the
lines: the promotion documents that run then (at its outlet, for the customer's group,
in their windows) and the pricing context (outlet, IANA zone, the moment in Unix
milliseconds, the customer group). The latest such event
(by order key) stands. Every replica prices the ticket's merged live lines under it, so
lines added on two devices while offline are priced together, the same on every till
and on the hub, whatever promotions each replica holds by then.

Per line, in order (ADR 0028): the subtotal, the promotions' discounts, the line's own
discount, its share of the ticket discount, the service charges on what is left, then
taxes. A value shaped wrongly is skipped, never raised: a promotion that does not decode
is left out, and an event without a usable context prices nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import msgspec

from sync_protocol.promotion_engine import apply_promotions, service_charges
from sync_protocol.promotions import (
    AnyPromotion,
    Attribution,
    BasketLine,
    PricedBasket,
    PricingContext,
    ServiceCharge,
)
from sync_protocol.weekly_windows import local_moment

EVENT = "promotions_priced"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


@dataclass(frozen=True, slots=True)
class TicketPromotions:
    """The promotions and context a ticket is priced under."""

    promotions: tuple[AnyPromotion, ...]
    context: PricingContext

    @classmethod
    def at(
        cls,
        promotions: Iterable[AnyPromotion],
        *,
        outlet_code: str,
        timezone: str,
        moment_ms: int,
        customer_group: str | None = None,
    ) -> TicketPromotions:
        """Pin the promotions that run at the outlet, for the customer, at a moment in
        Unix milliseconds (their minimum subtotals are checked when a basket is priced).

        Raises:
            zoneinfo.ZoneInfoNotFoundError: the outlet's zone is unknown.
        """
        context = PricingContext(
            outlet_code=outlet_code,
            timezone=timezone,
            moment=_EPOCH + moment_ms * _MS,
            customer_group=customer_group,
        )
        local = local_moment(context.moment, timezone)
        running = [p for p in promotions if p.eligible(context, local, p.min_subtotal)]
        return cls(tuple(sorted(running, key=lambda p: p.id)), context)

    def data(self) -> dict[str, Any]:
        """The ``promotions_priced`` event's payload."""
        return {
            "promotions": msgspec.json.decode(msgspec.json.encode(self.promotions)),
            "outlet_code": self.context.outlet_code,
            "timezone": self.context.timezone,
            "moment_ms": (self.context.moment - _EPOCH) // _MS,
            "customer_group": self.context.customer_group,
        }

    def same_pricing(self, other: TicketPromotions | None) -> bool:
        """True when ``other`` pinned the same promotions for the same outlet and customer,
        so it prices any basket as this does."""
        return (
            other is not None
            and other.promotions == self.promotions
            and other.context.outlet_code == self.context.outlet_code
            and other.context.customer_group == self.context.customer_group
        )

    def price(self, lines: Sequence[BasketLine]) -> PricedBasket:
        """The lines under these promotions (see the engine's rule)."""
        return apply_promotions(lines, self.promotions, self.context)

    def charges(self, priced: PricedBasket, nets: Sequence[int]) -> list[list[Attribution]]:
        """The service charges that ran on ``priced``, on each line's ``nets`` instead."""
        ran = {a.promotion_id for a in priced.applied}
        charges = [p for p in self.promotions if isinstance(p, ServiceCharge) and p.id in ran]
        return service_charges(charges, nets)


def from_event(data: Mapping[str, Any]) -> TicketPromotions | None:
    """Read a ``promotions_priced`` payload; None when its context is not usable."""
    outlet, zone, moment_ms = data.get("outlet_code"), data.get("timezone"), data.get("moment_ms")
    group = data.get("customer_group")
    raw = data.get("promotions")
    if not isinstance(outlet, str) or not isinstance(zone, str) or type(moment_ms) is not int:
        return None
    if not (group is None or isinstance(group, str)) or not isinstance(raw, list):
        return None
    try:
        ZoneInfo(zone)
        moment = _EPOCH + moment_ms * _MS
    except (ZoneInfoNotFoundError, ValueError, OverflowError):
        return None
    promotions: dict[str, AnyPromotion] = {}
    for doc in raw:
        try:
            promotion = msgspec.convert(doc, AnyPromotion)
        except msgspec.ValidationError:
            continue
        promotions.setdefault(promotion.id, promotion)
    context = PricingContext(outlet_code=outlet, timezone=zone, moment=moment, customer_group=group)
    return TicketPromotions(tuple(promotions.values()), context)
