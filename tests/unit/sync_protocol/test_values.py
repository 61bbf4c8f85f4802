"""The values an operation payload may carry."""

from __future__ import annotations

import datetime
import decimal
import re
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings

from sync_protocol.values import INT64_MAX, INT64_MIN, MAX_DEPTH, check_mapping, check_value

from .strategies import payload_maps, payload_values

PROPERTY = settings(max_examples=500)


def refusal(value: Any, check: Callable[[Any], None] = check_value) -> str | None:
    """Why ``check`` refuses ``value``, or None when it accepts it."""
    try:
        check(value)
    except ValueError as error:
        return str(error)
    return None


def nested_lists(depth: int) -> Any:
    """A scalar wrapped in ``depth`` lists, e.g. ``[[1]]`` for 2."""
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


@PROPERTY
@given(value=payload_values(max_depth=MAX_DEPTH))
def test_json_shaped_values_are_payload_values(value: Any) -> None:
    assert refusal(value) is None


@PROPERTY
@given(data=payload_maps())
def test_string_keyed_maps_of_payload_values_are_payload_maps(data: dict[str, Any]) -> None:
    assert refusal(data, check_mapping) is None


@pytest.mark.parametrize("value", [None, True, False, 0, INT64_MIN, INT64_MAX, "", "KES"])
def test_scalars_at_the_edges_of_their_range_are_payload_values(value: Any) -> None:
    assert refusal(value) is None


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        (1.5, "$: float is not a payload value"),
        (0.0, "$: float is not a payload value"),
        (decimal.Decimal("1.50"), "$: Decimal is not a payload value"),
        (b"cash", "$: bytes is not a payload value"),
        ((1, 2), "$: tuple is not a payload value"),
        ({1, 2}, "$: set is not a payload value"),
        (msgspec.msgpack.Ext(1, b"x"), "$: Ext is not a payload value"),
        (datetime.datetime(2025, 1, 1), "$: datetime is not a payload value"),
        (INT64_MAX + 1, f"$: integer {INT64_MAX + 1} is outside 64 bits"),
        (INT64_MIN - 1, f"$: integer {INT64_MIN - 1} is outside 64 bits"),
    ],
)
def test_values_that_would_not_mean_the_same_on_every_replica_are_refused(
    value: Any, complaint: str
) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(complaint)):
        check_value(value)


def test_the_complaint_names_the_path_to_the_offending_value() -> None:
    order = {"lines": [{"qty": 1}, {"qty": 2}, {"qty": 2.5}]}

    with pytest.raises(ValueError, match=r"^\$\.lines\[2\]\.qty: float is not a payload value$"):
        check_value(order)


def test_the_path_starts_where_the_caller_says() -> None:
    with pytest.raises(ValueError, match=r"^data\.amount: float"):
        check_mapping({"amount": 9.99}, "data")


def test_a_map_key_that_is_not_a_string_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^\$\.modifiers: map key 3 is not a string$"):
        check_value({"modifiers": {3: "extra shot"}})


def test_a_value_nested_as_deep_as_the_limit_is_accepted() -> None:
    assert refusal(nested_lists(MAX_DEPTH)) is None


def test_a_value_nested_deeper_than_the_limit_is_refused() -> None:
    with pytest.raises(ValueError, match=f"nested deeper than {MAX_DEPTH} levels"):
        check_value(nested_lists(MAX_DEPTH + 1))


def test_nesting_counts_maps_as_well_as_lists() -> None:
    value: Any = 1
    for _ in range(MAX_DEPTH + 1):
        value = {"next": value}

    expected = re.escape(
        "$" + ".next" * (MAX_DEPTH + 1) + f": nested deeper than {MAX_DEPTH} levels"
    )
    with pytest.raises(ValueError, match=f"^{expected}$"):
        check_value(value)
