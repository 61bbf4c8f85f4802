"""The cash drawer: movements, expected cash, blind count, variance, X and Z reports."""

from __future__ import annotations

import pytest

from edge_agent.domain.drawer import (
    DrawerMovement,
    ShiftExtras,
    build_shift_report,
    build_z_report,
    count_denominations,
    expected_cash,
    variance,
)
from edge_agent.domain.errors import InvalidAmount, InvalidValue, ReasonRequired

SHIFT = [
    DrawerMovement("float", 500_000),  # KES 5,000.00 float
    DrawerMovement("cash_sale", 68_000),
    DrawerMovement("cash_sale", 34_600),  # KES 345.50 rounded to 346 in cash
    DrawerMovement("pay_in", 10_000, "change from the bank"),
    DrawerMovement("pay_out", 25_000, "milk delivery"),
    DrawerMovement("drop", 300_000, "to the safe"),
    DrawerMovement("cash_refund", 5000, "cold croissant"),
    DrawerMovement("no_sale", 0, "customer needed change"),
]
# 500000 + 68000 + 34600 + 10000 - 25000 - 300000 - 5000 = 282600
EXPECTED = 282_600


def test_expected_cash_is_float_plus_cash_in_minus_cash_out() -> None:
    result = expected_cash(SHIFT)

    assert result == EXPECTED


@pytest.mark.parametrize("kind", ["pay_in", "pay_out", "drop"])
def test_paying_in_paying_out_or_dropping_cash_needs_a_reason(kind: str) -> None:
    with pytest.raises(ReasonRequired) as raised:
        DrawerMovement(kind, 1000, " ")  # type: ignore[arg-type]

    assert raised.value.code == "reason_required"


@pytest.mark.parametrize(
    ("kind", "amount"), [("cash_sale", -1), ("no_sale", 100), ("pay_out", 0), ("cash_sale", 0)]
)
def test_movements_with_impossible_amounts_are_refused(kind: str, amount: int) -> None:
    with pytest.raises(InvalidAmount):
        DrawerMovement(kind, amount, "why")  # type: ignore[arg-type]


def test_an_unknown_movement_is_refused() -> None:
    with pytest.raises(InvalidValue):
        DrawerMovement("borrow", 100, "lunch")  # type: ignore[arg-type]


def test_a_blind_count_totals_denominations() -> None:
    # three KES 1,000 notes, two 50s and four 10-shilling coins = KES 3,140.00
    counted = count_denominations({100_000: 3, 5000: 2, 1000: 4})

    assert counted == 314_000


@pytest.mark.parametrize("counts", [{0: 1}, {-100: 1}, {100: -1}])
def test_a_count_with_an_impossible_denomination_or_count_is_refused(
    counts: dict[int, int],
) -> None:
    with pytest.raises(InvalidValue):
        count_denominations(counts)


def test_variance_is_negative_when_the_drawer_is_short() -> None:
    counted = count_denominations({100_000: 2, 50_000: 1, 20_000: 1, 1000: 12, 100: 6})

    # 200000 + 50000 + 20000 + 12000 + 600 = 282600: as expected; a missing 10 is short
    balanced = variance(counted, EXPECTED)
    short = variance(counted - 1000, EXPECTED)

    assert (balanced, short) == (0, -1000)


def test_the_x_report_sums_the_shift() -> None:
    report = build_shift_report(
        SHIFT,
        sales_by_method={"mobile_money": 20_000, "cash": 102_550, "card": 30_000},
        refunds_by_method={"cash": 5000},
        tickets_count=4,
        voids_count=1,
        discounts_total=8420,
    )

    assert report.opening_float == 500_000
    assert (report.cash_sales, report.cash_refunds) == (102_600, 5000)
    assert (report.pay_ins, report.pay_outs, report.drops, report.no_sales) == (
        10_000,
        25_000,
        300_000,
        1,
    )
    assert report.expected_cash == EXPECTED
    assert list(report.sales_by_method) == ["card", "cash", "mobile_money"]
    assert (report.gross_sales, report.refunds_total, report.net_sales) == (
        152_550,
        5000,
        147_550,
    )


def test_negative_report_counts_are_refused() -> None:
    with pytest.raises(InvalidValue):
        build_shift_report(SHIFT, {}, {}, tickets_count=-1, voids_count=0, discounts_total=0)


def test_the_z_report_is_numbered_and_carries_the_count_and_variance() -> None:
    shift = build_shift_report(SHIFT, {"cash": 102_550}, {}, 3, 0, 0)

    z = build_z_report(17, shift, counted_cash=282_000)

    assert (z.number, z.counted_cash, z.variance) == (17, 282_000, -600)
    assert z.shift.expected_cash == EXPECTED


def test_a_z_report_numbered_zero_is_refused() -> None:
    shift = build_shift_report(SHIFT, {}, {}, 0, 0, 0)

    with pytest.raises(InvalidValue):
        build_z_report(0, shift, counted_cash=0)


def test_the_x_report_totals_tips_taxes_and_pending_tenders_from_their_breakdowns() -> None:
    extras = ShiftExtras(
        tips_by_method={"mobile_money": 2_000, "cash": 5_000},
        tax_by_rate={"VAT16": 4_000, "CTL2": 500},
        refunds_count=1,
        voids_total=8_000,
        pending_by_method={"card": 30_000},
        settled_tickets=3,
    )

    report = build_shift_report(SHIFT, {"cash": 102_600}, {"cash": 5000}, 3, 1, 0, extras)

    assert report.tips_by_method == {"cash": 5_000, "mobile_money": 2_000}
    assert report.tips_total == 7_000
    assert report.tax_by_rate == {"CTL2": 500, "VAT16": 4_000}
    assert report.tax_total == 4_500
    assert report.pending_total == 30_000
    assert (report.refunds_count, report.voids_total, report.settled_tickets) == (1, 8_000, 3)


def test_negative_extras_are_refused() -> None:
    with pytest.raises(InvalidValue):
        build_shift_report(SHIFT, {}, {}, 0, 0, 0, ShiftExtras(tips_by_method={"cash": -1}))
