"""A self-order kiosk's rules: its role, its own orders only, the outlet's caps."""

from __future__ import annotations

import pytest

from edge_agent.domain.errors import (
    InvalidValue,
    KioskNotAllowed,
    KioskQuantityOverCap,
    PermissionDenied,
)
from edge_agent.domain.kiosk import KIOSK_ROLE, KioskLimits, actor, ensure_own_order
from edge_agent.domain.rbac import Permission, authorize


@pytest.mark.parametrize("permission", list(Permission))
def test_the_kiosk_role_holds_no_permission_and_gives_no_discount(permission) -> None:
    with pytest.raises(PermissionDenied):
        authorize(KIOSK_ROLE, permission)
    with pytest.raises(PermissionDenied):
        authorize(KIOSK_ROLE, Permission.DISCOUNT_ABOVE_LIMIT, discount_bp=1)


def test_a_kiosk_works_only_on_the_kiosk_orders_it_opened() -> None:
    ensure_own_order("kiosk", actor("k1"), actor("k1"))

    with pytest.raises(KioskNotAllowed):
        ensure_own_order("kiosk", actor("k2"), actor("k1"))
    with pytest.raises(KioskNotAllowed):
        ensure_own_order("counter", actor("k1"), actor("k1"))
    with pytest.raises(KioskNotAllowed):
        ensure_own_order("kiosk", None, actor("k1"))


def test_a_line_and_an_order_may_reach_their_caps_and_not_pass_them() -> None:
    limits = KioskLimits(line_quantity_max=3, order_quantity_max=5)

    limits.check(3, 2)

    with pytest.raises(KioskQuantityOverCap, match="line"):
        limits.check(4, 0)
    with pytest.raises(KioskQuantityOverCap, match="order"):
        limits.check(1, 5)


@pytest.mark.parametrize(("line", "order"), [(0, 5), (6, 5)])
def test_caps_that_contradict_each_other_are_refused(line, order) -> None:
    with pytest.raises(InvalidValue):
        KioskLimits(line, order)
