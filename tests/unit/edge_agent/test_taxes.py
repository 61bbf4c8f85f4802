"""Taxes per line under HALF_UP_PER_LINE, inclusive and exclusive."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_agent.domain.errors import InvalidValue
from edge_agent.domain.taxes import ROUNDING_RULE, TaxRate, line_taxes

VAT_INCLUSIVE = TaxRate("VAT16", "VAT 16%", 1600, inclusive=True)
LEVY_INCLUSIVE = TaxRate("CTL2", "Catering levy 2%", 200, inclusive=True)
VAT_EXCLUSIVE = TaxRate("VAT16", "VAT 16%", 1600, inclusive=False)
LEVY_EXCLUSIVE = TaxRate("CTL2", "Catering levy 2%", 200, inclusive=False)


def test_the_rounding_rule_has_a_name() -> None:
    assert ROUNDING_RULE == "HALF_UP_PER_LINE"


def test_kes_116_with_16_percent_vat_inclusive_is_100_net_and_16_tax() -> None:
    result = line_taxes(11_600, [VAT_INCLUSIVE])

    assert (result.net, result.taxes, result.gross) == (10_000, {"VAT16": 1600}, 11_600)


def test_an_inclusive_tax_is_rounded_half_up_on_the_line() -> None:
    # 25000 * 1600 / 11600 = 3448.28 -> 3448; net 25000 - 3448 = 21552
    result = line_taxes(25_000, [VAT_INCLUSIVE])

    assert result.taxes == {"VAT16": 3448}
    assert result.net == 21_552
    assert result.gross == 25_000


def test_two_inclusive_rates_are_both_taken_out_of_the_price_by_their_share() -> None:
    # S = 1800: VAT 35000 * 1600 / 11800 = 4745.76 -> 4746,
    # levy 35000 * 200 / 11800 = 593.22 -> 593, net 35000 - 4746 - 593 = 29661
    result = line_taxes(35_000, [VAT_INCLUSIVE, LEVY_INCLUSIVE])

    assert result.taxes == {"VAT16": 4746, "CTL2": 593}
    assert result.net == 29_661
    assert result.gross == 35_000
    assert result.tax_total == 5339


def test_exclusive_rates_are_added_on_the_net() -> None:
    result = line_taxes(10_000, [VAT_EXCLUSIVE, LEVY_EXCLUSIVE])

    assert result.taxes == {"VAT16": 1600, "CTL2": 200}
    assert (result.net, result.gross) == (10_000, 11_800)


def test_an_exclusive_rate_on_a_vat_inclusive_price_is_computed_on_the_net() -> None:
    # 11600 inclusive of VAT is 10000 net; the exclusive levy is 2 % of 10000 = 200
    result = line_taxes(11_600, [VAT_INCLUSIVE, LEVY_EXCLUSIVE])

    assert result.taxes == {"VAT16": 1600, "CTL2": 200}
    assert (result.net, result.gross) == (10_000, 11_800)


@pytest.mark.parametrize(
    ("net", "levy"),
    [(25, 1), (75, 2), (24, 0), (-25, -1)],  # 0.5 -> 1, 1.5 -> 2, 0.48 -> 0, -0.5 -> -1
)
def test_an_exclusive_tax_exactly_half_way_rounds_away_from_zero(net: int, levy: int) -> None:
    result = line_taxes(net, [LEVY_EXCLUSIVE])

    assert result.taxes == {"CTL2": levy}


def test_us_sales_tax_of_8_25_percent_on_ten_dollars_rounds_the_half_cent_up() -> None:
    sales_tax = TaxRate("ST", "Sales tax", 825, inclusive=False)

    # 1000 * 825 / 10000 = 82.5 -> 83
    result = line_taxes(1000, [sales_tax])

    assert result.taxes == {"ST": 83}
    assert result.gross == 1083


@pytest.mark.parametrize(("price", "tax"), [(3, 1), (9, 2), (-3, -1)])
def test_an_inclusive_tax_exactly_half_way_rounds_away_from_zero(price: int, tax: int) -> None:
    vat20 = TaxRate("VAT20", "VAT 20%", 2000, inclusive=True)

    # price * 2000 / 12000 = price / 6: 0.5 -> 1, 1.5 -> 2, -0.5 -> -1
    result = line_taxes(price, [vat20])

    assert result.taxes == {"VAT20": tax}
    assert result.net == price - tax


def test_a_line_without_rates_has_no_tax() -> None:
    result = line_taxes(5000, [])

    assert (result.net, result.taxes, result.gross) == (5000, {}, 5000)


def test_the_same_tax_code_twice_on_a_line_is_refused() -> None:
    with pytest.raises(InvalidValue):
        line_taxes(1000, [VAT_INCLUSIVE, VAT_EXCLUSIVE])


def test_a_negative_rate_is_refused() -> None:
    with pytest.raises(InvalidValue):
        TaxRate("NEG", "Negative", -1, inclusive=False)


rates = st.lists(
    st.builds(
        TaxRate,
        code=st.text("ABCDEFGH", min_size=1, max_size=3),
        name=st.just("tax"),
        rate_bp=st.integers(min_value=0, max_value=5000),
        inclusive=st.booleans(),
    ),
    max_size=4,
    unique_by=lambda r: r.code,
)


@given(price=st.integers(min_value=-(10**9), max_value=10**9), rates=rates)
def test_net_plus_inclusive_taxes_is_always_the_price(price: int, rates: list[TaxRate]) -> None:
    inclusive_codes = {r.code for r in rates if r.inclusive}

    result = line_taxes(price, rates)

    assert result.net + sum(result.taxes[c] for c in inclusive_codes) == price
    assert result.gross == result.net + result.tax_total


@given(net=st.integers(min_value=0, max_value=10**9), bp=st.integers(min_value=0, max_value=5000))
def test_an_exclusive_tax_is_within_half_a_minor_unit_of_the_exact_tax(net: int, bp: int) -> None:
    rate = TaxRate("T", "tax", bp, inclusive=False)

    tax = line_taxes(net, [rate]).taxes["T"]

    # |tax - net * bp / 10000| <= 1/2, in integers
    assert 2 * abs(tax * 10_000 - net * bp) <= 10_000
