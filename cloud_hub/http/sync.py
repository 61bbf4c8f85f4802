"""``POST /sync/v1/handshake|push|pull|successor|known`` for devices, and
``GET /api/v1/state-hash``.

The sync handlers check the client's rate and the bearer credential first, then read the
raw body in chunks up to the route's limit (``http/limits.py``), decoding a large one on
a worker thread; they pick the codec from ``Content-Type``
(``sync_protocol.codec_for``: JSON when absent, MessagePack, anything else 415 answered
as JSON). They answer in the request's codec: the protocol message on success, an
``ErrorMessage`` otherwise, with the HTTP status of section 2 of
``docs/sync-protocol.md``. Bad input is always a 4xx; a store that cannot serve is 503
with ``Retry-After``; a 5xx for anything else is a bug.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import anyio.to_thread
from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.params import FromQuery

from cloud_hub.domain.push import read_push
from cloud_hub.http.admin_answers import StateHash
from cloud_hub.http.admin_context import (
    ADMIN_DEPENDENCIES,
    CallerTenant,
    admin_guard,
    bearer,
    transaction,
)
from cloud_hub.http.errors import RETRY_AFTER_S, STORE_FAILURES, store_unavailable
from cloud_hub.http.limits import (
    BodyTooLarge,
    BodyTooSlow,
    RateLimiter,
    address,
    client_limits,
    read_body,
)
from cloud_hub.http.openapi import admin_op, device_op
from cloud_hub.services import successors, sync, sync_devices, sync_state
from cloud_hub.services.errors import HubError, NotFound, RateLimited, Unauthorized
from sync_protocol import (
    JSON,
    MSGPACK,
    Codec,
    ErrorCode,
    ErrorMessage,
    Handshake,
    PullRequest,
    SyncProtocolError,
    UnsupportedMediaType,
    codec_for,
)
from sync_protocol.messages import Message
from sync_protocol.recovery import KnownOpsRequest, SuccessorRequest

log = logging.getLogger(__name__)

#: The largest push body (bytes); bigger is 413 ``batch_too_large`` before it is read
#: whole. 500 ops (the agent's batch) of 8 KiB each fit twice over.
MAX_PUSH_BYTES = 8 * 1024 * 1024
#: The largest body of the other sync requests (bytes): ``KnownOpsRequest`` of 5000 ids.
MAX_SYNC_BYTES = 256 * 1024
#: Bodies larger than this are decoded on a worker thread, off the event loop.
OFF_LOOP_BYTES = 64 * 1024
MAX_MESSAGE = 2000

_STATUS: dict[str, int] = {
    ErrorCode.MALFORMED: 400,
    ErrorCode.UNSUPPORTED_PROTOCOL: 400,
    ErrorCode.SCHEMA_TOO_NEW: 400,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.DEVICE_REVOKED: 403,
    ErrorCode.WRONG_DEVICE: 403,
    ErrorCode.CLOCK_DRIFT: 409,
    ErrorCode.RESET_REQUIRED: 409,
    ErrorCode.NOT_DIVERGED: 409,
    ErrorCode.BATCH_TOO_LARGE: 413,
    ErrorCode.UNSUPPORTED_MEDIA_TYPE: 415,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.REQUEST_TIMEOUT: 408,
    ErrorCode.UNAVAILABLE: 503,
}

#: Bytes to the use case's request, in the request's codec.
Decode = Callable[[Codec, bytes], Any]
UseCase = Callable[[State, str, Any], Awaitable[Any]]  # a Message, or one encoded alike


def status_for(code: str) -> int:
    """The HTTP status of a sync error code (400 for a code the table does not know)."""
    return _STATUS.get(code, 400)


def _clock(state: State) -> Callable[[], int]:
    clock: Callable[[], int] | None = state.get("clock")
    return clock or (lambda: time.time_ns() // 1_000_000)


def _decoder(kind: type[Any]) -> Decode:
    return lambda codec, body: codec.decode(body, kind)


async def _handshake(state: State, token: str, request: Handshake) -> Message:
    return await sync.handshake(state.engine, token, request, clock=_clock(state))


async def _push(state: State, token: str, request: tuple[Any, Any]) -> Message:
    device_id, items = request
    return await sync.push(
        state.engine, token, device_id, items, clock=_clock(state), wakeups=state.get("wakeups")
    )


def _decode_pull(codec: Codec, body: bytes) -> tuple[Codec, PullRequest]:
    return codec, codec.decode(body, PullRequest)


async def _pull(state: State, token: str, request: tuple[Codec, PullRequest]) -> Any:
    codec, pull_request = request
    return await sync.pull(
        state.engine,
        token,
        pull_request,
        clock=_clock(state),
        wakeups=state.get("wakeups"),
        max_wait_s=client_limits(state).pull_wait_s,
        stored=codec is MSGPACK,  # ops go out as stored, undecoded
    )


async def _successor(state: State, token: str, request: SuccessorRequest) -> Message:
    async with state.engine.begin() as conn:
        return await successors.grant_successor(conn, token, request, now_ms=_clock(state)())


async def _known(state: State, token: str, request: KnownOpsRequest) -> Message:
    async with state.engine.begin() as conn:
        return await successors.known_ops(conn, token, request)


async def _serve(
    request: Request[Any, Any, Any], decode: Decode, use_case: UseCase, limit: int
) -> Response[bytes]:
    """Rate limits, then the credential, then the body (bounded), then the use case."""
    try:
        codec = codec_for(request.headers.get("content-type"))
    except UnsupportedMediaType as exc:
        return _error(JSON, exc.code, str(exc))
    state = request.app.state
    limits = client_limits(state)
    try:
        token = bearer(request)
        if token is None:
            raise Unauthorized("send the device credential as 'Authorization: Bearer <credential>'")
        _rate(limits.sync_by_address, address(request))
        async with state.engine.connect() as conn:
            key = await sync_devices.known_credential(conn, token)
        _rate(limits.sync_by_credential, key)
        body = await read_body(
            request.receive,
            limit=limit,
            timeout_s=limits.body_timeout_s,
            content_length=request.headers.get("content-length"),
        )
        if len(body) > OFF_LOOP_BYTES:
            message = await anyio.to_thread.run_sync(decode, codec, body)
        else:
            message = decode(codec, body)
        answer = await use_case(state, token, message)
    except BodyTooLarge:
        return _error(codec, ErrorCode.BATCH_TOO_LARGE, f"the request body is over {limit} bytes")
    except BodyTooSlow:
        return _error(codec, ErrorCode.REQUEST_TIMEOUT, "the request body did not arrive in time")
    except RateLimited as exc:
        return _error(codec, ErrorCode.RATE_LIMITED, str(exc), exc.retry_after_s)
    except (HubError, SyncProtocolError) as exc:
        return _error(codec, exc.code, str(exc))
    except STORE_FAILURES as exc:
        if not store_unavailable(exc):
            raise
        log.warning("sync request not served: %s", exc)
        return _error(
            codec, ErrorCode.UNAVAILABLE, "the hub cannot serve now; retry", RETRY_AFTER_S
        )
    return Response(codec.encode(answer), media_type=codec.content_type, status_code=200)


def _rate(limiter: RateLimiter, key: str) -> None:
    wait = limiter.take(key)
    if wait is not None:
        raise RateLimited("too many sync requests; retry later", wait)


def _error(
    codec: Codec, code: str, message: str, retry_after_s: int | None = None
) -> Response[bytes]:
    body = ErrorMessage(code=code, message=message[:MAX_MESSAGE], retry_after_s=retry_after_s)
    headers = {}
    if code == ErrorCode.UNAUTHORIZED:
        headers["WWW-Authenticate"] = 'Bearer realm="pos-hub"'
    if retry_after_s is not None:
        headers["Retry-After"] = str(retry_after_s)
    return Response(
        codec.encode(body),
        media_type=codec.content_type,
        status_code=status_for(code),
        headers=headers,
    )


@post(
    "/sync/v1/handshake",
    status_code=200,
    **device_op(
        "Open a sync session",
        "`Handshake` -> `HandshakeAccepted`: protocol and schema versions, the device's log "
        "boundary, trusted time and cursors.",
    ),
)
async def handshake(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Open a sync session: ``Handshake`` -> ``HandshakeAccepted``."""
    return await _serve(request, _decoder(Handshake), _handshake, MAX_SYNC_BYTES)


@post(
    "/sync/v1/push",
    status_code=200,
    **device_op(
        "Push ops",
        "`PushRequest` -> `PushResponse`: the device's next ops, each applied, acknowledged "
        "again as a duplicate, or quarantined.",
    ),
)
async def push(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Apply the device's next ops: ``PushRequest`` -> ``PushResponse``."""
    return await _serve(request, read_push, _push, MAX_PUSH_BYTES)


@post(
    "/sync/v1/pull",
    status_code=200,
    **device_op(
        "Pull ops",
        "`PullRequest` -> `PullResponse`: the next page of ops after an opaque cursor.",
    ),
)
async def pull(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Serve the next page after a cursor: ``PullRequest`` -> ``PullResponse``."""
    return await _serve(request, _decode_pull, _pull, MAX_SYNC_BYTES)


@post(
    "/sync/v1/successor",
    status_code=200,
    **device_op(
        "Take a successor identity",
        "`SuccessorRequest` -> `SuccessorGranted`: a restored device continues under a new "
        "identity.",
    ),
)
async def successor(request: Request[Any, Any, Any]) -> Response[bytes]:
    """A restored device's new identity: ``SuccessorRequest`` -> ``SuccessorGranted``."""
    return await _serve(request, _decoder(SuccessorRequest), _successor, MAX_SYNC_BYTES)


@post(
    "/sync/v1/known",
    status_code=200,
    **device_op(
        "Ask which ops the hub holds",
        "`KnownOpsRequest` -> `KnownOpsResponse`: which of up to 5000 op ids the hub holds.",
    ),
)
async def known(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Which op ids the hub holds: ``KnownOpsRequest`` -> ``KnownOpsResponse``."""
    return await _serve(request, _decoder(KnownOpsRequest), _known, MAX_SYNC_BYTES)


@get(
    "/api/v1/state-hash",
    guards=[admin_guard],
    dependencies=ADMIN_DEPENDENCIES,
    **admin_op(
        "State hash of an outlet",
        "The canonical hash of an outlet's merged ops plus the tenant's reference data: "
        "replicas holding the same ops have the same hash.",
        errors=(NotFound,),
        params=True,
    ),
)
async def state_hash(outlet: FromQuery[str], tenant: CallerTenant, state: State) -> StateHash:
    """The canonical state hash of an outlet's ops plus the tenant's reference data."""
    async with transaction(state) as conn:
        return StateHash(await sync_state.outlet_state_hash(conn, tenant, outlet))


#: Every handler of this module, for ``create_app``.
SYNC_HANDLERS = [handshake, push, pull, successor, known, state_hash]
