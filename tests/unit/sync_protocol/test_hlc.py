"""The hybrid logical clock: packed timestamps, monotonicity, drift bound."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync_protocol.errors import ClockDriftError
from sync_protocol.hlc import (
    DEFAULT_MAX_DRIFT_MS,
    LOGICAL_MASK,
    MAX_WALL_MS,
    HybridLogicalClock,
    corrected_ms,
    ensure_within_drift,
    format_timestamp,
    is_far_ahead,
    pack,
    unpack,
)

PROPERTY = settings(max_examples=500)
START_MS = 1_750_000_000_000


class WallClock:
    """A wall clock the test sets by hand; it may stand still or go backwards."""

    def __init__(self, ms: int) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


@dataclass(frozen=True)
class Now:
    wall_step_ms: int


@dataclass(frozen=True)
class Receive:
    wall_step_ms: int
    remote_offset_ms: int
    remote_logical: int


def _wall_steps() -> st.SearchStrategy[int]:
    # A clock that stands still or jumps back is the interesting case, so weight it.
    return st.one_of(st.just(0), st.integers(-5_000, -1), st.integers(-3, 3), st.integers(1, 5_000))


def _steps(max_drift_ms: int) -> st.SearchStrategy[list[Now | Receive]]:
    """Interleavings of now() and receive() of remote stamps within the drift bound."""
    now = st.builds(Now, _wall_steps())
    receive = st.builds(
        Receive,
        _wall_steps(),
        st.integers(-10_000, max_drift_ms) | st.integers(max_drift_ms - 3, max_drift_ms),
        st.integers(0, LOGICAL_MASK) | st.integers(LOGICAL_MASK - 2, LOGICAL_MASK),
    )
    return st.lists(now | receive, min_size=1, max_size=25)


@st.composite
def clock_runs(draw: st.DrawFn) -> tuple[HybridLogicalClock, WallClock, list[Now | Receive]]:
    """A clock restored from any earlier state, its wall clock and steps to play on it."""
    max_drift_ms = draw(st.integers(0, 10_000) | st.just(DEFAULT_MAX_DRIFT_MS))
    wall = WallClock(START_MS + draw(st.integers(-10_000, 10_000)))
    last = pack(START_MS + draw(st.integers(-10_000, 10_000)), draw(st.integers(0, LOGICAL_MASK)))
    clock = HybridLogicalClock(wall, max_drift_ms=max_drift_ms, last=last)
    return clock, wall, draw(_steps(max_drift_ms))


def _play(
    clock: HybridLogicalClock, wall: WallClock, step: Now | Receive
) -> tuple[int, int | None]:
    """Apply one step; return the issued timestamp and the remote one, if any."""
    wall.ms += step.wall_step_ms
    if isinstance(step, Now):
        return clock.now(), None
    remote = pack(wall.ms + step.remote_offset_ms, step.remote_logical)
    return clock.receive(remote), remote


# --- pack / unpack ----------------------------------------------------------------------


@PROPERTY
@given(wall_ms=st.integers(0, MAX_WALL_MS), logical=st.integers(0, LOGICAL_MASK))
def test_unpacking_a_packed_timestamp_gives_back_its_parts(wall_ms: int, logical: int) -> None:
    parts = unpack(pack(wall_ms, logical))

    assert parts == (wall_ms, logical)
    assert (parts.wall_ms, parts.logical) == (wall_ms, logical)


@PROPERTY
@given(
    first=st.tuples(st.integers(0, MAX_WALL_MS), st.integers(0, LOGICAL_MASK)),
    second=st.tuples(st.integers(0, MAX_WALL_MS), st.integers(0, LOGICAL_MASK)),
)
def test_packed_timestamps_compare_as_wall_clock_then_logical_counter(
    first: tuple[int, int], second: tuple[int, int]
) -> None:
    packed_first, packed_second = pack(*first), pack(*second)

    assert (packed_first < packed_second) == (first < second)
    assert (packed_first == packed_second) == (first == second)


def test_the_largest_timestamp_packs_both_parts_at_their_maximum() -> None:
    timestamp = pack(MAX_WALL_MS, LOGICAL_MASK)

    assert timestamp == (1 << 63) - 1
    assert unpack(timestamp) == (MAX_WALL_MS, LOGICAL_MASK)


@pytest.mark.parametrize(
    ("wall_ms", "logical", "complaint"),
    [
        (-1, 0, "wall clock -1 ms is out of range"),
        (MAX_WALL_MS + 1, 0, f"wall clock {MAX_WALL_MS + 1} ms is out of range"),
        (0, -1, "logical counter -1 is out of range"),
        (0, LOGICAL_MASK + 1, f"logical counter {LOGICAL_MASK + 1} is out of range"),
    ],
)
def test_packing_refuses_parts_that_do_not_fit(wall_ms: int, logical: int, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        pack(wall_ms, logical)


def test_a_timestamp_formats_as_wall_milliseconds_dot_hex_counter() -> None:
    timestamp = pack(1_700_000_000_123, 0x2A)

    text = format_timestamp(timestamp)

    assert text == "1700000000123.002a"


# --- now() and receive(): the clock's promises -----------------------------------------


@PROPERTY
@given(run=clock_runs())
def test_every_timestamp_a_node_issues_is_greater_than_the_one_before(
    run: tuple[HybridLogicalClock, WallClock, list[Now | Receive]],
) -> None:
    clock, wall, steps = run
    previous = clock.last

    for step in steps:
        issued, _ = _play(clock, wall, step)

        assert issued > previous
        assert clock.last == issued
        previous = issued


@PROPERTY
@given(run=clock_runs())
def test_a_timestamp_is_never_behind_the_wall_clock_it_was_issued_at(
    run: tuple[HybridLogicalClock, WallClock, list[Now | Receive]],
) -> None:
    clock, wall, steps = run

    for step in steps:
        issued, _ = _play(clock, wall, step)

        assert unpack(issued).wall_ms >= wall.ms


@PROPERTY
@given(run=clock_runs())
def test_a_received_timestamp_is_followed_by_a_greater_one(
    run: tuple[HybridLogicalClock, WallClock, list[Now | Receive]],
) -> None:
    clock, wall, steps = run
    receives = [step for step in steps if isinstance(step, Receive)]

    for step in receives:
        issued, remote = _play(clock, wall, step)

        assert remote is not None
        assert issued > remote


@PROPERTY
@given(
    run=clock_runs(),
    excess_ms=st.integers(1, 10**9) | st.integers(1, 3),
    remote_logical=st.integers(0, LOGICAL_MASK),
)
def test_a_remote_timestamp_beyond_the_drift_bound_is_refused_and_leaves_the_clock_alone(
    run: tuple[HybridLogicalClock, WallClock, list[Now | Receive]],
    excess_ms: int,
    remote_logical: int,
) -> None:
    clock, wall, steps = run
    for step in steps:
        _play(clock, wall, step)
    before = clock.last
    twin = HybridLogicalClock(wall, max_drift_ms=clock.max_drift_ms, last=before)
    remote_ms = wall.ms + clock.max_drift_ms + excess_ms

    with pytest.raises(ClockDriftError) as raised:
        clock.receive(pack(remote_ms, remote_logical))

    assert clock.last == before
    assert clock.now() == twin.now()
    error = raised.value
    assert (error.remote_ms, error.local_ms) == (remote_ms, wall.ms)
    assert error.max_drift_ms == clock.max_drift_ms
    assert error.ahead_ms == clock.max_drift_ms + excess_ms


def test_a_remote_timestamp_exactly_at_the_drift_bound_is_accepted() -> None:
    wall = WallClock(START_MS)
    clock = HybridLogicalClock(wall, max_drift_ms=1_000)
    remote = pack(START_MS + 1_000, 7)

    issued = clock.receive(remote)

    assert issued == pack(START_MS + 1_000, 8)


def test_the_drift_check_names_how_far_ahead_the_remote_clock_is() -> None:
    remote = pack(START_MS + 301_000, 0)

    with pytest.raises(ClockDriftError, match="301000 ms ahead of ours; the limit is 300000 ms"):
        ensure_within_drift(remote, START_MS, DEFAULT_MAX_DRIFT_MS)


def test_a_remote_timestamp_behind_our_clock_passes_the_drift_check() -> None:
    remote = pack(START_MS - 10**9, 0)

    try:
        ensure_within_drift(remote, START_MS, 0)
    except ClockDriftError as error:
        pytest.fail(f"a clock behind ours was refused: {error}")

    assert unpack(remote).wall_ms < START_MS


# --- now(): one case per rule ----------------------------------------------------------


def test_now_takes_the_wall_clock_with_a_zero_counter_when_the_wall_clock_moved_on() -> None:
    wall = WallClock(START_MS)
    clock = HybridLogicalClock(wall, last=pack(START_MS - 5, 9))

    issued = clock.now()

    assert issued == pack(START_MS, 0)


def test_now_counts_up_while_the_wall_clock_stands_still() -> None:
    clock = HybridLogicalClock(WallClock(START_MS))

    issued = [clock.now() for _ in range(3)]

    assert issued == [pack(START_MS, 0), pack(START_MS, 1), pack(START_MS, 2)]


def test_now_keeps_the_last_wall_time_when_the_wall_clock_goes_backwards() -> None:
    wall = WallClock(START_MS)
    clock = HybridLogicalClock(wall)
    clock.now()
    wall.ms -= 60_000

    issued = clock.now()

    assert issued == pack(START_MS, 1)


def test_a_full_logical_counter_borrows_the_next_millisecond() -> None:
    clock = HybridLogicalClock(WallClock(START_MS), last=pack(START_MS, LOGICAL_MASK))

    issued = clock.now()

    assert issued == pack(START_MS + 1, 0)


def test_a_restored_clock_issues_after_the_timestamp_it_was_restored_with() -> None:
    restored = pack(START_MS + 90_000, 3)
    clock = HybridLogicalClock(WallClock(START_MS), last=restored)

    issued = clock.now()

    assert issued == pack(START_MS + 90_000, 4)
    assert clock.last == issued


def test_send_is_another_name_for_now() -> None:
    clock = HybridLogicalClock(WallClock(START_MS))

    sent = clock.send()

    assert sent == pack(START_MS, 0)
    assert HybridLogicalClock.send is HybridLogicalClock.now


def test_a_new_clock_uses_the_default_drift_bound() -> None:
    clock = HybridLogicalClock(WallClock(START_MS))

    assert clock.max_drift_ms == DEFAULT_MAX_DRIFT_MS == 5 * 60 * 1000
    assert clock.last == 0


def test_a_negative_drift_bound_is_refused() -> None:
    with pytest.raises(ValueError, match="max_drift_ms must not be negative"):
        HybridLogicalClock(WallClock(START_MS), max_drift_ms=-1)


# --- receive(): one case per rule ------------------------------------------------------


def test_receive_takes_the_wall_clock_when_it_is_ahead_of_both_timestamps() -> None:
    clock = HybridLogicalClock(WallClock(START_MS), last=pack(START_MS - 10, 4))

    issued = clock.receive(pack(START_MS - 20, 9))

    assert issued == pack(START_MS, 0)


def test_receive_counts_on_from_our_last_timestamp_when_it_is_the_latest() -> None:
    clock = HybridLogicalClock(WallClock(START_MS), last=pack(START_MS + 50, 4))

    issued = clock.receive(pack(START_MS + 20, 9))

    assert issued == pack(START_MS + 50, 5)


def test_receive_counts_on_from_the_remote_timestamp_when_it_is_the_latest() -> None:
    clock = HybridLogicalClock(WallClock(START_MS), last=pack(START_MS - 10, 4))

    issued = clock.receive(pack(START_MS + 20, 9))

    assert issued == pack(START_MS + 20, 10)


def test_receive_counts_on_from_the_larger_counter_when_both_timestamps_share_a_wall_time() -> None:
    clock = HybridLogicalClock(WallClock(START_MS), last=pack(START_MS + 20, 4))

    issued = clock.receive(pack(START_MS + 20, 9))

    assert issued == pack(START_MS + 20, 10)


def test_receiving_a_full_counter_borrows_the_next_millisecond() -> None:
    clock = HybridLogicalClock(WallClock(START_MS))

    issued = clock.receive(pack(START_MS + 20, LOGICAL_MASK))

    assert issued == pack(START_MS + 21, 0)


# --- trusted time -----------------------------------------------------------------------


def test_a_stamp_beyond_the_drift_bound_is_far_ahead_and_one_at_the_bound_is_not() -> None:
    at_bound = pack(START_MS + DEFAULT_MAX_DRIFT_MS, 7)
    beyond = pack(START_MS + DEFAULT_MAX_DRIFT_MS + 1, 0)

    assert not is_far_ahead(at_bound, START_MS)
    assert is_far_ahead(beyond, START_MS)
    assert not is_far_ahead(beyond, START_MS, DEFAULT_MAX_DRIFT_MS + 1)


def test_a_skew_beyond_the_drift_bound_is_taken_off_the_wall_clock() -> None:
    day = 86_400_000

    assert corrected_ms(START_MS + day, day) == START_MS
    assert corrected_ms(START_MS - day, -day) == START_MS


def test_a_skew_within_the_drift_bound_or_unknown_leaves_the_wall_clock_as_is() -> None:
    assert corrected_ms(START_MS, DEFAULT_MAX_DRIFT_MS) == START_MS
    assert corrected_ms(START_MS, -DEFAULT_MAX_DRIFT_MS, DEFAULT_MAX_DRIFT_MS) == START_MS
    assert corrected_ms(START_MS, None) == START_MS


def test_a_correction_never_takes_trusted_time_below_zero() -> None:
    assert corrected_ms(1_000, 10 * DEFAULT_MAX_DRIFT_MS) == 0
