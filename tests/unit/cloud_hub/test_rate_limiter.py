"""Token buckets of ``cloud_hub.http.limits`` and the limits read from the environment."""

from __future__ import annotations

import pytest

from cloud_hub.http.limits import RateLimiter
from cloud_hub.settings import HubSettings


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_of_half_a_minutes_worth_passes_then_the_next_waits() -> None:
    clock = Clock()
    limiter = RateLimiter(60, clock=clock)

    passed = [limiter.take("a") for _ in range(30)]
    refused = limiter.take("a")

    assert passed == [None] * 30
    assert refused == 1


def test_tokens_come_back_with_time_and_keys_are_apart() -> None:
    clock = Clock()
    limiter = RateLimiter(6, clock=clock)
    limiter.take("a")
    limiter.take("a")
    limiter.take("a")

    waiting = limiter.take("a")
    other = limiter.take("b")
    clock.now += 10.0
    later = limiter.take("a")

    assert waiting == 10
    assert other is None
    assert later is None


def test_limits_are_read_from_the_environment() -> None:
    settings = HubSettings.from_env(
        {"POS_HUB_IDLE_TIMEOUT_S": "2.5", "POS_HUB_SYNC_RATE_PER_MIN": "30"}
    )

    assert settings.limits.idle_timeout_s == 2.5
    assert settings.limits.sync_rate_per_min == 30
    assert settings.limits.body_timeout_s == 60


@pytest.mark.parametrize("value", ["0", "-1", "soon"])
def test_a_limit_that_is_not_a_positive_number_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="POS_HUB_BODY_TIMEOUT_S"):
        HubSettings.from_env({"POS_HUB_BODY_TIMEOUT_S": value})


def test_the_default_sync_rate_lets_a_till_page_through_a_50_000_op_catch_up() -> None:
    # 100 pushes of 500 ops and 250 pulls of 200: what a till sends to catch up at once.
    limiter = RateLimiter(HubSettings.from_env({}).limits.sync_rate_per_min, clock=Clock())

    waits = [limiter.take("till") for _ in range(100 + 250)]

    assert waits == [None] * 350
