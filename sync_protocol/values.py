"""The values an operation payload may carry, and their check.

Payload values are JSON-shaped and carry the same meaning in every codec: ``None``,
``bool``, 64-bit ``int``, ``str``, lists of values and string-keyed maps of values.
Floats are refused (money is integer minor units), and so are MessagePack extension
types and anything else that would not hash the same on every replica.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1
MAX_DEPTH = 16


def check_value(value: Any, where: str = "$", depth: int = 0) -> None:
    """Check that ``value`` is a payload value.

    Raises:
        ValueError: naming the path of the first offending part and why.
    """
    if depth > MAX_DEPTH:
        raise ValueError(f"{where}: nested deeper than {MAX_DEPTH} levels")
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise ValueError(f"{where}: integer {value} is outside 64 bits")
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            check_value(item, f"{where}[{index}]", depth + 1)
        return
    if isinstance(value, Mapping):
        check_mapping(value, where, depth)
        return
    raise ValueError(f"{where}: {type(value).__name__} is not a payload value")


def check_mapping(value: Mapping[Any, Any], where: str = "$", depth: int = 0) -> None:
    """Check a string-keyed map of payload values.

    Raises:
        ValueError: as :func:`check_value`.
    """
    for key, item in value.items():
        if not isinstance(key, str):
            raise ValueError(f"{where}: map key {key!r} is not a string")
        check_value(item, f"{where}.{key}", depth + 1)
