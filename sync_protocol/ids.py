"""UUIDv7 identifiers (RFC 9562), made on the device with no round trip.

The caller passes the time, so the function stays deterministic under test; only the
random bits come from :mod:`secrets` unless they are given too.
"""

from __future__ import annotations

import secrets
import uuid

_RANDOM_BITS = 74


def uuid7(unix_ms: int, random_bits: int | None = None) -> uuid.UUID:
    """Make a version 7 UUID for the given Unix time in milliseconds.

    Args:
        unix_ms: milliseconds since the Unix epoch; 48 bits.
        random_bits: 74 random bits; drawn from :mod:`secrets` when omitted.

    Raises:
        ValueError: if ``unix_ms`` or ``random_bits`` does not fit its field.
    """
    if not 0 <= unix_ms < 1 << 48:
        raise ValueError(f"unix_ms {unix_ms} does not fit in 48 bits")
    rand = secrets.randbits(_RANDOM_BITS) if random_bits is None else random_bits
    if not 0 <= rand < 1 << _RANDOM_BITS:
        raise ValueError("random_bits must fit in 74 bits")
    rand_a = rand >> 62  # 12 bits
    rand_b = rand & ((1 << 62) - 1)
    value = (unix_ms << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    return uuid.UUID(int=value)


def uuid7_time_ms(value: uuid.UUID) -> int:
    """Return the Unix milliseconds embedded in a version 7 UUID.

    Raises:
        ValueError: if ``value`` is not a version 7 UUID.
    """
    if value.version != 7:
        raise ValueError(f"{value} is not a version 7 UUID")
    return value.int >> 80
