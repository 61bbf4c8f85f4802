"""A bar tab's rules: its name, its limit and the card pre-authorisation held against it
(ADR 0030).

A tab's limit is the figure it may reach: adding past it takes the ``tab_over_limit``
permission or a manager's PIN, and a tab at or above its limit warns in every answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge_agent.domain.errors import InvalidAmount, InvalidValue, ReferenceRequired

MAX_NAME = 80


@dataclass(frozen=True, slots=True)
class Preauthorisation:
    """A card hold recorded when the tab opened: a payment intent, not money taken."""

    id: str
    amount: int
    reference: str
    status: str = "pending"


def tab_name(name: str | None) -> str:
    """The tab's name, trimmed.

    Raises:
        InvalidValue: no name, or a blank one.
    """
    trimmed = (name or "").strip()
    if not trimmed or len(trimmed) > MAX_NAME:
        raise InvalidValue(f"a tab needs a name of 1 to {MAX_NAME} characters")
    return trimmed


def preauthorisation(preauth_id: str, amount: int, reference: str | None) -> Preauthorisation:
    """A card pre-authorisation of ``amount`` under the terminal's ``reference``.

    Raises:
        InvalidAmount: not a positive amount.
        ReferenceRequired: no reference from the card terminal.
    """
    if amount <= 0:
        raise InvalidAmount("a pre-authorisation holds a positive amount")
    if reference is None or not reference.strip():
        raise ReferenceRequired("a pre-authorisation needs the card terminal's reference")
    return Preauthorisation(preauth_id, amount, reference.strip())


def over_limit(total: int, limit: int | None) -> bool:
    """Whether a tab's total is above its limit (no limit: never)."""
    return limit is not None and total > limit


def limit_reached(total: int, limit: int | None) -> bool:
    """Whether a tab has reached its limit, the point at which it warns."""
    return limit is not None and total >= limit
