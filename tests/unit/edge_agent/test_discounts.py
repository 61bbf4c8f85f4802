"""Discounts: percent in basis points or an amount, always with a reason."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_agent.domain.discounts import Discount, discount_amount, effective_bp, prorate
from edge_agent.domain.errors import InvalidAmount, InvalidDiscount, ReasonRequired


@pytest.mark.parametrize(
    ("subtotal", "bp", "off"),
    [
        (72_000, 1000, 7200),  # 10 % of 720.00
        (1230, 1500, 185),  # 15 % of 12.30 = 1.845 -> 1.85 (half up)
        (333, 1250, 42),  # 12.5 % of 3.33 = 0.41625 -> 0.42
        (72_000, 10_000, 72_000),  # 100 % is allowed: on the house
        (72_000, 0, 0),
    ],
)
def test_a_percent_discount_is_rounded_half_up(subtotal: int, bp: int, off: int) -> None:
    discount = Discount("percent", bp, "loyalty")

    result = discount_amount(subtotal, discount)

    assert result == off


def test_an_amount_discount_never_exceeds_the_subtotal() -> None:
    discount = Discount("amount", 5000, "complaint")

    result = discount_amount(3000, discount)

    assert result == 3000


def test_no_discount_takes_nothing_off() -> None:
    assert discount_amount(3000, None) == 0


@pytest.mark.parametrize(
    ("kind", "value"), [("percent", -1), ("amount", -1), ("percent", 10_001), ("bogus", 10)]
)
def test_negative_over_100_percent_or_unknown_discounts_are_refused(kind: str, value: int) -> None:
    with pytest.raises(InvalidDiscount) as raised:
        Discount(kind, value, "why")  # type: ignore[arg-type]

    assert raised.value.code == "invalid_discount"


def test_a_discount_without_a_reason_is_refused() -> None:
    with pytest.raises(ReasonRequired) as raised:
        Discount("percent", 1000, "  ")

    assert raised.value.code == "reason_required"


@pytest.mark.parametrize(
    ("discount", "subtotal", "bp"),
    [
        (Discount("amount", 15_000, "staff"), 100_000, 1500),
        (Discount("amount", 1, "staff"), 3, 3334),  # 33.33 % rounds up, never under the limit
        (Discount("percent", 700, "staff"), 100_000, 700),
        (Discount("amount", 100, "staff"), 0, 0),
    ],
)
def test_a_discount_is_measured_in_basis_points_for_the_roles_limit(
    discount: Discount, subtotal: int, bp: int
) -> None:
    result = effective_bp(subtotal, discount)

    assert result == bp


def test_a_ticket_discount_is_prorated_by_line_subtotal() -> None:
    # 1000 over 3000 : 1000 : 0 -> 750, 250, 0
    shares = prorate(1000, [3000, 1000, 0])

    assert shares == [750, 250, 0]


def test_a_ticket_discount_on_an_empty_ticket_is_nothing() -> None:
    assert prorate(0, []) == []


def test_a_ticket_discount_larger_than_the_ticket_is_refused() -> None:
    with pytest.raises(InvalidAmount):
        prorate(5000, [3000, 1000])


@given(
    data=st.data(),
    subtotals=st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=10),
)
def test_prorated_shares_sum_to_the_discount_and_never_exceed_their_line(
    data: st.DataObject, subtotals: list[int]
) -> None:
    discount = data.draw(st.integers(min_value=0, max_value=sum(subtotals)))

    shares = prorate(discount, subtotals)

    assert sum(shares) == discount
    assert all(0 <= share <= line for share, line in zip(shares, subtotals, strict=True))
