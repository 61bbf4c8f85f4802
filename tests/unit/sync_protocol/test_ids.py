"""UUIDv7 ids made on the device (RFC 9562)."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync_protocol.ids import uuid7, uuid7_time_ms

PROPERTY = settings(max_examples=500)
MAX_MS = (1 << 48) - 1
MAX_RANDOM = (1 << 74) - 1

times_ms = st.integers(0, MAX_MS)
random_bits = st.integers(0, MAX_RANDOM)


def _random_bits_of(value: uuid.UUID) -> int:
    rand_a = (value.int >> 64) & 0xFFF
    rand_b = value.int & ((1 << 62) - 1)
    return (rand_a << 62) | rand_b


@PROPERTY
@given(unix_ms=times_ms, bits=random_bits)
def test_an_id_is_a_version_7_uuid_of_the_rfc_4122_variant(unix_ms: int, bits: int) -> None:
    value = uuid7(unix_ms, bits)

    assert value.version == 7
    assert value.variant == uuid.RFC_4122


@PROPERTY
@given(unix_ms=times_ms, bits=random_bits)
def test_the_time_an_id_was_made_for_can_be_read_back(unix_ms: int, bits: int) -> None:
    value = uuid7(unix_ms, bits)

    assert uuid7_time_ms(value) == unix_ms


@PROPERTY
@given(unix_ms=times_ms, bits=random_bits)
def test_all_74_random_bits_are_kept_in_the_id(unix_ms: int, bits: int) -> None:
    value = uuid7(unix_ms, bits)

    assert _random_bits_of(value) == bits


@PROPERTY
@given(
    earlier_ms=st.integers(0, MAX_MS - 1),
    gap_ms=st.integers(1, MAX_MS) | st.just(1),
    earlier_bits=random_bits,
    later_bits=random_bits,
)
def test_an_id_made_later_sorts_after_one_made_earlier_whatever_the_random_bits(
    earlier_ms: int, gap_ms: int, earlier_bits: int, later_bits: int
) -> None:
    later_ms = min(earlier_ms + gap_ms, MAX_MS)

    earlier, later = uuid7(earlier_ms, earlier_bits), uuid7(later_ms, later_bits)

    assert earlier < later
    assert str(earlier) < str(later)
    assert earlier.bytes < later.bytes


def test_an_id_made_without_random_bits_draws_its_own() -> None:
    first, second = uuid7(1_750_000_000_000), uuid7(1_750_000_000_000)

    assert first != second
    assert first.version == second.version == 7
    assert uuid7_time_ms(first) == uuid7_time_ms(second) == 1_750_000_000_000


def test_an_id_lays_out_time_version_variant_and_random_bits_as_rfc_9562_says() -> None:
    value = uuid7(0x0123_4567_89AB, random_bits=0)

    assert str(value) == "01234567-89ab-7000-8000-000000000000"


@pytest.mark.parametrize("unix_ms", [-1, 1 << 48])
def test_a_time_outside_48_bits_is_refused(unix_ms: int) -> None:
    with pytest.raises(ValueError, match=f"unix_ms {unix_ms} does not fit in 48 bits"):
        uuid7(unix_ms, 0)


@pytest.mark.parametrize("bits", [-1, 1 << 74])
def test_random_bits_outside_74_bits_are_refused(bits: int) -> None:
    with pytest.raises(ValueError, match="random_bits must fit in 74 bits"):
        uuid7(0, bits)


@pytest.mark.parametrize(
    "value",
    [
        uuid.UUID("6ba7b810-9dad-41d1-80b4-00c04fd430c8"),  # version 4
        uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8"),  # version 1
        uuid.UUID(int=0),  # the nil UUID has no version
    ],
)
def test_reading_the_time_of_an_id_that_is_not_version_7_is_refused(value: uuid.UUID) -> None:
    with pytest.raises(ValueError, match="is not a version 7 UUID"):
        uuid7_time_ms(value)
