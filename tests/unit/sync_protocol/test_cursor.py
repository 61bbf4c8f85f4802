"""Pull cursors: opaque, URL-safe tokens the hub reads back."""

from __future__ import annotations

import base64
import re

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync_protocol.codec import JSON
from sync_protocol.cursor import Cursor, decode_cursor, encode_cursor
from sync_protocol.errors import DecodeError
from sync_protocol.messages import PullRequest

PROPERTY = settings(max_examples=500)
POSITIONS = st.integers(0, (1 << 63) - 1)
URL_SAFE = re.compile(r"[A-Za-z0-9_-]*")


def token_of(value: object) -> str:
    """A token holding any packed value, made the way :func:`encode_cursor` makes one."""
    packed = msgspec.msgpack.encode(value)
    return base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def decode_or_refuse(token: str) -> Cursor | DecodeError:
    """Decode a cursor, or return the DecodeError; any other exception escapes."""
    try:
        return decode_cursor(token)
    except DecodeError as error:
        return error


def assert_valid_cursor_or_decode_error(outcome: Cursor | DecodeError) -> None:
    if isinstance(outcome, DecodeError):
        assert str(outcome).startswith("invalid cursor: ")
    else:
        assert outcome.version == 1
        assert outcome.outlet_seq >= 0
        assert outcome.tenant_seq >= 0
        assert isinstance(outcome.epoch, str)


@PROPERTY
@given(epoch=st.text(), outlet_seq=POSITIONS, tenant_seq=POSITIONS)
def test_a_cursor_reads_back_as_the_position_it_was_made_for(
    epoch: str, outlet_seq: int, tenant_seq: int
) -> None:
    token = encode_cursor(epoch, outlet_seq, tenant_seq)

    cursor = decode_cursor(token)

    assert cursor == Cursor(1, epoch, outlet_seq, tenant_seq)


@PROPERTY
@given(epoch=st.text(), outlet_seq=POSITIONS, tenant_seq=POSITIONS)
def test_a_cursor_is_url_safe_text_without_padding(
    epoch: str, outlet_seq: int, tenant_seq: int
) -> None:
    token = encode_cursor(epoch, outlet_seq, tenant_seq)

    assert URL_SAFE.fullmatch(token)


@PROPERTY
@given(epoch=st.text(min_size=1, max_size=64), outlet_seq=POSITIONS, tenant_seq=POSITIONS)
def test_a_cursor_for_any_hub_epoch_fits_in_a_pull_request(
    epoch: str, outlet_seq: int, tenant_seq: int
) -> None:
    token = encode_cursor(epoch, outlet_seq, tenant_seq)
    body = JSON.encode({"type": "pull", "cursor": token})

    request = JSON.decode_message(body)

    assert request == PullRequest(cursor=token)


def test_a_cursor_is_a_versioned_messagepack_array_in_base64() -> None:
    token = encode_cursor("e1", 7, 3)

    packed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))

    assert msgspec.msgpack.decode(packed) == [1, "e1", 7, 3]


@pytest.mark.parametrize(
    ("token", "complaint"),
    [
        (token_of([2, "e1", 7, 3]), "unknown version or negative position"),
        (token_of([1, "e1", -1, 3]), "unknown version or negative position"),
        (token_of([1, "e1", 7, -1]), "unknown version or negative position"),
        (token_of([1, "e1", 7]), "Expected `array` of at least length 4, got 3"),
        (token_of([1, 5, 7, 3]), "Expected `str`, got `int` - at `$[1]`"),
        (token_of([1, "e1", "7", 3]), "Expected `int`, got `str` - at `$[2]`"),
        (token_of({"epoch": "e1"}), "Expected `array`, got `object`"),
        (token_of(1), "Expected `array`, got `int`"),
        ("", "Input data was truncated"),
        ("not-a-cursor", "Expected `int`, got `object` - at `$[0]`"),
        ("é", "string argument should contain only ASCII characters"),
        ("a", "Invalid base64-encoded string"),
    ],
    ids=[
        "version 2",
        "negative outlet position",
        "negative tenant position",
        "too short",
        "epoch not text",
        "position not an int",
        "a map",
        "a number",
        "empty",
        "base64 but not a packed array",
        "not ascii",
        "one character",
    ],
)
def test_a_token_that_is_not_a_known_cursor_is_refused(token: str, complaint: str) -> None:
    with pytest.raises(DecodeError, match="^invalid cursor: .*" + re.escape(complaint)):
        decode_cursor(token)


def test_a_cursor_holding_invalid_utf8_is_refused() -> None:
    packed = msgspec.msgpack.encode([1, "EPOCH", 7, 3]).replace(b"EPOCH", b"\xff" * 5)
    token = base64.urlsafe_b64encode(packed).decode("ascii")

    with pytest.raises(DecodeError, match=r"^invalid cursor: 'utf-8' codec can't decode"):
        decode_cursor(token)


@PROPERTY
@given(raw=st.binary())
def test_any_bytes_in_a_token_decode_to_a_valid_cursor_or_raise_decode_error(raw: bytes) -> None:
    token = base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    outcome = decode_or_refuse(token)

    assert_valid_cursor_or_decode_error(outcome)


@PROPERTY
@given(token=st.text())
def test_any_text_as_a_token_decodes_to_a_valid_cursor_or_raises_decode_error(token: str) -> None:
    outcome = decode_or_refuse(token)

    assert_valid_cursor_or_decode_error(outcome)


@PROPERTY
@given(
    fields=st.lists(
        st.none() | st.booleans() | st.integers(-(1 << 63), (1 << 64) - 1) | st.text(),
        max_size=5,
    )
)
def test_any_packed_array_in_a_token_decodes_to_a_valid_cursor_or_raises_decode_error(
    fields: list[object],
) -> None:
    outcome = decode_or_refuse(token_of(fields))

    assert_valid_cursor_or_decode_error(outcome)
