"""Errors raised by the sync protocol.

One tree, rooted at :class:`SyncProtocolError`::

    SyncProtocolError
    ├── DecodeError (ValueError)        bytes or objects that are not a valid message
    ├── UnsupportedMediaType (ValueError)  a content type with no codec
    ├── ClockDriftError                 a remote HLC too far ahead of the local wall clock
    └── MergeError                      an operation the merge rules cannot apply
        └── UnknownStatusError          a status outside the entity's lifecycle

Every error has a stable, machine-readable ``code`` (see :mod:`sync_protocol.messages`
``ErrorCode``) so the hub and the agent can put it on the wire unchanged.
"""

from __future__ import annotations


class SyncProtocolError(Exception):
    """Base of every error this package raises."""

    code = "sync_error"


class DecodeError(SyncProtocolError, ValueError):
    """Input is not a valid protocol message: truncated, wrong types, unknown tag..."""

    code = "malformed"


class UnsupportedMediaType(SyncProtocolError, ValueError):
    """No codec is registered for the given content type."""

    code = "unsupported_media_type"

    def __init__(self, content_type: str) -> None:
        super().__init__(f"no codec for content type {content_type!r}")
        self.content_type = content_type


class ClockDriftError(SyncProtocolError):
    """A remote hybrid-logical timestamp is further ahead of our wall clock than allowed.

    Attributes:
        remote_ms: wall-clock part of the remote timestamp, in Unix milliseconds.
        local_ms: our wall clock when the timestamp was received.
        max_drift_ms: the configured bound that was exceeded.
    """

    code = "clock_drift"

    def __init__(self, remote_ms: int, local_ms: int, max_drift_ms: int) -> None:
        ahead = remote_ms - local_ms
        super().__init__(
            f"remote clock is {ahead} ms ahead of ours; the limit is {max_drift_ms} ms"
        )
        self.remote_ms = remote_ms
        self.local_ms = local_ms
        self.max_drift_ms = max_drift_ms

    @property
    def ahead_ms(self) -> int:
        """How far the remote clock is ahead of ours, in milliseconds."""
        return self.remote_ms - self.local_ms


class MergeError(SyncProtocolError):
    """An operation cannot be applied by the merge rules; the hub quarantines it."""

    code = "unmergeable"


class UnknownStatusError(MergeError, LookupError):
    """A status transition names a status its entity's lifecycle does not have."""

    code = "unknown_status"

    def __init__(self, entity: str, status: str) -> None:
        super().__init__(f"entity {entity!r} has no lifecycle status {status!r}")
        self.entity = entity
        self.status = status
