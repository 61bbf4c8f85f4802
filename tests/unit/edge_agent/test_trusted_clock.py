"""Trusted time from the wall clock, the boot clock and the last handshake's reading."""

from __future__ import annotations

from edge_agent.domain.clock import ClockReading, trusted_ms

HUB_MS = 1_750_000_000_000
BOOT_MS = 3_600_000
DAY_MS = 86_400_000
MINUTE_MS = 60_000


def test_without_a_reading_the_wall_clock_is_trusted() -> None:
    assert trusted_ms(HUB_MS + DAY_MS, BOOT_MS, None) == HUB_MS + DAY_MS


def test_a_wall_clock_measured_a_day_ahead_gives_the_hubs_time_carried_on_by_the_boot_clock() -> (
    None
):
    reading = ClockReading(DAY_MS, HUB_MS + DAY_MS, BOOT_MS)

    assert trusted_ms(HUB_MS + DAY_MS + MINUTE_MS, BOOT_MS + MINUTE_MS, reading) == (
        HUB_MS + MINUTE_MS
    )


def test_a_clock_set_right_after_the_reading_is_not_corrected_by_the_stale_skew() -> None:
    reading = ClockReading(DAY_MS, HUB_MS + DAY_MS, BOOT_MS)

    assert trusted_ms(HUB_MS + MINUTE_MS, BOOT_MS + MINUTE_MS, reading) == HUB_MS + MINUTE_MS


def test_a_clock_set_wrong_after_a_good_reading_is_caught_by_the_boot_clock() -> None:
    reading = ClockReading(150, HUB_MS + 150, BOOT_MS)

    assert trusted_ms(HUB_MS + DAY_MS, BOOT_MS + MINUTE_MS, reading) == HUB_MS + MINUTE_MS


def test_a_right_clock_is_trusted_as_it_is_whatever_small_skew_was_measured() -> None:
    reading = ClockReading(150, HUB_MS + 150, BOOT_MS)

    assert trusted_ms(HUB_MS + MINUTE_MS + 7, BOOT_MS + MINUTE_MS, reading) == (
        HUB_MS + MINUTE_MS + 7
    )


def test_after_a_reboot_only_the_measured_skew_corrects_the_wall_clock() -> None:
    reading = ClockReading(DAY_MS, HUB_MS + DAY_MS, BOOT_MS)
    unknown_boot = ClockReading(DAY_MS, 0, None)

    assert trusted_ms(HUB_MS + DAY_MS + MINUTE_MS, 5_000, reading) == HUB_MS + MINUTE_MS
    assert trusted_ms(HUB_MS + DAY_MS, BOOT_MS, unknown_boot) == HUB_MS
