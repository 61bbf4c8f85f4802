"""Receipt numbers that never collide offline, and short daily order numbers.

A receipt number is ``OUTLET-DEVICE-SEQ``: the device's own gapless sequence makes it
unique with no round trip, and because codes may not contain ``-`` no two
(outlet, device, seq) triples render the same. Daily order numbers are what the
kitchen calls out: 1 to 999, wrapping back to 1, never 0.
"""

from __future__ import annotations

from .errors import InvalidValue

SEQ_DIGITS = 6
ORDER_NUMBERS = 999


def receipt_number(outlet_code: str, device_code: str, seq: int) -> str:
    """Render a receipt number: ``receipt_number("DEMO1", "D01", 42) == "DEMO1-D01-000042"``.

    The sequence is zero-padded to six digits and simply grows longer past 999999.

    Raises:
        InvalidValue: ``seq`` is below one, or a code is empty, holds whitespace or ``-``.
    """
    for code in (outlet_code, device_code):
        if not code or "-" in code or any(ch.isspace() for ch in code):
            raise InvalidValue(f"{code!r} cannot be part of a receipt number")
    if seq < 1:
        raise InvalidValue(f"receipt sequences start at 1, got {seq}")
    return f"{outlet_code}-{device_code}-{seq:0{SEQ_DIGITS}d}"


def daily_order_number(seq_of_day: int) -> int:
    """The short order number for the n-th order of the day: 1..999, then 1 again.

    Raises:
        InvalidValue: ``seq_of_day`` is below one.
    """
    if seq_of_day < 1:
        raise InvalidValue(f"daily order sequences start at 1, got {seq_of_day}")
    return (seq_of_day - 1) % ORDER_NUMBERS + 1
