"""When the next sync runs: the interval after success, jittered backoff after failures."""

from __future__ import annotations

import pytest

from edge_agent.sync.backoff import MAX_BACKOFF_S, Backoff

POLICY = Backoff(interval_s=5.0)


def test_after_a_success_the_next_run_comes_after_about_the_interval() -> None:
    delays = [POLICY.delay(0, draw) for draw in (0.0, 0.5, 0.999)]

    assert delays[0] == pytest.approx(4.75)
    assert delays[1] == pytest.approx(5.0)
    assert delays[2] == pytest.approx(5.25, abs=0.01)


def test_the_retry_window_doubles_with_each_failure_up_to_a_minute() -> None:
    windows = [POLICY.window(n) for n in range(1, 10)]

    assert windows == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert POLICY.window(10_000) == MAX_BACKOFF_S


@pytest.mark.parametrize("failures", [1, 3, 6, 50])
def test_jitter_keeps_a_retry_between_half_and_all_of_the_window(failures) -> None:
    window = POLICY.window(failures)

    lowest, highest = POLICY.delay(failures, 0.0), POLICY.delay(failures, 0.999999)

    assert lowest == pytest.approx(window / 2)
    assert window / 2 <= highest <= window


def test_two_tills_failing_together_retry_at_different_times() -> None:
    assert POLICY.delay(4, 0.1) != POLICY.delay(4, 0.9)


def test_the_hubs_retry_after_is_a_floor_even_beyond_the_cap() -> None:
    assert POLICY.delay(1, 0.5, retry_after_s=30) == 30
    assert POLICY.delay(8, 0.5, retry_after_s=600) == 600
    assert POLICY.delay(8, 0.5, retry_after_s=1) == pytest.approx(45.0)
