"""Hypothesis strategies for valid operations and sync messages.

Everything built here passes the wire checks, so it survives an encode/decode round trip
through both codecs unchanged:

* :func:`payload_values`, :func:`payload_maps`: JSON-shaped payload data (no floats,
  64-bit integers, nesting within :data:`sync_protocol.values.MAX_DEPTH`).
* :func:`op_ids`: UUIDv7 operation ids.
* :func:`operations`: operations of any of the five kinds.
* :func:`messages`: sync messages of any type, or of the types asked for.

Arguments named in the plural (``tenants``, ``devices``, ``entity_ids``...) accept either a
non-empty sequence of values to choose from or a strategy; ``None`` means "any valid
value". For example, three devices editing the header of one of two tickets::

    @given(op=operations(kinds=("field",), devices=DEVICES, entity_ids=("t1", "t2")))
    def test_something(op: Op) -> None: ...

A pushed batch whose ops all carry the request's device id::

    @given(message=messages(types=(PushRequest,)))
"""

from __future__ import annotations

import string
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, TypeAlias, TypeVar

import msgspec
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from sync_protocol.hlc import MAX_WALL_MS
from sync_protocol.ids import uuid7
from sync_protocol.messages import (
    MAX_PAGE,
    AnyMessage,
    ErrorCode,
    ErrorMessage,
    Handshake,
    HandshakeAccepted,
    Message,
    OpResult,
    OpStatus,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
)
from sync_protocol.operations import (
    CounterDelta,
    Event,
    FieldEdit,
    Op,
    StatusChange,
    Tombstone,
)
from sync_protocol.values import INT64_MAX, INT64_MIN, MAX_DEPTH

T = TypeVar("T")
#: Values to choose from, a strategy drawing them, or None for any valid value.
Choices: TypeAlias = Sequence[T] | SearchStrategy[T] | None

#: The ``kind`` tag of every operation shape.
KINDS = ("field", "event", "status", "counter", "tombstone")
#: Every message type, in protocol order.
MESSAGE_TYPES: tuple[type[Message], ...] = (
    Handshake,
    HandshakeAccepted,
    PushRequest,
    PushResponse,
    PullRequest,
    PullResponse,
    ErrorMessage,
)
#: The largest packed HLC timestamp an operation may carry.
MAX_HLC = (MAX_WALL_MS << 16) | 0xFFFF
UINT63_MAX = (1 << 63) - 1

_LOWER_DIGITS = string.ascii_lowercase + string.digits


def _word(first: str, rest: str, max_size: int) -> SearchStrategy[str]:
    tails = st.text(alphabet=rest, max_size=max_size - 1)
    return st.builds(str.__add__, st.sampled_from(first), tails)


def slugs() -> SearchStrategy[str]:
    """Tenant slugs: ``^[a-z0-9][a-z0-9_-]*$``, 1 to 64 characters."""
    return _word(_LOWER_DIGITS, _LOWER_DIGITS + "_-", 64)


def codes() -> SearchStrategy[str]:
    """Outlet codes: ``^[A-Za-z0-9][A-Za-z0-9_-]*$``, 1 to 32 characters."""
    alnum = string.ascii_letters + string.digits
    return _word(alnum, alnum + "_-", 32)


def names() -> SearchStrategy[str]:
    """Entity, field, event, status and counter names: ``^[a-z][a-z0-9_.]*$``, 1 to 64."""
    return _word(string.ascii_lowercase, _LOWER_DIGITS + "_.", 64)


def op_ids() -> SearchStrategy[uuid.UUID]:
    """UUIDv7 ids over the whole 48-bit time range and all 74 random bits."""
    return st.builds(uuid7, st.integers(0, (1 << 48) - 1), st.integers(0, (1 << 74) - 1))


def hlc_stamps() -> SearchStrategy[int]:
    """Packed HLC timestamps an operation may carry."""
    return st.integers(0, MAX_HLC)


def _depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


def payload_values(max_leaves: int = 8, max_depth: int = MAX_DEPTH - 1) -> SearchStrategy[Any]:
    """Payload values: None, bools, 64-bit ints, text, lists and string-keyed maps.

    Args:
        max_leaves: roughly how many scalars one value holds.
        max_depth: the most containers nested inside the value; the default fits a value
            stored directly in an op's payload map.
    """
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(INT64_MIN, INT64_MAX),
        st.text(max_size=20),
    )
    values = st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.text(max_size=10), children, max_size=4),
        ),
        max_leaves=max_leaves,
    )
    return values.filter(lambda value: _depth(value) <= max_depth)


def payload_maps(keys: SearchStrategy[str] | None = None) -> SearchStrategy[dict[str, Any]]:
    """String-keyed maps of payload values, such as an event's ``data``."""
    return st.dictionaries(keys or st.text(max_size=10), payload_values(), max_size=4)


def _pick(choices: Choices[T], default: SearchStrategy[T]) -> SearchStrategy[T]:
    if choices is None:
        return default
    if isinstance(choices, SearchStrategy):
        return choices
    if isinstance(choices, str):
        raise TypeError("pass a sequence of strings, not one string")
    if not choices:
        raise ValueError("an empty sequence leaves nothing to choose from")
    return st.sampled_from(list(choices))


def operations(
    *,
    kinds: Iterable[str] = KINDS,
    tenants: Choices[str] = None,
    outlets: Choices[str] = None,
    devices: Choices[uuid.UUID] = None,
    entities: Choices[str] = None,
    entity_ids: Choices[str] = None,
    device_seqs: Choices[int] = None,
    hlcs: Choices[int] = None,
    fields: Choices[str] = None,
) -> SearchStrategy[Op]:
    """Valid operations of the given kinds.

    Args:
        kinds: ``field``, ``event``, ``status``, ``counter`` and/or ``tombstone``.
        tenants: tenant slugs.
        outlets: outlet codes.
        devices: device ids.
        entities: entity names, e.g. ``ticket``.
        entity_ids: entity ids.
        device_seqs: positions in the device's op log (1 or more).
        hlcs: packed HLC timestamps.
        fields: the field names a field edit changes.

    Each op is drawn on its own: the strategy does not number a device's ops gaplessly or
    order their HLCs. Field edits' ``base`` points at random op ids.
    """
    kind_list = tuple(kinds)
    unknown = set(kind_list) - set(KINDS)
    if not kind_list or unknown:
        raise ValueError(f"kinds must be drawn from {KINDS}, got {kind_list}")
    envelopes = st.fixed_dictionaries(
        {
            "op_id": op_ids(),
            "tenant": _pick(tenants, slugs()),
            "outlet": _pick(outlets, codes()),
            "device_id": _pick(devices, st.uuids()),
            "device_seq": _pick(device_seqs, st.integers(1, UINT63_MAX)),
            "hlc": _pick(hlcs, hlc_stamps()),
            "entity": _pick(entities, names()),
            "entity_id": _pick(
                entity_ids,
                st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=128),
            ),
            "schema_version": st.integers(1, 65535),
        }
    )
    changes = st.dictionaries(_pick(fields, names()), payload_values(), min_size=1, max_size=4)
    resolves = st.lists(st.text(max_size=40), max_size=3).map(tuple)
    ids, any_name, deltas = op_ids(), names(), st.integers(INT64_MIN, INT64_MAX)
    data, reasons = payload_maps(), st.text(max_size=500)
    kind_choices = st.sampled_from(kind_list)

    @st.composite
    def build(draw: st.DrawFn) -> Op:
        envelope: dict[str, Any] = draw(envelopes)
        kind = draw(kind_choices)
        if kind == "field":
            edit = draw(changes)
            seen = draw(st.lists(st.sampled_from(sorted(edit)), unique=True))
            base = {name: draw(ids) for name in seen}
            return FieldEdit(**envelope, changes=edit, base=base, resolves=draw(resolves))
        if kind == "event":
            return Event(**envelope, name=draw(any_name), data=draw(data))
        if kind == "status":
            return StatusChange(**envelope, status=draw(any_name))
        if kind == "counter":
            return CounterDelta(**envelope, counter=draw(any_name), delta=draw(deltas))
        return Tombstone(**envelope, reason=draw(reasons))

    return build()


def _sequences() -> SearchStrategy[int]:
    return st.integers(0, UINT63_MAX)


def _texts(max_size: int) -> SearchStrategy[str]:
    return st.text(max_size=max_size)


def handshakes() -> SearchStrategy[Handshake]:
    """Valid :class:`Handshake` messages."""
    return st.builds(
        Handshake,
        protocol_version=st.integers(1, 1000),
        schema_version=st.integers(1, 65535),
        device_id=st.uuids(),
        device_clock_ms=_sequences(),
        device_hlc=hlc_stamps(),
        last_seq=_sequences(),
        agent_version=_texts(64),
    )


def handshake_acceptances() -> SearchStrategy[HandshakeAccepted]:
    """Valid :class:`HandshakeAccepted` messages."""
    return st.builds(
        HandshakeAccepted,
        protocol_version=st.integers(1, 1000),
        schema_version=st.integers(1, 65535),
        hub_epoch=st.text(min_size=1, max_size=64),
        hub_clock_ms=_sequences(),
        clock_skew_ms=st.integers(INT64_MIN, INT64_MAX),
        last_applied_seq=_sequences(),
        max_batch=st.integers(1, UINT63_MAX),
    )


def push_requests(
    ops: SearchStrategy[Op] | None = None, max_ops: int = 3
) -> SearchStrategy[PushRequest]:
    """Valid :class:`PushRequest` messages.

    Args:
        ops: the pushed operations; by default ops of any kind carrying the request's
            device id.
        max_ops: the most ops in one request.
    """

    if ops is not None:
        return st.builds(PushRequest, device_id=st.uuids(), ops=st.lists(ops, max_size=max_ops))

    @st.composite
    def build(draw: st.DrawFn) -> PushRequest:
        device_id = draw(st.uuids())
        pushed = [msgspec.structs.replace(op, device_id=device_id) for op in draw(any_ops)]
        return PushRequest(device_id=device_id, ops=pushed)

    any_ops = st.lists(operations(), max_size=max_ops)
    return build()


def op_results() -> SearchStrategy[OpResult]:
    """Valid :class:`OpResult` verdicts."""
    return st.builds(
        OpResult,
        op_id=op_ids(),
        device_seq=st.integers(1, UINT63_MAX),
        status=st.sampled_from(OpStatus),
        code=st.none() | _texts(32),
        reason=st.none() | _texts(200),
    )


def push_responses() -> SearchStrategy[PushResponse]:
    """Valid :class:`PushResponse` messages."""
    return st.builds(
        PushResponse,
        results=st.lists(op_results(), max_size=4),
        last_applied_seq=_sequences(),
        resend_from=st.none() | st.integers(1, UINT63_MAX),
        checkpoint=_sequences(),
    )


def pull_requests() -> SearchStrategy[PullRequest]:
    """Valid :class:`PullRequest` messages."""
    return st.builds(
        PullRequest,
        cursor=st.none() | _texts(512),
        limit=st.integers(1, MAX_PAGE),
    )


def pull_responses(
    ops: SearchStrategy[Op] | None = None, max_ops: int = 3
) -> SearchStrategy[PullResponse]:
    """Valid :class:`PullResponse` messages whose ops come from ``ops`` (any by default)."""
    return st.builds(
        PullResponse,
        ops=st.lists(ops if ops is not None else operations(), max_size=max_ops),
        cursor=_texts(512),
        has_more=st.booleans(),
        reset=st.booleans(),
        checkpoint=_sequences(),
        remaining=_sequences(),
    )


def error_messages() -> SearchStrategy[ErrorMessage]:
    """Valid :class:`ErrorMessage` messages, with known and unknown codes."""
    known = st.sampled_from([code.value for code in ErrorCode])
    return st.builds(
        ErrorMessage,
        code=known | st.text(min_size=1, max_size=64),
        message=_texts(2000),
        retry_after_s=st.none() | st.integers(0, UINT63_MAX),
    )


_BY_TYPE: dict[type[Message], Any] = {
    Handshake: handshakes,
    HandshakeAccepted: handshake_acceptances,
    PushRequest: push_requests,
    PushResponse: push_responses,
    PullRequest: pull_requests,
    PullResponse: pull_responses,
    ErrorMessage: error_messages,
}


def messages(types: Iterable[type[Message]] = MESSAGE_TYPES) -> SearchStrategy[AnyMessage]:
    """Valid sync messages of the given types (all of them by default)."""
    chosen = tuple(types)
    if not chosen:
        raise ValueError("name at least one message type")
    return st.one_of(*(_BY_TYPE[message_type]() for message_type in chosen))
