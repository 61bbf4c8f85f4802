"""Money in minor units: currencies, exact half-up rounding, cash rounding, allocation."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_agent.domain.errors import InvalidValue, UnknownCurrency
from edge_agent.domain.money import (
    CURRENCIES,
    allocate,
    currency,
    format_money,
    round_cash,
    round_half_up,
    split_evenly,
)

amounts = st.integers(min_value=-(10**12), max_value=10**12)


def test_kenyan_shillings_have_cents_but_cash_is_paid_in_whole_shillings() -> None:
    kes = currency("kes")

    assert (kes.code, kes.exponent, kes.cash_increment) == ("KES", 2, 100)


def test_an_unknown_currency_is_refused_with_its_code() -> None:
    with pytest.raises(UnknownCurrency) as raised:
        currency("XYZ")

    assert raised.value.code == "unknown_currency"
    assert raised.value.currency_code == "XYZ"


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (5, 2, 3),  # 2.5 -> 3
        (-5, 2, -3),  # ties go away from zero, so a refund mirrors its sale
        (7, 2, 4),  # 3.5 -> 4
        (4, 3, 1),  # 1.33 -> 1
        (5, 3, 2),  # 1.67 -> 2
        (-4, 3, -1),
        (1, 2, 1),
        (-1, 2, -1),
        (0, 7, 0),
        (5, -2, -3),
        (11_600 * 1600, 11_600, 1600),
    ],
)
def test_round_half_up_rounds_to_the_nearest_integer_with_ties_away_from_zero(
    numerator: int, denominator: int, expected: int
) -> None:
    result = round_half_up(numerator, denominator)

    assert result == expected


def test_round_half_up_refuses_a_zero_denominator() -> None:
    with pytest.raises(InvalidValue):
        round_half_up(1, 0)


@given(numerator=amounts, denominator=st.integers(min_value=1, max_value=10**6))
def test_round_half_up_agrees_with_decimal_round_half_up(numerator: int, denominator: int) -> None:
    exact = Decimal(numerator) / Decimal(denominator)

    result = round_half_up(numerator, denominator)

    assert result == int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (123_450, 123_500),  # KES 1,234.50 -> 1,235
        (123_449, 123_400),  # KES 1,234.49 -> 1,234
        (123_400, 123_400),
        (49, 0),
        (50, 100),
        (-123_450, -123_500),
    ],
)
def test_cash_in_kes_rounds_half_up_to_whole_shillings(amount: int, expected: int) -> None:
    result = round_cash(amount, "KES")

    assert result == expected


def test_cash_in_dollars_is_not_rounded() -> None:
    result = round_cash(12_345, currency("USD"))

    assert result == 12_345


@given(amount=amounts, code=st.sampled_from(sorted(CURRENCIES)))
def test_a_cash_amount_is_a_multiple_of_the_increment_within_half_a_step(
    amount: int, code: str
) -> None:
    step = currency(code).cash_increment

    result = round_cash(amount, code)

    assert result % step == 0
    assert 2 * abs(result - amount) <= step


@pytest.mark.parametrize(
    ("amount", "weights", "expected"),
    [
        (100, [1, 1, 1], [34, 33, 33]),
        (2, [1, 1, 1], [1, 1, 0]),  # equal remainders: lowest index first
        (100, [1, 2], [33, 67]),  # 33.33 and 66.67: the larger remainder gets the unit
        (1000, [500, 300, 200], [500, 300, 200]),
        (10, [0, 1], [0, 10]),
        (-100, [1, 1, 1], [-34, -33, -33]),
        (0, [3, 4], [0, 0]),
    ],
)
def test_allocate_splits_by_largest_remainder(
    amount: int, weights: list[int], expected: list[int]
) -> None:
    parts = allocate(amount, weights)

    assert parts == expected


@pytest.mark.parametrize("weights", [[], [1, -1], [0, 0]])
def test_allocate_refuses_weights_it_cannot_share_by(weights: list[int]) -> None:
    with pytest.raises(InvalidValue):
        allocate(100, weights)


@given(
    amount=amounts,
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12).filter(
        any
    ),
)
def test_allocate_always_sums_to_the_amount_and_stays_within_one_of_each_exact_share(
    amount: int, weights: list[int]
) -> None:
    total = sum(weights)

    parts = allocate(amount, weights)

    assert sum(parts) == amount
    # |part - amount * w / total| < 1, in integers.
    assert all(
        abs(part * total - amount * w) < total for part, w in zip(parts, weights, strict=True)
    )


def test_splitting_evenly_gives_the_first_parts_the_odd_units() -> None:
    parts = split_evenly(1000, 3)

    assert parts == [334, 333, 333]


def test_splitting_into_no_part_is_refused() -> None:
    with pytest.raises(InvalidValue):
        split_evenly(1000, 0)


@pytest.mark.parametrize(
    ("amount", "code", "text"),
    [
        (123_450, "KES", "KES 1,234.50"),
        (5, "KES", "KES 0.05"),
        (-123_450, "KES", "KES -1,234.50"),
        (1_500_000, "UGX", "UGX 1,500,000"),
        (100_000_000, "USD", "USD 1,000,000.00"),
    ],
)
def test_money_is_formatted_with_its_code_thousands_separators_and_minor_digits(
    amount: int, code: str, text: str
) -> None:
    result = format_money(amount, code)

    assert result == text
