"""Codecs: content-type negotiation, round trips, schema evolution and malformed input."""

from __future__ import annotations

import re
import uuid
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync_protocol.codec import (
    JSON,
    JSON_CONTENT_TYPE,
    MSGPACK,
    MSGPACK_CONTENT_TYPE,
    Codec,
    codec_for,
)
from sync_protocol.errors import DecodeError, SyncProtocolError, UnsupportedMediaType
from sync_protocol.ids import uuid7
from sync_protocol.messages import (
    MAX_BATCH,
    MAX_PAGE,
    PROTOCOL_VERSION,
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
from sync_protocol.operations import CounterDelta, Event, FieldEdit, StatusChange, Tombstone
from sync_protocol.values import MAX_DEPTH

from .strategies import MESSAGE_TYPES, messages, push_responses

PROPERTY = settings(max_examples=500)
CODECS = pytest.mark.parametrize("codec", [JSON, MSGPACK], ids=["json", "msgpack"])
BASE_MS = 1_750_000_000_000
DEVICE = uuid.UUID("00000000-0000-4000-8000-00000000d001")
V4_ID = uuid.UUID("6ba7b810-9dad-41d1-80b4-00c04fd430c8")


def _envelope(n: int) -> dict[str, Any]:
    return {
        "op_id": uuid7(BASE_MS + n, random_bits=n),
        "tenant": "demo",
        "outlet": "DEMO1",
        "device_id": DEVICE,
        "device_seq": n,
        "hlc": 1_000 + n,
        "entity": "ticket",
        "entity_id": "t1",
    }


HANDSHAKE = Handshake(
    protocol_version=PROTOCOL_VERSION,
    schema_version=1,
    device_id=DEVICE,
    device_clock_ms=BASE_MS,
    device_hlc=BASE_MS << 16,
    last_seq=2,
)
LINE_ADDED = Event(**_envelope(1), name="line_added", data={"sku": "LATTE", "qty": 2})
CLOSED = Tombstone(**_envelope(2), reason="merged into t2")


def push(**changes: Any) -> dict[str, Any]:
    """A valid push of two ops as plain data, with ``changes`` applied."""
    request = PushRequest(device_id=DEVICE, ops=[LINE_ADDED, CLOSED])
    data: dict[str, Any] = msgspec.to_builtins(request)
    return data | changes


def push_with_first_op(**changes: Any) -> dict[str, Any]:
    """A valid push whose first op has ``changes`` applied."""
    data = push()
    data["ops"][0] |= changes
    return data


def push_without_first_op_field(name: str) -> dict[str, Any]:
    data = push()
    del data["ops"][0][name]
    return data


def nested(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


def spoil_string(codec: Codec, data: dict[str, Any], marker: str, raw: bytes) -> bytes:
    """Encode ``data`` and swap ``marker`` for ``raw`` bytes of the same length."""
    assert len(marker.encode()) == len(raw)
    encoded = codec.encode(data)
    assert encoded.count(marker.encode()) == 1
    return encoded.replace(marker.encode(), raw)


def decode_or_refuse(codec: Codec, data: bytes) -> Message | DecodeError:
    """Decode a message, or return the DecodeError; any other exception escapes."""
    try:
        return codec.decode_message(data)
    except DecodeError as error:
        return error


def assert_valid_message_or_decode_error(codec: Codec, outcome: Message | DecodeError) -> None:
    if isinstance(outcome, DecodeError):
        assert str(outcome)
        assert outcome.code == "malformed"
    else:
        assert isinstance(outcome, MESSAGE_TYPES)
        assert codec.decode_message(codec.encode(outcome)) == outcome


# --- choosing a codec ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content_type", "expected"),
    [
        ("application/json", JSON),
        ("application/json; charset=utf-8", JSON),
        ("Application/JSON;charset=UTF-8", JSON),
        ("  application/json  ", JSON),
        ("application/msgpack", MSGPACK),
        ("application/msgpack; q=1", MSGPACK),
        ("application/x-msgpack", MSGPACK),
        ("application/vnd.msgpack", MSGPACK),
        (None, JSON),
        ("", JSON),
    ],
)
def test_a_codec_is_chosen_by_media_type_ignoring_parameters_and_case(
    content_type: str | None, expected: Codec
) -> None:
    codec = codec_for(content_type)

    assert codec is expected


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/xml", "application/jsonl", "multipart/form-data; boundary=x"],
)
def test_a_media_type_with_no_codec_is_refused(content_type: str) -> None:
    with pytest.raises(UnsupportedMediaType) as raised:
        codec_for(content_type)

    error = raised.value
    assert error.content_type == content_type
    assert str(error) == f"no codec for content type {content_type!r}"
    assert error.code == ErrorCode.UNSUPPORTED_MEDIA_TYPE
    assert isinstance(error, ValueError)
    assert isinstance(error, SyncProtocolError)


def test_each_codec_names_the_content_type_it_writes() -> None:
    names = (JSON.content_type, MSGPACK.content_type)

    assert names == (JSON_CONTENT_TYPE, MSGPACK_CONTENT_TYPE)
    assert names == ("application/json", "application/msgpack")


# --- round trips -----------------------------------------------------------------------


MESSAGES_OF_TYPE = {message_type: messages(types=(message_type,)) for message_type in MESSAGE_TYPES}


@PROPERTY
@pytest.mark.parametrize("message_type", MESSAGE_TYPES, ids=lambda t: t.__name__)
@given(data=st.data())
def test_every_message_type_survives_a_round_trip_through_both_codecs_unchanged(
    message_type: type[Message], data: st.DataObject
) -> None:
    message = data.draw(MESSAGES_OF_TYPE[message_type], label="message")

    via_json = JSON.decode_message(JSON.encode(message))
    via_msgpack = MSGPACK.decode_message(MSGPACK.encode(message))

    assert via_json == message
    assert via_msgpack == message
    assert type(via_json) is type(via_msgpack) is message_type
    assert JSON.encode(via_json) == JSON.encode(message)
    assert MSGPACK.encode(via_msgpack) == MSGPACK.encode(message)


@CODECS
def test_a_message_decodes_as_the_type_its_tag_names(codec: Codec) -> None:
    sent: list[Message] = [
        HANDSHAKE,
        PushRequest(device_id=DEVICE, ops=[LINE_ADDED, CLOSED]),
        PullRequest(),
        ErrorMessage(code=ErrorCode.RATE_LIMITED, message="slow down", retry_after_s=30),
    ]

    received = [codec.decode_message(codec.encode(message)) for message in sent]

    assert received == sent
    assert [type(message) for message in received] == [type(message) for message in sent]
    assert [msgspec.to_builtins(message)["type"] for message in sent] == [
        "handshake",
        "push",
        "pull",
        "error",
    ]


@CODECS
def test_a_codec_decodes_into_any_target_type_from_any_bytes_like(codec: Codec) -> None:
    encoded = codec.encode({"covers": [1, 2, 3]})

    results = [
        codec.decode(encoded, dict[str, list[int]]),
        codec.decode(bytearray(encoded), dict[str, list[int]]),
        codec.decode(memoryview(encoded), dict[str, list[int]]),
    ]

    assert results == [{"covers": [1, 2, 3]}] * 3


def test_a_pull_request_defaults_to_starting_over_with_a_page_of_500() -> None:
    request = JSON.decode_message(b'{"type":"pull"}')

    assert request == PullRequest(cursor=None, limit=500)


# --- schema evolution: version N and version N+1 read each other -----------------------


class NoteV1(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", tag="note"):
    """Version N of a message."""

    text: str


class NoteV2(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", tag="note"):
    """Version N+1: one more field, defaulted and last."""

    text: str
    copies: int = 1


class PushResponseV2(PushResponse, frozen=True, kw_only=True, tag="push_result"):
    """A future PushResponse with one more field, defaulted and last."""

    warnings: tuple[str, ...] = ()


class EventV2(Event, frozen=True, kw_only=True, tag="event"):
    """A future Event with one more field, defaulted and last."""

    till_drawer: int | None = None


@CODECS
def test_a_message_written_by_version_n_decodes_under_n_plus_1_with_the_default(
    codec: Codec,
) -> None:
    old = NoteV1(text="table 4 allergy: nuts")

    new = codec.decode(codec.encode(old), NoteV2)

    assert new == NoteV2(text="table 4 allergy: nuts", copies=1)


@CODECS
def test_a_message_written_by_version_n_plus_1_decodes_under_n_ignoring_the_new_field(
    codec: Codec,
) -> None:
    new = NoteV2(text="table 4 allergy: nuts", copies=3)

    old = codec.decode(codec.encode(new), NoteV1)

    assert old == NoteV1(text="table 4 allergy: nuts")


@PROPERTY
@given(response=push_responses())
def test_a_real_push_response_decodes_under_a_newer_version_with_the_default(
    response: PushResponse,
) -> None:
    via_json = JSON.decode(JSON.encode(response), PushResponseV2)
    via_msgpack = MSGPACK.decode(MSGPACK.encode(response), PushResponseV2)

    for newer in (via_json, via_msgpack):
        assert newer.warnings == ()
        assert newer.results == response.results
        assert newer.last_applied_seq == response.last_applied_seq
        assert newer.resend_from == response.resend_from
        assert newer.checkpoint == response.checkpoint


@PROPERTY
@given(response=push_responses(), warnings=st.lists(st.text(max_size=20), min_size=1))
def test_a_push_response_from_a_newer_version_decodes_as_today_ignoring_the_new_field(
    response: PushResponse, warnings: list[str]
) -> None:
    newer = PushResponseV2(**msgspec.structs.asdict(response), warnings=tuple(warnings))

    via_json = JSON.decode_message(JSON.encode(newer))
    via_msgpack = MSGPACK.decode_message(MSGPACK.encode(newer))

    assert via_json == response
    assert via_msgpack == response
    assert type(via_json) is type(via_msgpack) is PushResponse


@CODECS
def test_a_pulled_op_from_a_newer_schema_decodes_as_today_ignoring_the_new_field(
    codec: Codec,
) -> None:
    newer_op = EventV2(**msgspec.structs.asdict(LINE_ADDED), till_drawer=2)
    page = {"type": "pull_result", "ops": [newer_op], "cursor": "c1", "has_more": False}

    decoded = codec.decode_message(codec.encode(page))

    assert decoded == PullResponse(ops=[LINE_ADDED], cursor="c1", has_more=False)


@CODECS
def test_a_pulled_op_from_an_older_schema_decodes_under_a_newer_one_with_the_default(
    codec: Codec,
) -> None:
    encoded = codec.encode(LINE_ADDED)

    newer = codec.decode(encoded, EventV2)

    assert newer.till_drawer is None
    assert newer.data == LINE_ADDED.data


@CODECS
def test_a_message_omitting_its_defaulted_fields_decodes_with_the_defaults(
    codec: Codec,
) -> None:
    oldest = {"type": "pull_result", "ops": [], "cursor": "c1", "has_more": True}

    decoded = codec.decode_message(codec.encode(oldest))

    assert decoded == PullResponse(
        ops=[], cursor="c1", has_more=True, reset=False, checkpoint=0, remaining=0
    )


# --- malformed input: always DecodeError, naming the problem and where ----------------

MALFORMED = [
    (
        "wrong type in an op",
        push_with_first_op(hlc="late"),
        "Expected `int`, got `str` - at `$.ops[0].hlc`",
    ),
    (
        "wrong type in the message",
        push(device_id=42),
        "Expected `uuid`, got `int` - at `$.device_id`",
    ),
    (
        "bool for an int",
        {"type": "pull", "limit": True},
        "Expected `int`, got `bool` - at `$.limit`",
    ),
    (
        "missing field in an op",
        push_without_first_op_field("entity_id"),
        "missing required field `entity_id` - at `$.ops[0]`",
    ),
    (
        "missing field in the message",
        {"type": "push", "device_id": str(DEVICE)},
        "missing required field `ops`",
    ),
    ("missing tag", {"limit": 5}, "missing required field `type`"),
    ("unknown tag", {"type": "teleport"}, "Invalid value 'teleport' - at `$.type`"),
    (
        "unknown op kind",
        push_with_first_op(kind="rename"),
        "Invalid value 'rename' - at `$.ops[0].kind`",
    ),
    (
        "non-v7 op_id",
        push_with_first_op(op_id=str(V4_ID)),
        "op_id must be a version 7 UUID - at `$.ops[0]`",
    ),
    ("op_id not a uuid", push_with_first_op(op_id="op-1"), "Invalid UUID - at `$.ops[0].op_id`"),
    (
        "float in a payload",
        push_with_first_op(data={"total": 12.5}),
        "data.total: float is not a payload value - at `$.ops[0]`",
    ),
    (
        "float deep in a payload",
        push_with_first_op(data={"lines": [{"qty": 0.5}]}),
        "data.lines[0].qty: float is not a payload value",
    ),
    (
        "huge int in a payload",
        push_with_first_op(data={"total": (1 << 64) - 1}),
        "data.total: integer 18446744073709551615 is outside 64 bits",
    ),
    ("huge int in a field", push_with_first_op(hlc=(1 << 64) - 1), "at `$.ops[0].hlc`"),
    (
        "payload nested too deep",
        push_with_first_op(data={"x": nested(MAX_DEPTH)}),
        f"nested deeper than {MAX_DEPTH} levels - at `$.ops[0]`",
    ),
    (
        "limit above a page",
        {"type": "pull", "limit": MAX_PAGE + 1},
        f"Expected `int` <= {MAX_PAGE} - at `$.limit`",
    ),
    (
        "empty error code",
        {"type": "error", "code": "", "message": "x"},
        "Expected `str` of length >= 1 - at `$.code`",
    ),
    (
        "protocol version 0",
        msgspec.to_builtins(HANDSHAKE) | {"protocol_version": 0},
        "Expected `int` >= 1 - at `$.protocol_version`",
    ),
    (
        "unknown op status",
        {
            "type": "push_result",
            "last_applied_seq": 0,
            "results": [{"op_id": str(LINE_ADDED.op_id), "device_seq": 1, "status": "lost"}],
        },
        "Invalid enum value 'lost' - at `$.results[0].status`",
    ),
    ("array for a message", [1, 2], "Expected `object`, got `array`"),
]


@CODECS
@pytest.mark.parametrize(("case", "data", "complaint"), MALFORMED, ids=[c[0] for c in MALFORMED])
def test_a_malformed_message_is_refused_with_a_decode_error_saying_where(
    codec: Codec, case: str, data: Any, complaint: str
) -> None:
    encoded = codec.encode(data)

    with pytest.raises(DecodeError, match=re.escape(complaint)) as raised:
        codec.decode_message(encoded)

    assert raised.value.code == "malformed"
    assert isinstance(raised.value.__cause__, msgspec.DecodeError)


def test_a_json_integer_beyond_any_64_bit_type_in_a_payload_is_refused() -> None:
    body = JSON.encode(push_with_first_op(data={"total": 10**30}))

    with pytest.raises(DecodeError, match=r"integer 10{30} is outside 64 bits - at `\$\.ops\[0\]`"):
        JSON.decode_message(body)


def test_a_json_number_too_big_for_an_int_field_is_refused_naming_the_field() -> None:
    encoded = b'{"type":"pull","limit":1e400}'

    with pytest.raises(DecodeError, match=r"Number out of range - at `\$\.limit`"):
        JSON.decode_message(encoded)


@CODECS
def test_a_truncated_message_is_refused_as_truncated(codec: Codec) -> None:
    encoded = codec.encode(push())

    with pytest.raises(DecodeError, match="truncated"):
        codec.decode_message(encoded[: len(encoded) // 2])


@CODECS
def test_an_empty_body_is_refused(codec: Codec) -> None:
    with pytest.raises(DecodeError, match=f"unreadable {codec.content_type} body"):
        codec.decode_message(b"")


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (b'{"type":"pull"} extra', "trailing characters"),
        (b'{"type":"pull","limit":NaN}', "JSON is malformed"),
        (b"{'type':'pull'}", "JSON is malformed"),
    ],
)
def test_text_that_is_not_json_is_refused_as_unreadable(body: bytes, complaint: str) -> None:
    with pytest.raises(DecodeError, match=f"unreadable application/json body: .*{complaint}"):
        JSON.decode_message(body)


@pytest.mark.parametrize(
    ("codec", "empty_payload", "deep_payload"),
    [
        (JSON, b'"data":{}', b'"data":{"x":' + b"[" * 200_000),
        (MSGPACK, b"\xa4data\x80", b"\xa4data\x81\xa1x" + b"\x91" * 200_000),
    ],
    ids=["json", "msgpack"],
)
def test_a_message_nested_thousands_of_levels_deep_is_refused(
    codec: Codec, empty_payload: bytes, deep_payload: bytes
) -> None:
    head = codec.encode(push_with_first_op(data={}))
    body = head.replace(empty_payload, deep_payload)

    with pytest.raises(DecodeError, match="message is nested too deeply"):
        codec.decode_message(body)


@pytest.mark.parametrize(
    ("where", "data", "marker"),
    [
        ("the type tag", {"type": "pull", "cursor": None}, "pull"),
        ("a string field", {"type": "pull", "cursor": "CURSOR"}, "CURSOR"),
        ("a payload key", push_with_first_op(data={"NOTE": 1}), "NOTE"),
        ("a payload value", push_with_first_op(data={"n": "NOTE"}), "NOTE"),
    ],
)
@CODECS
def test_invalid_utf8_anywhere_is_refused_as_a_decode_error(
    codec: Codec, where: str, data: dict[str, Any], marker: str
) -> None:
    body = spoil_string(codec, data, marker, b"\xff" * len(marker))

    with pytest.raises(DecodeError, match=f"{codec.content_type} body is not valid UTF-8"):
        codec.decode_message(body)


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        (msgspec.msgpack.Ext(5, b"cash"), "data.x: Ext is not a payload value"),
        (msgspec.msgpack.Ext(-1, b"\x00" * 4), "data.x: datetime is not a payload value"),
        (b"\x00\x01", "data.x: bytes is not a payload value"),
    ],
    ids=["extension type", "timestamp extension", "binary"],
)
def test_msgpack_types_json_cannot_carry_are_refused_in_payloads(
    value: Any, complaint: str
) -> None:
    body = MSGPACK.encode(push_with_first_op(data={"x": value}))

    with pytest.raises(DecodeError, match=re.escape(f"{complaint} - at `$.ops[0]`")):
        MSGPACK.decode_message(body)


def test_a_msgpack_extension_type_in_place_of_a_field_is_refused_naming_the_field() -> None:
    body = MSGPACK.encode({"type": "pull", "cursor": msgspec.msgpack.Ext(3, b"c1")})

    with pytest.raises(DecodeError, match=r"got `ext` - at `\$\.cursor`"):
        MSGPACK.decode_message(body)


@pytest.mark.parametrize(
    ("key", "complaint"),
    [
        (b"\x01", "data.x: map key 1 is not a string"),
        (b"\x91\x01", "data.x: map key (1,) is not a string"),
        (b"\x81\x01\x02", "map keys must be hashable"),
    ],
    ids=["int key", "array key", "map key"],
)
def test_a_msgpack_payload_map_with_a_key_that_is_not_a_string_is_refused(
    key: bytes, complaint: str
) -> None:
    head = MSGPACK.encode(push_with_first_op(data={"x": {}}))
    body = head.replace(b"\xa1x\x80", b"\xa1x\x81" + key + b"\x00")

    with pytest.raises(DecodeError, match=re.escape(complaint)):
        MSGPACK.decode_message(body)


def test_a_push_larger_than_the_batch_limit_is_refused() -> None:
    op = JSON.encode(CLOSED)
    body = b'{"type":"push","device_id":"%s","ops":[%s]}' % (
        str(DEVICE).encode(),
        b",".join([op] * (MAX_BATCH + 1)),
    )

    with pytest.raises(DecodeError, match=rf"length <= {MAX_BATCH} - at `\$\.ops`"):
        JSON.decode_message(body)


# --- fuzzing: anything at all decodes to a valid message or raises DecodeError ---------


@PROPERTY
@CODECS
@given(body=st.binary())
def test_random_bytes_decode_to_a_valid_message_or_raise_decode_error(
    codec: Codec, body: bytes
) -> None:
    outcome = decode_or_refuse(codec, body)

    assert_valid_message_or_decode_error(codec, outcome)


STRUCTS: tuple[type[msgspec.Struct], ...] = (
    *MESSAGE_TYPES,
    OpResult,
    FieldEdit,
    Event,
    StatusChange,
    CounterDelta,
    Tombstone,
)
FIELD_NAMES = sorted({name for struct in STRUCTS for name in struct.__struct_fields__})
TAGS = ["handshake", "handshake_accepted", "push", "push_result", "pull", "pull_result", "error"]
KIND_TAGS = ["field", "event", "status", "counter", "tombstone"]


def json_ish(ints: st.SearchStrategy[int]) -> st.SearchStrategy[Any]:
    """Random JSON-shaped data whose maps use the protocol's own field names and tags."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        ints,
        st.floats(),
        st.text(max_size=12),
        st.sampled_from(TAGS + KIND_TAGS),
        st.uuids().map(str),
    )
    keys = st.sampled_from(FIELD_NAMES) | st.text(max_size=6)
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=6)
        ),
        max_leaves=10,
    )


def messages_ish(ints: st.SearchStrategy[int]) -> st.SearchStrategy[dict[str, Any]]:
    """Maps with a real message tag and random fields: they get past the tag dispatch."""
    return st.builds(
        lambda tag, fields: {"type": tag} | fields,
        st.sampled_from(TAGS),
        st.dictionaries(st.sampled_from(FIELD_NAMES), json_ish(ints), max_size=8),
    )


def json_ish_structures(ints: st.SearchStrategy[int]) -> st.SearchStrategy[Any]:
    return json_ish(ints) | messages_ish(ints)


@PROPERTY
@pytest.mark.parametrize(
    ("codec", "structures"),
    [
        # JSON carries integers of any size; MessagePack at most 64 bits, signed or not.
        (JSON, json_ish_structures(st.integers() | st.integers(-(1 << 70), 1 << 70))),
        (MSGPACK, json_ish_structures(st.integers(-(1 << 63), (1 << 64) - 1))),
    ],
    ids=["json", "msgpack"],
)
@given(data=st.data())
def test_random_json_shaped_structures_decode_to_a_valid_message_or_raise_decode_error(
    codec: Codec, structures: st.SearchStrategy[Any], data: st.DataObject
) -> None:
    body = codec.encode(data.draw(structures, label="structure"))

    outcome = decode_or_refuse(codec, body)

    assert_valid_message_or_decode_error(codec, outcome)


ANY_MESSAGE = messages()


def corrupt(body: bytes, edits: list[tuple[int, int]]) -> bytes:
    """Overwrite a byte at each position, or cut the body there when the byte is -1."""
    spoiled = bytearray(body)
    for position, byte in edits:
        if byte < 0:
            del spoiled[position:]
        elif position < len(spoiled):
            spoiled[position] = byte
    return bytes(spoiled)


@PROPERTY
@CODECS
@given(data=st.data())
def test_a_valid_message_with_corrupted_bytes_decodes_or_raises_decode_error(
    codec: Codec, data: st.DataObject
) -> None:
    body = codec.encode(data.draw(ANY_MESSAGE, label="message"))
    edit = st.tuples(st.integers(0, len(body) - 1), st.integers(-1, 255))
    edits = data.draw(st.lists(edit, min_size=1, max_size=4), label="edits")

    outcome = decode_or_refuse(codec, corrupt(body, edits))

    assert_valid_message_or_decode_error(codec, outcome)


# --- the wire vocabulary is stable -----------------------------------------------------


def test_error_codes_on_the_wire_never_change() -> None:
    codes = [code.value for code in ErrorCode]

    assert codes == [
        "malformed",
        "unsupported_media_type",
        "unsupported_protocol",
        "schema_too_new",
        "unauthorized",
        "device_revoked",
        "wrong_device",
        "batch_too_large",
        "clock_drift",
        "reset_required",
        "rate_limited",
        "unavailable",
        "not_diverged",
        "request_timeout",
    ]


def test_op_statuses_on_the_wire_never_change() -> None:
    statuses = [status.value for status in OpStatus]

    assert statuses == ["applied", "duplicate", "quarantined"]


def test_message_tags_on_the_wire_never_change() -> None:
    tags = [message_type.__struct_config__.tag for message_type in MESSAGE_TYPES]

    assert tags == TAGS
    assert HandshakeAccepted.__struct_config__.tag_field == "type"


PUSHER = uuid.UUID("0193a6d4-0000-7000-8000-0000000000aa")


def _line_events(device: uuid.UUID, seqs: tuple[int, ...]) -> list[Event]:
    """``line_added`` events of one ticket, one per ``device_seq`` in ``seqs``."""
    return [
        Event(
            op_id=uuid7(1_750_000_000_000 + n),
            tenant="demo",
            outlet="DEMO1",
            device_id=device,
            device_seq=n,
            hlc=n,
            entity="ticket",
            entity_id="t1",
            name="line_added",
        )
        for n in seqs
    ]


@pytest.mark.parametrize("codec", [JSON, MSGPACK], ids=["json", "msgpack"])
def test_one_malformed_op_in_a_push_never_sinks_the_others(codec) -> None:
    good = _line_events(PUSHER, (1, 3))
    plain = msgspec.to_builtins(PushRequest(device_id=PUSHER, ops=good))
    bad = {**plain["ops"][0], "device_seq": 2, "hlc": "yesterday"}
    plain["ops"].insert(1, bad)
    body = codec.encode(plain)

    decoded = codec.decode_push(body)

    assert decoded.device_id == PUSHER
    assert decoded.ops[0] == good[0]
    assert decoded.ops[2] == good[1]
    assert isinstance(decoded.ops[1], DecodeError)
    assert "op 1" in str(decoded.ops[1])
    assert "$.hlc" in str(decoded.ops[1])


@pytest.mark.parametrize("codec", [JSON, MSGPACK], ids=["json", "msgpack"])
def test_a_push_with_nothing_wrong_decodes_every_op(codec) -> None:
    ops = _line_events(PUSHER, (1, 2, 3))

    decoded = codec.decode_push(codec.encode(PushRequest(device_id=PUSHER, ops=ops)))

    assert decoded.device_id == PUSHER
    assert decoded.ops == ops


def test_a_push_with_a_broken_envelope_is_refused_whole() -> None:
    with pytest.raises(DecodeError, match="device_id"):
        JSON.decode_push(b'{"type": "push", "device_id": 7, "ops": []}')


@pytest.mark.parametrize("entity_id", ["t\x1f1", "t1\n", "\x00", "a\x7fb"])
def test_entity_ids_with_control_characters_are_refused(entity_id) -> None:
    op = {
        "kind": "event",
        "op_id": str(uuid7(1_750_000_000_000)),
        "tenant": "demo",
        "outlet": "DEMO1",
        "device_id": str(uuid.uuid4()),
        "device_seq": 1,
        "hlc": 1,
        "entity": "ticket",
        "entity_id": entity_id,
        "name": "line_added",
    }

    with pytest.raises(DecodeError, match="entity_id"):
        JSON.decode(JSON.encode(op), Event)
