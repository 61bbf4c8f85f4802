"""Kitchen order status, without I/O: bumps only move lines forward, and replicas agree
whatever order the bumps arrive in."""

from __future__ import annotations

from dataclasses import replace
from functools import reduce

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_agent.domain import kitchen
from edge_agent.domain.errors import InvalidValue
from edge_agent.domain.ticket import TicketLine

SAMOSA = TicketLine("l1", "samosa", "samosa", "Beef samosa", 1, 12000, station="kitchen", sent=True)
CAKE = replace(SAMOSA, id="l2", name="Cake")
CHAI = replace(SAMOSA, id="l3", name="Kenyan chai", station="bar")
UNSENT = replace(SAMOSA, id="l4", sent=False)
LINES = [SAMOSA, CAKE, CHAI, UNSENT]
Bump = tuple[tuple[str, ...], str]
bumps = st.lists(
    st.tuples(
        st.lists(st.sampled_from(["l1", "l2", "l3"]), min_size=1, unique=True).map(tuple),
        st.sampled_from(["preparing", "ready"]),
    ),
    max_size=6,
)


def fold(order: list[Bump]) -> dict[str, str]:
    return reduce(lambda s, b: kitchen.bumped(s, b[0], b[1]), order, {})


def test_a_station_is_as_far_as_its_least_advanced_sent_line() -> None:
    statuses = {"l1": "ready", "l2": "preparing"}

    assert kitchen.stations(LINES, statuses) == {"bar": "new", "kitchen": "preparing"}
    assert kitchen.stations([replace(CAKE, voided=True), SAMOSA], statuses) == {"kitchen": "ready"}


def test_a_bump_never_moves_a_line_back_and_an_unknown_status_changes_nothing() -> None:
    ready = kitchen.bumped({}, ["l1"], "ready")

    assert kitchen.bumped(ready, ["l1"], "preparing") == {"l1": "ready"}
    assert kitchen.bumped(ready, ["l1"], "plated") == {"l1": "ready"}


def test_only_live_sent_lines_of_the_station_behind_the_status_are_bumped() -> None:
    lines = [*LINES, replace(SAMOSA, id="l5", voided=True)]

    assert kitchen.to_bump(lines, {"l2": "ready"}, "kitchen", "ready") == ["l1"]
    assert kitchen.to_bump(lines, {"l1": "ready", "l2": "ready"}, "kitchen", "ready") == []
    with pytest.raises(InvalidValue):
        kitchen.to_bump(lines, {}, "kitchen", "new")


@given(bumps, st.randoms())
def test_replicas_agree_whatever_order_the_bumps_arrive_in(order: list[Bump], rng) -> None:
    shuffled = list(order)
    rng.shuffle(shuffled)

    assert fold(shuffled) == fold(order)
    assert kitchen.stations(LINES, fold(shuffled)) == kitchen.stations(LINES, fold(order))
