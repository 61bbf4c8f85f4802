"""``POST /sync/v1/handshake|push|pull|successor|known`` for devices, and
``GET /api/v1/state-hash``.

The sync handlers read the raw body and pick the codec from ``Content-Type``
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

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromQuery

from cloud_hub.domain.push import read_push
from cloud_hub.http.admin_context import (
    ADMIN_DEPENDENCIES,
    CallerTenant,
    admin_guard,
    bearer,
    transaction,
)
from cloud_hub.http.errors import RETRY_AFTER_S, STORE_FAILURES, store_unavailable
from cloud_hub.services import successors, sync, sync_state
from cloud_hub.services.errors import HubError, Unauthorized
from sync_protocol import (
    JSON,
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

#: A push of 5000 ops with large payloads still fits; bigger is ``batch_too_large``.
MAX_PUSH_BYTES = 32 * 1024 * 1024
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
    ErrorCode.UNAVAILABLE: 503,
}

UseCase = Callable[[State, str, Codec, bytes], Awaitable[Message]]


def status_for(code: str) -> int:
    """The HTTP status of a sync error code (400 for a code the table does not know)."""
    return _STATUS.get(code, 400)


def _clock(state: State) -> Callable[[], int]:
    clock: Callable[[], int] | None = state.get("clock")
    return clock or (lambda: time.time_ns() // 1_000_000)


async def _handshake(state: State, token: str, codec: Codec, body: bytes) -> Message:
    request = codec.decode(body, Handshake)
    return await sync.handshake(state.engine, token, request, clock=_clock(state))


async def _push(state: State, token: str, codec: Codec, body: bytes) -> Message:
    device_id, items = read_push(codec, body)
    return await sync.push(state.engine, token, device_id, items, clock=_clock(state))


async def _pull(state: State, token: str, codec: Codec, body: bytes) -> Message:
    request = codec.decode(body, PullRequest)
    return await sync.pull(state.engine, token, request, clock=_clock(state))


async def _successor(state: State, token: str, codec: Codec, body: bytes) -> Message:
    request = codec.decode(body, SuccessorRequest)
    async with state.engine.begin() as conn:
        return await successors.grant_successor(conn, token, request, now_ms=_clock(state)())


async def _known(state: State, token: str, codec: Codec, body: bytes) -> Message:
    request = codec.decode(body, KnownOpsRequest)
    async with state.engine.begin() as conn:
        return await successors.known_ops(conn, token, request)


async def _serve(request: Request[Any, Any, Any], use_case: UseCase) -> Response[bytes]:
    try:
        codec = codec_for(request.headers.get("content-type"))
    except UnsupportedMediaType as exc:
        return _error(JSON, exc.code, str(exc))
    try:
        token = bearer(request)
        if token is None:
            raise Unauthorized("send the device credential as 'Authorization: Bearer <credential>'")
        answer = await use_case(request.app.state, token, codec, await request.body())
    except RequestEntityTooLarge:
        return _error(codec, ErrorCode.BATCH_TOO_LARGE, "the request body is too large")
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


@post("/sync/v1/handshake", status_code=200)
async def handshake(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Open a sync session: ``Handshake`` -> ``HandshakeAccepted``."""
    return await _serve(request, _handshake)


@post("/sync/v1/push", status_code=200, request_max_body_size=MAX_PUSH_BYTES)
async def push(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Apply the device's next ops: ``PushRequest`` -> ``PushResponse``."""
    return await _serve(request, _push)


@post("/sync/v1/pull", status_code=200)
async def pull(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Serve the next page after a cursor: ``PullRequest`` -> ``PullResponse``."""
    return await _serve(request, _pull)


@post("/sync/v1/successor", status_code=200)
async def successor(request: Request[Any, Any, Any]) -> Response[bytes]:
    """A restored device's new identity: ``SuccessorRequest`` -> ``SuccessorGranted``."""
    return await _serve(request, _successor)


@post("/sync/v1/known", status_code=200)
async def known(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Which op ids the hub holds: ``KnownOpsRequest`` -> ``KnownOpsResponse``."""
    return await _serve(request, _known)


@get(
    "/api/v1/state-hash",
    guards=[admin_guard],
    dependencies=ADMIN_DEPENDENCIES,
)
async def state_hash(outlet: FromQuery[str], tenant: CallerTenant, state: State) -> dict[str, str]:
    """The canonical state hash of an outlet's ops plus the tenant's reference data."""
    async with transaction(state) as conn:
        return {"state_hash": await sync_state.outlet_state_hash(conn, tenant, outlet)}


#: Every handler of this module, for ``create_app``.
SYNC_HANDLERS = [handshake, push, pull, successor, known, state_hash]
