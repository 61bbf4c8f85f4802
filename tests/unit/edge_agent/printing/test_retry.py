"""Retry delays: exponential, capped, spread by jitter."""

from __future__ import annotations

from edge_agent.printing.retry import retry_delay_s


def test_the_delay_doubles_with_each_failure_up_to_the_cap() -> None:
    delays = [retry_delay_s(n, 1.0, 30.0, jitter=1.0) for n in range(1, 8)]

    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


def test_jitter_spreads_each_delay_between_half_and_all_of_it() -> None:
    low = retry_delay_s(4, 1.0, 30.0, jitter=0.0)
    middle = retry_delay_s(4, 1.0, 30.0, jitter=0.5)
    high = retry_delay_s(4, 1.0, 30.0, jitter=0.999)

    assert (low, middle) == (4.0, 6.0)
    assert 7.99 < high < 8.0


def test_a_very_long_outage_does_not_overflow() -> None:
    assert retry_delay_s(10_000, 1.0, 30.0, jitter=1.0) == 30.0
