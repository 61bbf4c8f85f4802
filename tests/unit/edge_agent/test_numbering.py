"""Receipt numbers that never collide offline, and short daily order numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_agent.domain.errors import InvalidValue
from edge_agent.domain.numbering import daily_order_number, receipt_number

codes = st.text("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=1, max_size=8)


def test_a_receipt_number_is_outlet_device_and_zero_padded_sequence() -> None:
    assert receipt_number("DEMO1", "D01", 42) == "DEMO1-D01-000042"


def test_a_sequence_past_six_digits_simply_grows_longer() -> None:
    assert receipt_number("DEMO1", "D01", 1_234_567) == "DEMO1-D01-1234567"


@pytest.mark.parametrize("seq", [0, -1])
def test_receipt_sequences_start_at_one(seq: int) -> None:
    with pytest.raises(InvalidValue):
        receipt_number("DEMO1", "D01", seq)


@pytest.mark.parametrize(("outlet", "device"), [("DEMO-1", "D01"), ("DEMO1", ""), ("DEMO 1", "D")])
def test_codes_that_would_make_numbers_ambiguous_are_refused(outlet: str, device: str) -> None:
    with pytest.raises(InvalidValue):
        receipt_number(outlet, device, 1)


@given(outlet=codes, device=codes, seq=st.integers(min_value=1, max_value=10**9))
def test_a_receipt_number_reads_back_as_its_outlet_device_and_sequence(
    outlet: str, device: str, seq: int
) -> None:
    number = receipt_number(outlet, device, seq)

    assert number.split("-") == [outlet, device, number.rsplit("-", 1)[1]]
    assert int(number.rsplit("-", 1)[1]) == seq


@pytest.mark.parametrize(
    ("seq", "order"), [(1, 1), (42, 42), (999, 999), (1000, 1), (1998, 999), (1999, 1)]
)
def test_daily_order_numbers_run_from_1_to_999_and_wrap_back_to_1(seq: int, order: int) -> None:
    assert daily_order_number(seq) == order


def test_the_daily_order_sequence_starts_at_one() -> None:
    with pytest.raises(InvalidValue):
        daily_order_number(0)


@given(seq=st.integers(min_value=1, max_value=10**7))
def test_a_daily_order_number_is_never_zero_and_never_above_999(seq: int) -> None:
    assert 1 <= daily_order_number(seq) <= 999
