"""Operations: the five shapes, their payload checks and their wire constraints."""

from __future__ import annotations

import re
import uuid
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync_protocol.codec import JSON, MSGPACK, Codec
from sync_protocol.errors import DecodeError
from sync_protocol.ids import uuid7
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

from .strategies import KINDS, MAX_HLC, operations

PROPERTY = settings(max_examples=500)
CODECS = pytest.mark.parametrize("codec", [JSON, MSGPACK], ids=["json", "msgpack"])
BASE_MS = 1_750_000_000_000
DEVICE = uuid.UUID("00000000-0000-4000-8000-00000000d001")


def envelope(**overrides: Any) -> dict[str, Any]:
    """The fields every operation carries, with valid values unless overridden."""
    fields: dict[str, Any] = {
        "op_id": uuid7(BASE_MS, random_bits=1),
        "tenant": "demo",
        "outlet": "DEMO1",
        "device_id": DEVICE,
        "device_seq": 1,
        "hlc": 1_000,
        "entity": "ticket",
        "entity_id": "t1",
    }
    return fields | overrides


def one_of_each_kind(**overrides: Any) -> list[Op]:
    env = envelope(**overrides)
    return [
        FieldEdit(**env, changes={"table": "T4"}),
        Event(**env, name="line_added", data={"sku": "LATTE", "qty": 2}),
        StatusChange(**env, status="closed"),
        CounterDelta(**env, counter="on_hand", delta=-2),
        Tombstone(**env, reason="duplicate product"),
    ]


def wire_form(op: Op, **changes: Any) -> dict[str, Any]:
    """The op as plain data, ready to be spoiled and encoded."""
    data: dict[str, Any] = msgspec.to_builtins(op)
    return data | changes


# --- the five shapes -------------------------------------------------------------------


def test_each_shape_carries_its_own_kind_tag() -> None:
    ops = one_of_each_kind()

    tags = [op.kind for op in ops]

    assert tags == list(KINDS)
    assert [wire_form(op)["kind"] for op in ops] == list(KINDS)


OPS_OF_KIND = {kind: operations(kinds=(kind,)) for kind in KINDS}


@PROPERTY
@pytest.mark.parametrize("kind", KINDS)
@given(data=st.data())
def test_an_operation_of_every_kind_survives_a_round_trip_through_both_codecs_unchanged(
    kind: str, data: st.DataObject
) -> None:
    op = data.draw(OPS_OF_KIND[kind], label="op")

    via_json: Op = JSON.decode(JSON.encode(op), Op)  # type: ignore[arg-type]
    via_msgpack: Op = MSGPACK.decode(MSGPACK.encode(op), Op)  # type: ignore[arg-type]

    assert via_json == op
    assert via_msgpack == op
    assert type(via_json) is type(via_msgpack) is type(op)
    assert via_json.kind == via_msgpack.kind == kind
    assert JSON.encode(via_json) == JSON.encode(op)
    assert MSGPACK.encode(via_msgpack) == MSGPACK.encode(op)


def test_an_operation_not_given_a_schema_version_is_written_at_the_current_one() -> None:
    ops = one_of_each_kind()

    versions = {op.schema_version for op in ops}

    assert versions == {SCHEMA_VERSION}


def test_optional_payload_fields_default_to_empty() -> None:
    env = envelope()

    edit = FieldEdit(**env, changes={"covers": 2})
    event = Event(**env, name="drawer_opened")
    tombstone = Tombstone(**env)

    assert (edit.base, edit.resolves) == ({}, ())
    assert event.data == {}
    assert tombstone.reason == ""


def test_an_operation_cannot_be_changed_once_made() -> None:
    op = StatusChange(**envelope(), status="sent")

    with pytest.raises(AttributeError):
        op.status = "open"  # type: ignore[misc]

    assert op.status == "sent"


# --- identity and order ----------------------------------------------------------------


@pytest.mark.parametrize(
    "op_id",
    [uuid.UUID("6ba7b810-9dad-41d1-80b4-00c04fd430c8"), uuid.UUID(int=0)],
    ids=["v4", "nil"],
)
def test_an_operation_whose_id_is_not_a_uuid7_is_refused(op_id: uuid.UUID) -> None:
    with pytest.raises(ValueError, match="op_id must be a version 7 UUID"):
        Tombstone(**envelope(op_id=op_id))


def test_the_order_key_ranks_by_hlc_first_whatever_the_device() -> None:
    low_device = uuid.UUID(int=1)
    high_device = uuid.UUID(int=2)
    later = Tombstone(**envelope(hlc=2, device_id=low_device))
    earlier = Tombstone(**envelope(hlc=1, device_id=high_device))

    ranked = sorted([later, earlier], key=lambda op: op.order_key)

    assert ranked == [earlier, later]


def test_the_order_key_breaks_an_hlc_tie_by_device_id_then_op_id() -> None:
    first_device, second_device = uuid.UUID(int=1), uuid.UUID(int=2)
    a = Tombstone(**envelope(device_id=second_device, op_id=uuid7(BASE_MS, 1)))
    b = Tombstone(**envelope(device_id=first_device, op_id=uuid7(BASE_MS, 9)))
    c = Tombstone(**envelope(device_id=first_device, op_id=uuid7(BASE_MS, 2)))

    ranked = sorted([a, b, c], key=lambda op: op.order_key)

    assert ranked == [c, b, a]
    assert c.order_key == (1_000, str(first_device), str(c.op_id))


# --- payload checks, made when an operation is built or decoded ------------------------


def test_a_field_edit_must_change_something() -> None:
    with pytest.raises(ValueError, match="a field edit must change at least one field"):
        FieldEdit(**envelope(), changes={})


def test_a_field_edit_cannot_claim_to_have_seen_fields_it_does_not_change() -> None:
    seen = {"notes": uuid7(BASE_MS, 2), "name": uuid7(BASE_MS, 3)}

    with pytest.raises(ValueError, match=r"does not change: \['name', 'notes'\]"):
        FieldEdit(**envelope(), changes={"table": "T1"}, base=seen)


def test_a_field_edit_names_the_field_holding_a_float() -> None:
    with pytest.raises(ValueError, match=r"^changes\.covers: float is not a payload value$"):
        FieldEdit(**envelope(), changes={"table": "T1", "covers": 2.0})


def test_an_event_names_the_place_in_its_data_holding_a_float() -> None:
    data = {"lines": [{"sku": "LATTE", "price": 3.5}]}

    with pytest.raises(ValueError, match=r"^data\.lines\[0\]\.price: float"):
        Event(**envelope(), name="order_placed", data=data)


@pytest.mark.parametrize("delta", [-(1 << 63) - 1, 1 << 63])
def test_a_counter_delta_beyond_64_bits_is_refused(delta: int) -> None:
    with pytest.raises(ValueError, match=f"^delta: integer {delta} is outside 64 bits$"):
        CounterDelta(**envelope(), counter="on_hand", delta=delta)


@pytest.mark.parametrize("delta", [-(1 << 63), (1 << 63) - 1])
def test_a_counter_delta_at_the_edge_of_64_bits_is_accepted(delta: int) -> None:
    op = CounterDelta(**envelope(), counter="on_hand", delta=delta)

    assert JSON.decode(JSON.encode(op), Op) == op  # type: ignore[arg-type]


def test_the_base_class_accepts_any_payload() -> None:
    op = Operation(**envelope())

    assert op.order_key == (1_000, str(DEVICE), str(op.op_id))


# --- wire constraints, checked on decode -----------------------------------------------


TOMBSTONE = Tombstone(**envelope())
EDIT = FieldEdit(**envelope(), changes={"table": "T1"})


OUT_OF_BOUNDS = [
    ("capitals in the tenant", TOMBSTONE, {"tenant": "Demo"}, "$.tenant"),
    ("newline after the tenant", TOMBSTONE, {"tenant": "demo\n"}, "$.tenant"),
    ("empty tenant", TOMBSTONE, {"tenant": ""}, "$.tenant"),
    ("tenant of 65 characters", TOMBSTONE, {"tenant": "d" * 65}, "$.tenant"),
    ("outlet starting with a dash", TOMBSTONE, {"outlet": "-DEMO"}, "$.outlet"),
    ("newline after the outlet", TOMBSTONE, {"outlet": "DEMO1\n"}, "$.outlet"),
    ("outlet of 33 characters", TOMBSTONE, {"outlet": "D" * 33}, "$.outlet"),
    ("capitals in the entity", TOMBSTONE, {"entity": "Ticket"}, "$.entity"),
    ("newline after the entity", TOMBSTONE, {"entity": "ticket\n"}, "$.entity"),
    ("empty entity id", TOMBSTONE, {"entity_id": ""}, "$.entity_id"),
    ("entity id of 129 characters", TOMBSTONE, {"entity_id": "x" * 129}, "$.entity_id"),
    ("device seq 0", TOMBSTONE, {"device_seq": 0}, "$.device_seq"),
    ("device seq beyond 63 bits", TOMBSTONE, {"device_seq": 1 << 63}, "$.device_seq"),
    ("negative hlc", TOMBSTONE, {"hlc": -1}, "$.hlc"),
    ("hlc beyond the largest", TOMBSTONE, {"hlc": MAX_HLC + 1}, "$.hlc"),
    ("schema version 0", TOMBSTONE, {"schema_version": 0}, "$.schema_version"),
    ("schema version beyond 16 bits", TOMBSTONE, {"schema_version": 65536}, "$.schema_version"),
    ("reason of 501 characters", TOMBSTONE, {"reason": "x" * 501}, "$.reason"),
    ("device id not a uuid", TOMBSTONE, {"device_id": "till-1"}, "$.device_id"),
    ("changed field not a name", EDIT, {"changes": {"Table": "T1"}}, "key` in `$.changes"),
    ("newline after a field name", EDIT, {"changes": {"table\n": "T1"}}, "key` in `$.changes"),
    ("base not an op id", EDIT, {"base": {"table": "not-a-uuid"}}, "$.base"),
]


@CODECS
@pytest.mark.parametrize(
    ("case", "op", "changes", "where"), OUT_OF_BOUNDS, ids=[case[0] for case in OUT_OF_BOUNDS]
)
def test_a_field_outside_its_wire_constraints_is_refused_by_name(
    codec: Codec, case: str, op: Op, changes: dict[str, Any], where: str
) -> None:
    spoiled = wire_form(op, **changes)

    with pytest.raises(DecodeError, match=f"at `{re.escape(where)}"):
        codec.decode(codec.encode(spoiled), Op)  # type: ignore[arg-type]


@CODECS
def test_an_operation_of_an_unknown_kind_is_refused_naming_the_tag(codec: Codec) -> None:
    spoiled = wire_form(TOMBSTONE, kind="rename")

    with pytest.raises(DecodeError, match=r"Invalid value 'rename' - at `\$\.kind`"):
        codec.decode(codec.encode(spoiled), Op)  # type: ignore[arg-type]


@CODECS
def test_a_decoded_operation_gets_the_same_payload_checks_as_a_built_one(codec: Codec) -> None:
    spoiled = wire_form(EDIT, changes={"covers": 2.5})

    with pytest.raises(DecodeError, match=r"changes\.covers: float is not a payload value"):
        codec.decode(codec.encode(spoiled), Op)  # type: ignore[arg-type]


@CODECS
def test_an_operation_sent_without_a_schema_version_decodes_at_version_1(
    codec: Codec,
) -> None:
    old = wire_form(TOMBSTONE)
    del old["schema_version"]

    decoded: Op = codec.decode(codec.encode(old), Op)  # type: ignore[arg-type]

    assert decoded == TOMBSTONE
    assert decoded.schema_version == 1
