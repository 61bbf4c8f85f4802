"""A bar tab's pure rules: its name, its card pre-authorisation and its limit."""

from __future__ import annotations

import pytest

from edge_agent.domain.errors import InvalidAmount, InvalidValue, ReferenceRequired
from edge_agent.domain.tabs import limit_reached, over_limit, preauthorisation, tab_name


def test_a_tab_name_is_trimmed_and_must_say_something() -> None:
    assert tab_name("  Wanjiru ") == "Wanjiru"
    for bad in (None, "", "   ", "x" * 81):
        with pytest.raises(InvalidValue):
            tab_name(bad)


def test_a_preauthorisation_holds_a_positive_amount_under_the_terminals_reference() -> None:
    held = preauthorisation("p1", 500000, " PRE-1 ")

    assert (held.amount, held.reference, held.status) == (500000, "PRE-1", "pending")
    with pytest.raises(InvalidAmount):
        preauthorisation("p2", 0, "PRE-2")
    with pytest.raises(ReferenceRequired):
        preauthorisation("p3", 100, "  ")


def test_a_tab_warns_at_its_limit_and_is_over_it_only_above() -> None:
    assert [limit_reached(t, 100) for t in (99, 100, 101)] == [False, True, True]
    assert [over_limit(t, 100) for t in (99, 100, 101)] == [False, False, True]
    assert not over_limit(10**9, None)
    assert not limit_reached(10**9, None)
