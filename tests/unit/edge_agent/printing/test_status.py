"""DLE EOT replies: a state we can trust, or unknown; never "ok" by default."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_agent.printing.status import interpret, is_valid

FINE = {1: b"\x12", 2: b"\x12", 3: b"\x12", 4: b"\x12"}


def with_reply(n: int, byte: int) -> dict[int, bytes]:
    return {**FINE, n: bytes((byte,))}


def test_a_printer_that_answers_everything_cleanly_is_online() -> None:
    status = interpret(FINE)

    assert status.state == "online"
    assert not status.blocks_printing


def test_no_reply_at_all_is_unknown_never_ok() -> None:
    status = interpret({})

    assert status.state == "unknown"
    assert "no reply to DLE EOT 1, 2, 3, 4" in status.detail


def test_a_printer_that_answers_only_some_queries_is_unknown() -> None:
    status = interpret({1: b"\x12", 2: b"\x12"})

    assert status.state == "unknown"
    assert "3, 4" in status.detail


@pytest.mark.parametrize("garbage", [0x00, 0xFF, 0x41, 0x92])
def test_a_reply_without_the_fixed_bits_is_unknown(garbage: int) -> None:
    status = interpret(with_reply(4, garbage))

    assert status.state == "unknown"
    assert "invalid reply to DLE EOT 4" in status.detail


@pytest.mark.parametrize(
    ("replies", "state"),
    [
        ({1: b"\x1a", 2: b"\x32", 3: b"\x12", 4: b"\x7e"}, "paper_out"),
        (with_reply(2, 0x16), "cover_open"),
        (with_reply(3, 0x1A), "cutter_error"),
        (with_reply(3, 0x32), "error"),
        (with_reply(1, 0x1A), "offline"),
        (with_reply(4, 0x1E), "paper_near_end"),
    ],
)
def test_each_condition_is_read_from_its_bits(replies, state) -> None:
    assert interpret(replies).state == state


def test_paper_running_low_still_prints_but_paper_out_does_not() -> None:
    assert not interpret(with_reply(4, 0x1E)).blocks_printing
    assert interpret(with_reply(4, 0x72)).blocks_printing


def test_the_drawer_sensor_is_a_flag_not_a_fault() -> None:
    status = interpret(with_reply(1, 0x16))

    assert status.state == "online"
    assert "drawer_pin3_high" in status.flags


@given(st.dictionaries(st.sampled_from([1, 2, 3, 4]), st.binary(max_size=2), max_size=3))
def test_unless_all_four_queries_are_answered_the_state_is_unknown(replies) -> None:
    assert interpret(replies).state == "unknown"


@given(st.integers(0, 255))
def test_validity_is_exactly_the_fixed_bit_pattern(byte: int) -> None:
    expected = not byte & 0x01 and bool(byte & 0x02) and bool(byte & 0x10) and not byte & 0x80

    assert is_valid(byte) == expected
