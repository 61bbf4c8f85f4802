"""Self-order kiosks: what a kiosk may do, and the outlet's quantity caps (ADR 0031).

A kiosk is a paired device with no staff behind it. It acts under :data:`KIOSK_ROLE`
(no permission, no discount, sells), on kiosk tickets it opened itself, and pays only
by card at the kiosk or by choosing to pay at the counter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .errors import InvalidValue, KioskNotAllowed, KioskQuantityOverCap
from .rbac import Role

#: The role a kiosk acts under: no permission beyond selling, no discount at all.
KIOSK_ROLE = Role("kiosk", frozenset(), 0, sells=True)
#: The ``staff_id`` prefix a kiosk's acts are recorded under (``kiosk:<client id>``).
KIOSK_ACTOR_PREFIX = "kiosk:"
DEFAULT_LINE_QUANTITY_MAX = 10
DEFAULT_ORDER_QUANTITY_MAX = 30
PayAt = Literal["kiosk", "counter"]


@dataclass(frozen=True, slots=True)
class KioskLimits:
    """The outlet's caps: the most items on one kiosk line and on one kiosk order."""

    line_quantity_max: int = DEFAULT_LINE_QUANTITY_MAX
    order_quantity_max: int = DEFAULT_ORDER_QUANTITY_MAX

    def __post_init__(self) -> None:
        if not 1 <= self.line_quantity_max <= self.order_quantity_max:
            raise InvalidValue("kiosk caps need 1 <= line quantity max <= order quantity max")

    def check(self, quantity: int, on_order: int) -> None:
        """Check a new line of ``quantity`` items on an order holding ``on_order``.

        Raises:
            KioskQuantityOverCap: the line or the order would pass its cap.
        """
        if quantity > self.line_quantity_max:
            raise KioskQuantityOverCap(
                f"a kiosk line takes at most {self.line_quantity_max} items, got {quantity}"
            )
        if on_order + quantity > self.order_quantity_max:
            raise KioskQuantityOverCap(
                f"a kiosk order takes at most {self.order_quantity_max} items;"
                f" it holds {on_order}, {quantity} more would pass it"
            )


def actor(client_id: str) -> str:
    """The id a kiosk's acts are recorded under."""
    return f"{KIOSK_ACTOR_PREFIX}{client_id}"


def ensure_own_order(kind: str, opened_by: str | None, kiosk_actor: str) -> None:
    """A kiosk works only on the kiosk tickets it opened.

    Raises:
        KioskNotAllowed: another kind of ticket, or another device's.
    """
    if kind != "kiosk" or opened_by != kiosk_actor:
        raise KioskNotAllowed("a kiosk works only on the orders it opened")
