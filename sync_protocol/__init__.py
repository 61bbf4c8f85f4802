"""BengoBox POS sync protocol: wire types, hybrid logical clock, merge rules, codecs.

Pure: this package imports only the standard library and msgspec, so the edge agent and
the cloud hub share every rule that decides what replicas hold.
"""

from sync_protocol.codec import JSON, MSGPACK, Codec, codec_for
from sync_protocol.cursor import Cursor, decode_cursor, encode_cursor
from sync_protocol.errors import (
    ClockDriftError,
    DecodeError,
    MergeError,
    SyncProtocolError,
    UnknownStatusError,
    UnsupportedMediaType,
)
from sync_protocol.hashing import entity_hash, entity_snapshot, state_hash
from sync_protocol.hlc import HybridLogicalClock, ensure_within_drift, pack, unpack
from sync_protocol.ids import uuid7
from sync_protocol.lifecycle import DEFAULT_LIFECYCLES, Lifecycle
from sync_protocol.merge import Conflict, EntityState, apply_op
from sync_protocol.messages import (
    PROTOCOL_VERSION,
    ErrorCode,
    ErrorMessage,
    Handshake,
    HandshakeAccepted,
    OpResult,
    OpStatus,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
)
from sync_protocol.operations import (
    SCHEMA_VERSION,
    CounterDelta,
    Event,
    FieldEdit,
    Op,
    Operation,
    StatusChange,
    Tombstone,
)
from sync_protocol.replica import Replica
from sync_protocol.ticket_money import (
    MoneyConflict,
    Tender,
    TicketMoney,
    money_conflicts,
    ticket_money,
)

__all__ = [
    "DEFAULT_LIFECYCLES",
    "JSON",
    "MSGPACK",
    "PROTOCOL_VERSION",
    "SCHEMA_VERSION",
    "ClockDriftError",
    "Codec",
    "Conflict",
    "CounterDelta",
    "Cursor",
    "DecodeError",
    "EntityState",
    "ErrorCode",
    "ErrorMessage",
    "Event",
    "FieldEdit",
    "Handshake",
    "HandshakeAccepted",
    "HybridLogicalClock",
    "Lifecycle",
    "MergeError",
    "MoneyConflict",
    "Op",
    "OpResult",
    "OpStatus",
    "Operation",
    "PullRequest",
    "PullResponse",
    "PushRequest",
    "PushResponse",
    "Replica",
    "StatusChange",
    "SyncProtocolError",
    "Tender",
    "TicketMoney",
    "Tombstone",
    "UnknownStatusError",
    "UnsupportedMediaType",
    "apply_op",
    "codec_for",
    "decode_cursor",
    "encode_cursor",
    "ensure_within_drift",
    "entity_hash",
    "entity_snapshot",
    "money_conflicts",
    "pack",
    "state_hash",
    "ticket_money",
    "unpack",
    "uuid7",
]
