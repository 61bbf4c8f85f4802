"""Messages exchanged on ``/sync/v1/handshake``, ``/push`` and ``/pull``.

Every message is a frozen msgspec Struct tagged by its ``type`` field, so a decoder given
the :data:`Message` union knows what it holds. Flow::

    device                                   hub
      Handshake ───────────────────────────▶
      ◀──────────────────────────── HandshakeAccepted | ErrorMessage
      PushRequest(ops from last_applied+1) ─▶
      ◀───────────── PushResponse(results, last_applied_seq, resend_from, checkpoint)
      PullRequest(cursor) ─────────────────▶
      ◀──────────── PullResponse(ops, cursor, has_more, reset, remaining)

Evolution rules (tested in ``tests/unit/sync_protocol/test_codec.py``): a new field gets a
default and goes last; a field never changes type; unknown fields are ignored, so an older
peer decodes a newer message and a newer peer decodes an older one.
"""

from __future__ import annotations

import enum
import uuid
from typing import Annotated, Literal, TypeAlias

import msgspec

from sync_protocol.operations import SCHEMA_VERSION, DeviceSeq, HLCStamp, Op, SchemaVersion

#: Version of the message formats in this module.
PROTOCOL_VERSION = 1
#: The largest page a hub sends or a device asks for.
MAX_PAGE = 5000
#: The largest push batch a hub accepts.
MAX_BATCH = 5000
#: The longest a pull may ask the hub to hold it for new ops (milliseconds). A hub may
#: hold it for less (its own bound, kept below the HTTP timeouts on the way).
MAX_PULL_WAIT_MS = 30_000

Count = Annotated[int, msgspec.Meta(ge=0)]
Sequence = Annotated[int, msgspec.Meta(ge=0, le=(1 << 63) - 1)]
Text = Annotated[str, msgspec.Meta(max_length=2000)]


class ErrorCode(enum.StrEnum):
    """Machine-readable codes of :class:`ErrorMessage`, stable across versions."""

    MALFORMED = "malformed"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    UNSUPPORTED_PROTOCOL = "unsupported_protocol"
    SCHEMA_TOO_NEW = "schema_too_new"
    UNAUTHORIZED = "unauthorized"
    DEVICE_REVOKED = "device_revoked"
    WRONG_DEVICE = "wrong_device"
    BATCH_TOO_LARGE = "batch_too_large"
    CLOCK_DRIFT = "clock_drift"
    RESET_REQUIRED = "reset_required"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    NOT_DIVERGED = "not_diverged"
    REQUEST_TIMEOUT = "request_timeout"


class OpStatus(enum.StrEnum):
    """What the hub did with one pushed operation."""

    APPLIED = "applied"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"


class Message(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    """Base of every sync message."""


class Handshake(Message, frozen=True, kw_only=True, tag="handshake"):
    """A device opens a sync session.

    Attributes:
        protocol_version: :data:`PROTOCOL_VERSION` of the device.
        schema_version: newest operation schema the device reads and writes.
        device_id: the device's id; must match its credential.
        device_clock_ms: the device's wall clock, Unix ms, when it sent this.
        device_hlc: the device's last HLC timestamp.
        last_seq: the highest ``device_seq`` in the device's op log.
        agent_version: the agent's software version, for support.
        acked_seq: the highest ``device_seq`` the device believes the hub applied (0:
            none), the boundary it proves with ``acked_op_id``.
        acked_op_id: the op id of the device's own op at ``acked_seq``; the hub answers
            ``reset_required`` when it holds another op there (the device was restored).
    """

    protocol_version: Annotated[int, msgspec.Meta(ge=1)]
    schema_version: SchemaVersion
    device_id: uuid.UUID
    device_clock_ms: Sequence
    device_hlc: HLCStamp
    last_seq: Sequence
    agent_version: Annotated[str, msgspec.Meta(max_length=64)] = ""
    acked_seq: Sequence = 0
    acked_op_id: uuid.UUID | None = None


class HandshakeAccepted(Message, frozen=True, kw_only=True, tag="handshake_accepted"):
    """The hub's answer to a valid handshake.

    Attributes:
        protocol_version: the version the hub will speak.
        schema_version: newest operation schema the hub understands.
        hub_epoch: id of the hub's current history; it changes when the hub is restored
            from a backup, which makes every older cursor answer "reset".
        hub_clock_ms: the hub's wall clock, Unix ms.
        clock_skew_ms: the device clock minus the hub clock, as measured at this call.
        last_applied_seq: the highest ``device_seq`` the hub has applied for the device;
            the device pushes from the next one.
        max_batch: the largest push the hub accepts.
        last_applied_op_id: the op id the hub holds for the device at
            ``last_applied_seq`` (None when none, or not known); a device whose own op
            there has another id was restored and must not push on.
    """

    protocol_version: Annotated[int, msgspec.Meta(ge=1)]
    schema_version: SchemaVersion
    hub_epoch: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    hub_clock_ms: Sequence
    clock_skew_ms: int
    last_applied_seq: Sequence
    max_batch: Annotated[int, msgspec.Meta(ge=1)] = MAX_BATCH
    last_applied_op_id: uuid.UUID | None = None


class PushRequest(Message, frozen=True, kw_only=True, tag="push"):
    """A device sends its next operations, in ``device_seq`` order.

    Attributes:
        device_id: the sending device; every op must carry it.
        ops: consecutive operations of the device's op log.
    """

    device_id: uuid.UUID
    ops: Annotated[list[Op], msgspec.Meta(max_length=MAX_BATCH)]


class OpResult(msgspec.Struct, frozen=True, kw_only=True):
    """The hub's verdict on one pushed operation.

    Attributes:
        op_id: the operation.
        device_seq: its place in the device's log.
        status: applied, duplicate (already applied: no effect) or quarantined.
        code: for a quarantined op, the machine-readable reason.
        reason: for a quarantined op, the reason in words.
    """

    op_id: uuid.UUID
    device_seq: DeviceSeq
    status: OpStatus
    code: str | None = None
    reason: Text | None = None


class PushResponse(Message, frozen=True, kw_only=True, tag="push_result"):
    """The hub's answer to a push.

    Attributes:
        results: one result per op the hub considered, in order.
        last_applied_seq: the highest ``device_seq`` now applied; the device may mark
            everything at or below it as synced.
        resend_from: set when the batch did not start right after ``last_applied_seq``:
            the device must push again from this ``device_seq``.
        checkpoint: the outlet commit sequence at which this device's writes are
            visible; a pull that has reached it reflects them.
    """

    results: list[OpResult]
    last_applied_seq: Sequence
    resend_from: DeviceSeq | None = None
    checkpoint: Sequence = 0


class PullRequest(Message, frozen=True, kw_only=True, tag="pull"):
    """A device asks for operations committed after its cursor.

    Attributes:
        cursor: the opaque cursor of the last page applied; None to start over.
        limit: the most ops to return.
        wait_ms: a long poll: when no op is ready after the cursor, the hub may hold the
            request up to this long (and up to its own bound) and answers as soon as
            another device's op commits; an empty page at the end of the wait means
            "nothing new". 0 (the default) answers at once.
    """

    cursor: Annotated[str, msgspec.Meta(max_length=512)] | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=MAX_PAGE)] = 500
    wait_ms: Annotated[int, msgspec.Meta(ge=0, le=MAX_PULL_WAIT_MS)] = 0


class PullResponse(Message, frozen=True, kw_only=True, tag="pull_result"):
    """A page of operations for the device's outlet and tenant-wide reference data.

    Attributes:
        ops: operations in commit order.
        cursor: the cursor to send next; store it in the transaction that applies ops.
        has_more: whether another page is ready now.
        reset: the device's cursor is from another hub epoch (the hub was restored):
            drop the cursor, pull from the start and push again from
            ``HandshakeAccepted.last_applied_seq + 1``.
        checkpoint: the outlet commit sequence this page reaches.
        remaining: ops still to pull after this page, for a progress bar.
    """

    ops: list[Op]
    cursor: Annotated[str, msgspec.Meta(max_length=512)]
    has_more: bool
    reset: bool = False
    checkpoint: Sequence = 0
    remaining: Count = 0


class ErrorMessage(Message, frozen=True, kw_only=True, tag="error"):
    """A refusal of the whole request, with a machine-readable code.

    Attributes:
        code: an :class:`ErrorCode` value.
        message: what went wrong, for people.
        retry_after_s: when set, try again no sooner than this.
    """

    code: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    message: Text
    retry_after_s: Annotated[int, msgspec.Meta(ge=0)] | None = None


#: Any sync message.
AnyMessage: TypeAlias = (
    Handshake
    | HandshakeAccepted
    | PushRequest
    | PushResponse
    | PullRequest
    | PullResponse
    | ErrorMessage
)

ContentType = Literal["application/json", "application/msgpack"]

__all__ = [
    "MAX_BATCH",
    "MAX_PAGE",
    "MAX_PULL_WAIT_MS",
    "PROTOCOL_VERSION",
    "SCHEMA_VERSION",
    "AnyMessage",
    "ContentType",
    "ErrorCode",
    "ErrorMessage",
    "Handshake",
    "HandshakeAccepted",
    "Message",
    "OpResult",
    "OpStatus",
    "PullRequest",
    "PullResponse",
    "PushRequest",
    "PushResponse",
]
