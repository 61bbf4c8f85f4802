"""The failure throttle, without I/O: a sliding window per key, bounded memory."""

from __future__ import annotations

from cloud_hub.domain.throttle import FailureThrottle


def test_a_key_is_held_back_at_the_limit_until_its_oldest_failure_ages_out() -> None:
    throttle = FailureThrottle(3, 1000)
    for now in (0, 100, 200):
        assert throttle.retry_after_ms("a", now) == 0
        throttle.fail("a", now)

    held = throttle.retry_after_ms("a", 300)
    other = throttle.retry_after_ms("b", 300)
    released = throttle.retry_after_ms("a", 1000)

    assert held == 700
    assert other == 0
    assert released == 0


def test_the_least_recently_failing_keys_are_forgotten_past_the_bound() -> None:
    throttle = FailureThrottle(1, 1000, max_keys=2)
    for key in ("a", "b", "c"):
        throttle.fail(key, 0)

    assert throttle.retry_after_ms("a", 1) == 0
    assert throttle.retry_after_ms("b", 1) == 999
    assert throttle.retry_after_ms("c", 1) == 999
