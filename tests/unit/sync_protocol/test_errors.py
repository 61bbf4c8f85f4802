"""The sync protocol's one error tree and the codes it puts on the wire."""

from __future__ import annotations

import pytest

from sync_protocol.errors import (
    ClockDriftError,
    DecodeError,
    MergeError,
    SyncProtocolError,
    UnknownStatusError,
    UnsupportedMediaType,
)
from sync_protocol.messages import ErrorCode


@pytest.mark.parametrize(
    ("error", "ancestors"),
    [
        (DecodeError("bad"), (SyncProtocolError, ValueError)),
        (UnsupportedMediaType("text/plain"), (SyncProtocolError, ValueError)),
        (ClockDriftError(2, 1, 0), (SyncProtocolError,)),
        (MergeError("bad"), (SyncProtocolError,)),
        (UnknownStatusError("ticket", "lost"), (MergeError, SyncProtocolError, LookupError)),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, Exception) else None,
)
def test_every_error_belongs_to_the_tree_drawn_in_the_module_docstring(
    error: Exception, ancestors: tuple[type[Exception], ...]
) -> None:
    missing = [ancestor for ancestor in ancestors if not isinstance(error, ancestor)]

    assert missing == []


@pytest.mark.parametrize(
    ("error_type", "code"),
    [
        (DecodeError, ErrorCode.MALFORMED),
        (UnsupportedMediaType, ErrorCode.UNSUPPORTED_MEDIA_TYPE),
        (ClockDriftError, ErrorCode.CLOCK_DRIFT),
    ],
)
def test_an_error_refusing_a_whole_request_carries_its_wire_error_code(
    error_type: type[SyncProtocolError], code: ErrorCode
) -> None:
    assert error_type.code == code


def test_op_level_errors_carry_their_own_quarantine_codes() -> None:
    codes = (SyncProtocolError.code, MergeError.code, UnknownStatusError.code)

    assert codes == ("sync_error", "unmergeable", "unknown_status")


def test_a_clock_drift_error_says_how_far_ahead_and_what_the_limit_is() -> None:
    error = ClockDriftError(remote_ms=1_000_400_000, local_ms=1_000_000_000, max_drift_ms=300_000)

    message = str(error)

    assert message == "remote clock is 400000 ms ahead of ours; the limit is 300000 ms"
    assert error.ahead_ms == 400_000
    assert (error.remote_ms, error.local_ms, error.max_drift_ms) == (
        1_000_400_000,
        1_000_000_000,
        300_000,
    )


def test_an_unknown_status_error_names_the_entity_and_the_status() -> None:
    error = UnknownStatusError("ticket", "teleported")

    message = str(error)

    assert message == "entity 'ticket' has no lifecycle status 'teleported'"
    assert (error.entity, error.status) == ("ticket", "teleported")


def test_an_unsupported_media_type_error_keeps_the_content_type_it_was_given() -> None:
    error = UnsupportedMediaType("text/csv; charset=utf-8")

    message = str(error)

    assert message == "no codec for content type 'text/csv; charset=utf-8'"
    assert error.content_type == "text/csv; charset=utf-8"
