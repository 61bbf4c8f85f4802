"""Tendering: cash with change, card online and offline, mobile money, split tender."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from edge_agent.domain.errors import (
    InvalidAmount,
    InvalidValue,
    NothingDue,
    OfflineCardLimit,
    OverTender,
    ReferenceRequired,
)
from edge_agent.domain.money import round_cash
from edge_agent.domain.tendering import OfflineCardPolicy, tender
from edge_agent.domain.ticket import Payment, compute_totals

from .cafe import croissant_line, latte_line

POLICY = OfflineCardPolicy(
    per_transaction_limit=500_000, cumulative_limit=2_000_000, expiry_hours=24
)


def test_exact_cash_settles_the_ticket_with_no_change() -> None:
    result = tender(68_000, "cash", 68_000, "KES", online=False)

    assert (result.applied_amount, result.change, result.status) == (68_000, 0, "confirmed")


def test_cash_over_tender_gives_change_from_the_cash_rounded_balance() -> None:
    # KES 345.50 is KES 346 in cash; 500 - 346 = 154 change, 0.50 rounding kept
    result = tender(34_550, "cash", 50_000, "KES", online=False)

    assert result.applied_amount == 34_550
    assert result.change == 15_400
    assert result.cash_rounding == 50


def test_cash_rounded_down_settles_the_ticket_for_less() -> None:
    # KES 345.40 is KES 345 in cash; the drawer is 0.40 under the ticket
    result = tender(34_540, "cash", 34_500, "KES", online=False)

    assert (result.applied_amount, result.change, result.cash_rounding) == (34_540, 0, -40)


def test_less_cash_than_due_is_a_partial_payment() -> None:
    result = tender(68_000, "cash", 20_000, "KES", online=False)

    assert (result.applied_amount, result.change) == (20_000, 0)


def test_cash_that_cannot_be_handed_over_in_kes_is_refused() -> None:
    with pytest.raises(InvalidAmount):
        tender(68_000, "cash", 12_350, "KES", online=False)  # no 50-cent coins


def test_a_cash_tip_comes_out_of_what_was_tendered_before_the_change() -> None:
    # 1,000.00 handed over for 680.00 plus a 50.00 tip: change 270.00
    result = tender(68_000, "cash", 100_000, "KES", tip=5000, online=False)

    assert (result.applied_amount, result.tip, result.change) == (68_000, 5000, 27_000)


def test_cash_that_does_not_even_cover_the_tip_is_refused() -> None:
    with pytest.raises(InvalidAmount):
        tender(68_000, "cash", 5000, "KES", tip=5000, online=False)


def test_a_card_online_is_confirmed_and_charges_the_tip_on_top() -> None:
    result = tender(68_000, "card", 68_000, "KES", tip=3000, online=True)

    assert result.status == "confirmed"
    assert (result.applied_amount, result.tendered, result.expires_in_hours) == (
        68_000,
        71_000,
        None,
    )


@pytest.mark.parametrize("method", ["card", "mobile_money"])
def test_non_cash_over_tender_is_refused(method: str) -> None:
    with pytest.raises(OverTender) as raised:
        tender(68_000, method, 70_000, "KES", reference="QHX12", online=True)  # type: ignore[arg-type]

    assert raised.value.code == "over_tender"


def test_a_card_offline_is_pending_with_its_expiry() -> None:
    result = tender(68_000, "card", 68_000, "KES", online=False, policy=POLICY)

    assert (result.status, result.expires_in_hours) == ("pending", 24)


def test_an_offline_card_above_the_per_transaction_limit_is_refused() -> None:
    with pytest.raises(OfflineCardLimit) as raised:
        tender(600_000, "card", 600_000, "KES", online=False, policy=POLICY)

    assert raised.value.code == "offline_card_limit"
    assert raised.value.limit == 500_000


def test_offline_cards_stop_at_the_cumulative_limit() -> None:
    # 1,800,000 already pending: 200,000 more reaches the limit exactly, 300,000 exceeds it
    accepted = tender(
        200_000,
        "card",
        200_000,
        "KES",
        online=False,
        offline_card_total_so_far=1_800_000,
        policy=POLICY,
    )

    with pytest.raises(OfflineCardLimit) as raised:
        tender(
            300_000,
            "card",
            300_000,
            "KES",
            online=False,
            offline_card_total_so_far=1_800_000,
            policy=POLICY,
        )

    assert accepted.status == "pending"
    assert raised.value.limit == 2_000_000


def test_the_tip_counts_towards_the_offline_card_limit() -> None:
    with pytest.raises(OfflineCardLimit):
        tender(500_000, "card", 500_000, "KES", tip=1, online=False, policy=POLICY)


def test_without_an_offline_policy_cards_are_refused_offline() -> None:
    with pytest.raises(OfflineCardLimit):
        tender(68_000, "card", 68_000, "KES", online=False)


@pytest.mark.parametrize("reference", [None, "", "   "])
def test_mobile_money_needs_the_customers_confirmation_reference(reference: str | None) -> None:
    with pytest.raises(ReferenceRequired) as raised:
        tender(68_000, "mobile_money", 68_000, "KES", reference=reference, online=True)

    assert raised.value.code == "reference_required"


@pytest.mark.parametrize("online", [True, False])
def test_mobile_money_stays_pending_until_the_hub_verifies_the_reference(online: bool) -> None:
    result = tender(68_000, "mobile_money", 68_000, "KES", reference=" QHX12ABC ", online=online)

    assert (result.status, result.reference) == ("pending", "QHX12ABC")


@pytest.mark.parametrize("amount", [0, -100])
def test_a_tender_of_nothing_or_less_is_refused(amount: int) -> None:
    with pytest.raises(InvalidAmount) as raised:
        tender(68_000, "card", amount, "KES", online=True)

    assert raised.value.code == "invalid_amount"


def test_a_negative_tip_is_refused() -> None:
    with pytest.raises(InvalidAmount):
        tender(68_000, "card", 68_000, "KES", tip=-1, online=True)


def test_paying_a_ticket_with_nothing_due_is_refused() -> None:
    with pytest.raises(NothingDue) as raised:
        tender(0, "cash", 1000, "KES", online=True)

    assert raised.value.code == "nothing_due"


def test_an_unknown_tender_method_is_refused() -> None:
    with pytest.raises(InvalidValue):
        tender(68_000, "cheque", 1000, "KES", online=True)  # type: ignore[arg-type]


def test_a_split_tender_is_several_tenders_against_the_balance_left() -> None:
    lines = [latte_line(), croissant_line()]
    balance = 68_000

    by_card = tender(balance, "card", 30_000, "KES", online=True)
    balance -= by_card.applied_amount
    by_phone = tender(balance, "mobile_money", 20_000, "KES", reference="QHX1", online=False)
    balance -= by_phone.applied_amount
    by_cash = tender(balance, "cash", 20_000, "KES", online=False)
    payments = [Payment.from_tender(f"p{n}", r) for n, r in enumerate((by_card, by_phone, by_cash))]
    totals = compute_totals(lines, None, payments, [], "KES")

    assert (by_cash.applied_amount, by_cash.change) == (18_000, 2000)
    assert (totals.balance_due, totals.paid, totals.pending_confirmation) == (0, 68_000, 20_000)


@given(
    balance=st.integers(min_value=1, max_value=10**7),
    shillings=st.integers(min_value=1, max_value=2 * 10**5),
    tip=st.integers(min_value=0, max_value=10**4),
)
def test_cash_always_balances_tendered_against_applied_tip_change_and_rounding(
    balance: int, shillings: int, tip: int
) -> None:
    tendered = shillings * 100
    assume(tendered > tip)

    result = tender(balance, "cash", tendered, "KES", tip=tip, online=False)

    assert 0 < result.applied_amount <= balance
    assert result.change >= 0
    assert (
        result.tendered == result.applied_amount + result.tip + result.change + result.cash_rounding
    )
    assert 2 * abs(result.cash_rounding) <= 100
    if result.change:
        assert result.tendered - result.tip - result.change == round_cash(balance, "KES")
