"""Taking one tender against a ticket's balance: cash, card or mobile money.

Rules:

- Cash may over-tender. Cash that, less any tip, covers the balance rounded for cash
  (:func:`money.round_cash`) settles the ticket: the applied amount is the whole
  balance and the change is ``tendered - tip - cash due``; what the drawer keeps beyond
  the balance and tip is the cash rounding (``TenderResult.cash_rounding``). Less cash
  is a partial payment. Cash tendered must be payable in cash (a multiple of the cash
  increment), so a KES balance of 1,234.50 is settled by 1,235 and 1,234.40 by 1,234.
- Card and mobile money never over-tender: ``amount`` is what is applied to the balance
  and the tip is charged on top.
- Card online is confirmed. Card offline is store-and-forward: pending confirmation,
  within the outlet's per-transaction and cumulative offline limits, and it expires
  after the policy's hours if the hub never gets it authorized.
- Mobile money needs the customer's confirmation reference and stays pending until the
  hub verifies that reference, online or not: the device never verifies it itself.
- A split tender is several tenders in a row, each against the balance left.
- A pending tender is later confirmed or declined (the terminal slip, the customer's
  SMS, or the hub): :func:`settle`. The first outcome stands; asking for it again
  changes nothing, asking for the other one is refused. A declined tender pays nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from .errors import (
    InvalidAmount,
    InvalidValue,
    NothingDue,
    OfflineCardLimit,
    OverTender,
    PaymentAlreadySettled,
    ReferenceRequired,
)
from .money import Currency, as_currency, require_positive, round_cash

TenderMethod = Literal["cash", "card", "mobile_money"]
TENDER_METHODS: frozenset[str] = frozenset({"cash", "card", "mobile_money"})
PaymentStatus = Literal["confirmed", "pending", "declined"]
PAYMENT_STATUSES: frozenset[str] = frozenset({"confirmed", "pending", "declined"})
PaymentOutcome = Literal["confirmed", "declined"]
PAYMENT_OUTCOMES: frozenset[str] = frozenset({"confirmed", "declined"})


@dataclass(frozen=True, slots=True)
class OfflineCardPolicy:
    """An outlet's limits for cards taken while the hub is unreachable.

    Attributes:
        per_transaction_limit: the most one offline card tender may charge (with tip).
        cumulative_limit: the most all pending offline card tenders may add up to.
        expiry_hours: how long a stored card tender may wait for authorization.
    """

    per_transaction_limit: int
    cumulative_limit: int
    expiry_hours: int

    def __post_init__(self) -> None:
        if self.per_transaction_limit < 0 or self.cumulative_limit < 0:
            raise InvalidValue("offline card limits must not be negative")
        if self.expiry_hours < 1:
            raise InvalidValue("offline card expiry must be at least one hour")


@dataclass(frozen=True, slots=True)
class TenderResult:
    """What one tender does.

    Attributes:
        method: the tender type.
        applied_amount: what comes off the ticket's balance.
        tendered: what the customer handed over (cash) or was charged (card, mobile
            money: amount plus tip).
        change: cash handed back.
        tip: the tip, outside the ticket's total.
        status: ``"confirmed"`` or ``"pending"`` (confirmation by the hub).
        expires_in_hours: for an offline card, how long it may stay pending.
        reference: mobile-money confirmation reference or card authorization, if any.
    """

    method: TenderMethod
    applied_amount: int
    tendered: int
    change: int
    tip: int
    status: PaymentStatus
    expires_in_hours: int | None = None
    reference: str | None = None

    @property
    def cash_rounding(self) -> int:
        """Cash kept minus amount applied and tip: the rounding the drawer absorbs."""
        return self.tendered - self.change - self.tip - self.applied_amount


def tender(
    balance_due: int,
    method: TenderMethod,
    amount: int,
    currency: Currency | str,
    *,
    tip: int = 0,
    reference: str | None = None,
    online: bool,
    offline_card_total_so_far: int = 0,
    policy: OfflineCardPolicy | None = None,
) -> TenderResult:
    """Apply one tender to a balance (see the module docstring for the rules).

    Args:
        balance_due: what the ticket still owes, in minor units.
        method: ``"cash"``, ``"card"`` or ``"mobile_money"``.
        amount: cash handed over, or the amount to charge to card or mobile money.
        currency: the ticket's currency (its cash increment matters).
        tip: a tip on top of the balance.
        reference: the mobile-money confirmation reference (or a card authorization).
        online: whether the hub is reachable now.
        offline_card_total_so_far: pending offline card charges already taken.
        policy: offline card limits; without one, cards are refused offline.

    Raises:
        NothingDue: the balance is zero or less.
        InvalidAmount: the amount is not above zero, the tip is negative, cash is not a
            multiple of the cash increment, or cash does not even cover the tip.
        InvalidValue: the method is unknown.
        OverTender: a card or mobile-money amount above the balance.
        ReferenceRequired: mobile money without a reference.
        OfflineCardLimit: an offline card tender over a limit, or with no policy.
    """
    if balance_due <= 0:
        raise NothingDue("the ticket has nothing left to pay")
    require_positive(amount)
    if tip < 0:
        raise InvalidAmount("a tip cannot be negative")
    if method not in TENDER_METHODS:
        raise InvalidValue(f"unknown tender method {method!r}")
    ref = reference.strip() if reference and reference.strip() else None
    if method == "cash":
        return _cash(balance_due, amount, as_currency(currency), tip, ref)
    if amount > balance_due:
        raise OverTender(f"{method} cannot pay {amount} on a balance of {balance_due}")
    charged = amount + tip
    if method == "mobile_money":
        if ref is None:
            raise ReferenceRequired("mobile money needs the customer's confirmation reference")
        return TenderResult(method, amount, charged, 0, tip, "pending", reference=ref)
    if online:
        return TenderResult(method, amount, charged, 0, tip, "confirmed", reference=ref)
    hours = _offline_policy(charged, offline_card_total_so_far, policy).expiry_hours
    return TenderResult(
        method, amount, charged, 0, tip, "pending", expires_in_hours=hours, reference=ref
    )


def _cash(
    balance_due: int, tendered: int, cur: Currency, tip: int, ref: str | None
) -> TenderResult:
    if tendered % cur.cash_increment:
        raise InvalidAmount(f"cash in {cur.code} comes in steps of {cur.cash_increment}")
    cash_due = round_cash(balance_due, cur)
    for_ticket = tendered - tip
    if for_ticket >= min(cash_due, balance_due):
        change = max(0, for_ticket - cash_due)
        return TenderResult("cash", balance_due, tendered, change, tip, "confirmed", reference=ref)
    if for_ticket <= 0:
        raise InvalidAmount("the cash tendered does not cover the tip")
    return TenderResult("cash", for_ticket, tendered, 0, tip, "confirmed", reference=ref)


def _offline_policy(
    charged: int, so_far: int, policy: OfflineCardPolicy | None
) -> OfflineCardPolicy:
    if policy is None:
        raise OfflineCardLimit("cards are not accepted offline at this outlet", 0)
    if charged > policy.per_transaction_limit:
        raise OfflineCardLimit(
            f"offline card limit is {policy.per_transaction_limit} per transaction",
            policy.per_transaction_limit,
        )
    if so_far + charged > policy.cumulative_limit:
        raise OfflineCardLimit(
            f"offline cards would reach {so_far + charged}, above the "
            f"{policy.cumulative_limit} allowed until the hub is back",
            policy.cumulative_limit,
        )
    return policy


def settle(status: str, outcome: str) -> bool:
    """Whether confirming or declining a tender in ``status`` needs a new fact.

    Returns:
        True for a pending tender; False when it already has ``outcome`` (a repeat).

    Raises:
        InvalidValue: ``outcome`` is neither ``"confirmed"`` nor ``"declined"``.
        PaymentAlreadySettled: the tender already has the other outcome.
    """
    if outcome not in PAYMENT_OUTCOMES:
        raise InvalidValue(f"a tender is confirmed or declined, not {outcome!r}")
    if status == outcome:
        return False
    if status != "pending":
        raise PaymentAlreadySettled(status, outcome)
    return True
