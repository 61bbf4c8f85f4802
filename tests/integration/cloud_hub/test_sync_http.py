"""``/sync/v1`` over real ASGI HTTP: codecs, statuses, and no 5xx for any body.

Devices are enrolled through the admin API, then sync with their credential in JSON and
in MessagePack. Every test runs on a SQLite file and, marked ``postgres``, on PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.exc import OperationalError

from cloud_hub.http.sync import MAX_PUSH_BYTES
from sync_protocol import (
    JSON,
    MSGPACK,
    PROTOCOL_VERSION,
    SCHEMA_VERSION,
    Codec,
    ErrorMessage,
    Handshake,
    HandshakeAccepted,
    PullRequest,
    PullResponse,
    PushRequest,
    PushResponse,
    Replica,
    encode_cursor,
    uuid7,
)
from tests.hub_rows import HubDevice, OpMaker
from tests.integration.cloud_hub.admin_harness import Hub, auth

CODECS = [pytest.param(JSON, id="json"), pytest.param(MSGPACK, id="msgpack")]


@pytest.fixture
async def acme(hub: Hub) -> str:
    """A tenant with outlet NBO1; its admin token."""
    token = await hub.tenant("acme")
    await hub.outlet(token, "NBO1")
    return token


async def enroll(hub: Hub, admin: str, code: str) -> HubDevice:
    answer = await hub.enroll(await hub.code(admin, "NBO1", code))
    return HubDevice(answer["device_id"], answer["credential"], code, "", "acme", "", "NBO1")


@pytest.fixture
async def till(hub: Hub, acme: str) -> HubDevice:
    return await enroll(hub, acme, "D01")


@pytest.fixture
async def tablet(hub: Hub, acme: str) -> HubDevice:
    return await enroll(hub, acme, "D02")


async def call(
    hub: Hub,
    path: str,
    message: Any,
    device: HubDevice | None,
    codec: Codec = JSON,
    *,
    body: bytes | None = None,
    content_type: str | None = None,
) -> tuple[int, Any, Any]:
    """POST a sync message; return the status, the decoded answer and the headers."""
    headers = {"Content-Type": content_type or codec.content_type}
    if device is not None:
        headers |= auth(device.token)
    answer = await hub.client.post(
        f"/sync/v1/{path}", content=codec.encode(message) if body is None else body, headers=headers
    )
    assert answer.status_code < 500, answer.text
    media = answer.headers["content-type"].split(";")[0]
    decoded = (JSON if media == "application/json" else MSGPACK).decode_message(answer.content)
    return answer.status_code, decoded, answer.headers


def shake(device: HubDevice, last_seq: int = 0, **changes: Any) -> Handshake:
    fields = {
        "protocol_version": PROTOCOL_VERSION,
        "schema_version": SCHEMA_VERSION,
        "device_id": device.uuid,
        "device_clock_ms": 0,
        "device_hlc": 0,
        "last_seq": last_seq,
    }
    return Handshake(**(fields | changes))


def maker(hub: Hub, device: HubDevice) -> OpMaker:
    return OpMaker(device, clock_ms=hub.clock() - 60_000)


@pytest.mark.parametrize("codec", CODECS)
async def test_a_device_syncs_in_either_codec(hub: Hub, till: HubDevice, tablet: HubDevice, codec):
    ops = maker(hub, till)
    batch = [ops.field("ticket", "t1", {"table": "T4"}), ops.status("ticket", "t1", "open")]

    status, accepted, headers = await call(
        hub, "handshake", shake(till, 2, device_clock_ms=hub.clock() + 250), till, codec
    )
    pushed = await call(hub, "push", PushRequest(device_id=till.uuid, ops=batch), till, codec)
    pulled = await call(hub, "pull", PullRequest(), tablet, codec)

    assert (status, headers["content-type"].split(";")[0]) == (200, codec.content_type)
    assert isinstance(accepted, HandshakeAccepted)
    assert (accepted.last_applied_seq, accepted.clock_skew_ms) == (0, 250)
    assert pushed[0] == 200
    assert isinstance(pushed[1], PushResponse)
    assert (pushed[1].last_applied_seq, pushed[1].checkpoint) == (2, 2)
    assert pulled[0] == 200
    assert isinstance(pulled[1], PullResponse)
    assert [op for op in pulled[1].ops if not op.entity.startswith("ref.")] == batch
    assert (pulled[1].checkpoint, pulled[1].has_more) == (2, False)


@pytest.mark.parametrize("codec", CODECS)
async def test_no_or_an_unknown_credential_is_401_with_a_challenge(hub: Hub, till, codec) -> None:
    anonymous = await call(hub, "pull", PullRequest(), None, codec)
    stranger = HubDevice(till.device_id, "not-issued", "D01", "", "acme", "", "NBO1")
    unknown = await call(hub, "handshake", shake(till), stranger, codec)

    for status, answer, headers in (anonymous, unknown):
        assert (status, answer.code) == (401, "unauthorized")
        assert headers["www-authenticate"].startswith("Bearer")
        assert headers["content-type"].split(";")[0] == codec.content_type


async def test_a_revoked_device_or_another_devices_body_is_403(hub: Hub, acme, till, tablet):
    other = await call(hub, "push", PushRequest(device_id=tablet.uuid, ops=[]), till)
    revoked = await hub.client.post(f"/api/v1/devices/{till.device_id}/revoke", headers=auth(acme))
    assert revoked.status_code == 200

    refused = await call(hub, "handshake", shake(till), till)

    assert (other[0], other[1].code) == (403, "wrong_device")
    assert (refused[0], refused[1].code) == (403, "device_revoked")


async def test_a_device_behind_the_hub_is_told_to_reset_with_409(hub: Hub, till) -> None:
    ops = maker(hub, till)
    await call(
        hub, "push", PushRequest(device_id=till.uuid, ops=[ops.status("ticket", "t", "open")]), till
    )

    status, answer, _ = await call(hub, "handshake", shake(till, 0), till)

    assert (status, answer.code) == (409, "reset_required")


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/xml", "multipart/form-data; boundary=x"]
)
async def test_an_unsupported_media_type_is_415_in_json(hub: Hub, till, content_type) -> None:
    status, answer, headers = await call(
        hub, "pull", PullRequest(), till, content_type=content_type
    )

    assert (status, answer.code) == (415, "unsupported_media_type")
    assert headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    ("path", "message", "code"),
    [
        ("handshake", b"{", "malformed"),
        ("push", b'{"type": "push"}', "malformed"),
        ("pull", msgspec.json.encode({"type": "pull", "cursor": "bm90IGEgY3Vyc29y"}), "malformed"),
        ("pull", msgspec.json.encode({"type": "pull", "limit": 5001}), "malformed"),
        ("handshake", None, "unsupported_protocol"),
        ("handshake", "schema", "schema_too_new"),
    ],
)
async def test_bad_requests_are_400_with_their_code(hub: Hub, till, path, message, code) -> None:
    if message is None:
        message = JSON.encode(shake(till, protocol_version=99))
    elif message == "schema":
        message = JSON.encode(shake(till, schema_version=SCHEMA_VERSION + 1))

    status, answer, _ = await call(hub, path, None, till, body=message)

    assert (status, answer.code) == (400, code)
    assert isinstance(answer, ErrorMessage)


async def test_a_push_body_over_the_limit_is_413_in_the_requests_codec(hub: Hub, till) -> None:
    status, answer, _ = await call(
        hub, "push", None, till, MSGPACK, body=b"\x00" * (MAX_PUSH_BYTES + 1)
    )

    assert (status, answer.code) == (413, "batch_too_large")


async def test_a_store_that_cannot_serve_is_503_with_retry_after(
    hub: Hub, till, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def down(*_: object, **__: object) -> None:
        raise OperationalError("SELECT 1", None, ConnectionError("server closed"))

    monkeypatch.setattr("cloud_hub.services.sync.sync_devices.authenticate", down)

    answer = await hub.client.post(
        "/sync/v1/pull",
        content=MSGPACK.encode(PullRequest()),
        headers={"Content-Type": MSGPACK.content_type} | auth(till.token),
    )

    error = MSGPACK.decode(answer.content, ErrorMessage)
    assert (answer.status_code, error.code, error.retry_after_s) == (503, "unavailable", 1)
    assert answer.headers["retry-after"] == "1"


async def test_a_push_quarantines_a_malformed_op_and_applies_the_rest_over_http(
    hub: Hub, till
) -> None:
    ops = maker(hub, till)
    docs = [
        msgspec.to_builtins(op) for op in (ops.event("ticket", "t", "line_added") for _ in range(3))
    ]
    docs[1]["data"] = {"price": 9.99}
    body = JSON.encode({"type": "push", "device_id": till.device_id, "ops": docs})

    status, answer, _ = await call(hub, "push", None, till, body=body)

    assert status == 200
    assert [(r.status, r.code) for r in answer.results] == [
        ("applied", None),
        ("quarantined", "malformed"),
        ("applied", None),
    ]


async def test_a_pull_with_a_cursor_of_another_epoch_is_answered_reset(hub: Hub, till) -> None:
    stale = encode_cursor("an-old-epoch", 40, 3)

    status, answer, _ = await call(hub, "pull", PullRequest(cursor=stale), till, MSGPACK)

    assert (status, answer.reset, answer.ops) == (200, True, [])


async def test_the_state_hash_endpoint_matches_a_replica(hub: Hub, acme, till, tablet) -> None:
    a, b = maker(hub, till), maker(hub, tablet)
    opened = a.field("ticket", "t1", {"table": "T4"})
    mine = [opened, a.field("ticket", "t1", {"table": "T7"}, base=opened)]
    theirs = [b.field("ticket", "t1", {"table": "T9"}, base=opened)]
    await call(hub, "push", PushRequest(device_id=till.uuid, ops=mine), till)
    await call(hub, "push", PushRequest(device_id=tablet.uuid, ops=theirs), tablet)
    _, pulled, _ = await call(hub, "pull", PullRequest(), till)
    replica = Replica()  # what the till holds: its own ops and what it pulled
    for op in mine + pulled.ops:
        replica.apply(op)
    other = await hub.tenant("other")
    await hub.outlet(other, "NBO1")

    answer = await hub.client.get("/api/v1/state-hash?outlet=NBO1", headers=auth(acme))
    elsewhere = await hub.client.get("/api/v1/state-hash?outlet=NBO1", headers=auth(other))
    missing = await hub.client.get("/api/v1/state-hash?outlet=NOPE", headers=auth(acme))
    anonymous = await hub.client.get("/api/v1/state-hash?outlet=NBO1")

    assert answer.status_code == 200
    assert answer.json() == {"state_hash": replica.state_hash()}
    assert elsewhere.json()["state_hash"] != replica.state_hash()
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    assert (anonymous.status_code, anonymous.json()["code"]) == (401, "unauthorized")


# Fuzz: whatever the body, the answer is never a 5xx.

ints = st.integers(-(2**63), 2**64 - 1)
values = st.recursive(
    st.none() | st.booleans() | ints | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


def envelopes(device_id: str) -> st.SearchStrategy[dict[str, Any]]:
    """Messages that look right at a glance: real tags, the real device, odd values."""
    ops = st.fixed_dictionaries(
        {"device_seq": st.integers(-2, 4) | values, "kind": st.sampled_from(["event", "x"])},
        optional={
            "op_id": st.uuids().map(str),
            "device_id": st.just(device_id),
            "tenant": st.just("acme"),
            "outlet": st.just("NBO1"),
            "hlc": st.integers(0, 2**64 - 1),
            "entity": st.sampled_from(["ticket", "ref.product", "Bad"]),
            "entity_id": st.text(max_size=5),
            "name": st.just("line_added"),
            "data": values,
        },
    )
    return st.fixed_dictionaries(
        {"type": st.sampled_from(["handshake", "push", "pull", "error"])},
        optional={
            "device_id": st.just(device_id) | values,
            "ops": st.lists(ops, max_size=4),
            "cursor": st.text(max_size=20) | values,
            "limit": ints | values,
            "protocol_version": st.integers(-1, 3),
            "schema_version": st.integers(-1, 3),
            "device_clock_ms": st.integers(-1, 2**64 - 1),
            "device_hlc": st.integers(-1, 2**64 - 1),
            "last_seq": st.integers(-1, 2**64 - 1) | values,
            "agent_version": st.text(max_size=70),
        },
    )


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(["handshake", "push", "pull"]),
    codec=st.sampled_from([JSON, MSGPACK]),
    signed=st.booleans(),
    data=st.data(),
)
async def test_no_body_ever_gets_a_5xx(hub: Hub, till, path, codec, signed, data) -> None:
    body = data.draw(
        st.binary(max_size=200)
        | values.map(msgspec.json.encode)
        | envelopes(till.device_id).map(codec.encode)
    )
    headers = {"Content-Type": codec.content_type} | (auth(till.token) if signed else {})

    answer = await hub.client.post(f"/sync/v1/{path}", content=body, headers=headers)

    assert answer.status_code < 500, answer.text
    media = answer.headers["content-type"].split(";")[0]
    (JSON if media == "application/json" else MSGPACK).decode_message(answer.content)


def odd_ops(template: dict[str, Any], first_seq: int) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Pushes of ops near the device's next sequence, some with one field gone wrong."""
    kinds = st.fixed_dictionaries(
        {},
        optional={
            "kind": st.sampled_from(["event", "field", "status", "counter", "tombstone", "?"]),
            "status": st.sampled_from(["open", "paid", "parked"]),
            "changes": st.dictionaries(st.sampled_from(["table", "x.y", "Bad"]), values),
            "counter": st.just("on_hand"),
            "delta": ints,
            "entity": st.sampled_from(["ticket", "stock_item", "ref.product", "device.session"]),
            "hlc": st.sampled_from([0, template["hlc"], (2**47 - 1) << 16]),
        },
    )

    def build(parts: list[tuple[int, dict[str, Any], str | None, Any]]) -> list[dict[str, Any]]:
        ops = []
        for offset, changes, broken, value in parts:
            op = template | {"op_id": str(uuid7(0)), "device_seq": first_seq + offset} | changes
            if broken is not None:
                op[broken] = value
            ops.append(op)
        return ops

    part = st.tuples(
        st.integers(-1, 3), kinds, st.none() | st.sampled_from(sorted(template)), values
    )
    return st.lists(part, max_size=5).map(build)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(codec=st.sampled_from([JSON, MSGPACK]), data=st.data())
async def test_no_push_of_odd_ops_gets_a_5xx(hub: Hub, till, codec, data) -> None:
    _, accepted, _ = await call(hub, "handshake", shake(till, 10**6), till)
    template = msgspec.to_builtins(maker(hub, till).event("ticket", "t", "line_added"))
    ops = data.draw(odd_ops(template, accepted.last_applied_seq + 1))
    body = codec.encode({"type": "push", "device_id": till.device_id, "ops": ops})

    status, answer, _ = await call(hub, "push", None, till, codec, body=body)

    # 409: a repeated sequence carrying another op than the hub applied there.
    assert status in (200, 400, 409), answer
    if status == 409:
        assert answer.code == "reset_required"
