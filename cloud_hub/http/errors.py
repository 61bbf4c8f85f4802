"""The one place the hub's admin errors become HTTP statuses and JSON bodies.

Every error answer is ``{"code": str, "message": str}``. Bad input is always a 4xx:
a body that does not decode is 400 ``malformed``; a value the use case refuses is 422;
unknown credentials 401; anything of another tenant 404, as if it did not exist.
A database that cannot serve now (down, restarting, unreachable, unreadable, locked)
is 503 ``unavailable`` with ``Retry-After``, on every endpoint: nothing was written and
the request may be sent again. Any other 5xx is a bug: it is logged and answered without
details. The one bad input only the database finds is a NUL in a text parameter
(PostgreSQL text cannot hold it): 400 ``malformed``, whichever lookup met it.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from sqlalchemy.exc import DataError, DBAPIError, NotSupportedError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from cloud_hub.http.idempotency import Replayed, replayed
from cloud_hub.http.limits import BodyTooSlow
from cloud_hub.services.errors import (
    AlreadyExists,
    HubError,
    Malformed,
    NotFound,
    RateLimited,
    StateConflict,
    Unauthorized,
)

log = logging.getLogger(__name__)

_STATUS: tuple[tuple[type[HubError], int], ...] = (
    (Malformed, 400),
    (Unauthorized, 401),
    (NotFound, 404),
    (AlreadyExists, 409),
    (StateConflict, 409),
    (RateLimited, 429),
)
_HTTP_CODES = {
    400: "malformed",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


#: Database errors that mean a bug in the hub, not a store that cannot serve now.
_BUGS = (ProgrammingError, DataError, NotSupportedError)
#: What the store raises when it cannot serve now: an error of the database or its
#: driver, no connection from the pool in time, or no connection at all (refused, timed
#: out: asyncpg raises those as OSError).
STORE_FAILURES = (DBAPIError, PoolTimeout, OSError)
#: Seconds a client waits before sending a request the store could not serve again.
RETRY_AFTER_S = 1


def store_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot serve now, rather than a bug.

    That includes a raced write (two devices inserting one new op id at once): nothing
    was applied, and the same request may be sent again.
    """
    return isinstance(exc, STORE_FAILURES) and not isinstance(exc, _BUGS)


def status_for(error: HubError) -> int:
    """The HTTP status of a hub error (422 unless listed)."""
    return next((status for kind, status in _STATUS if isinstance(error, kind)), 422)


def error_body(code: str, message: str) -> dict[str, str]:
    """The JSON body of every error answer."""
    return {"code": code, "message": message}


def hub_error(_: Request[Any, Any, Any], exc: HubError) -> Response[dict[str, str]]:
    """A use-case error, by the table above; a rate limit says when to retry."""
    headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, RateLimited) else None
    return Response(error_body(exc.code, str(exc)), status_code=status_for(exc), headers=headers)


#: What litestar raises when the client went away before its body arrived whole.
CLIENT_LEFT = "client disconnected prematurely"


def http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, str]]:
    """Litestar's own errors: routing, body decoding, body size; a client that left
    before its body arrived whole is bad input (400 ``client_disconnected``), not a bug."""
    if exc.detail == CLIENT_LEFT:
        log.info("a client left before its request body arrived whole")
        message = "the request body did not arrive whole"
        return Response(error_body("client_disconnected", message), status_code=400)
    if exc.status_code >= 500:
        return internal_error(_, exc)
    if isinstance(exc, ValidationException):
        return Response(error_body("malformed", _validation_message(exc)), status_code=400)
    code = _HTTP_CODES.get(exc.status_code, "bad_request")
    return Response(error_body(code, str(exc.detail)), status_code=exc.status_code)


def undecodable(
    _: Request[Any, Any, Any], exc: UnicodeDecodeError | RecursionError
) -> Response[dict[str, str]]:
    """A body msgspec fails on with a builtin error: not UTF-8, or nested too deeply."""
    reason = "is nested too deeply" if isinstance(exc, RecursionError) else "is not valid UTF-8"
    return Response(error_body("malformed", f"the request body {reason}"), status_code=400)


#: SQLSTATE of a NUL in a text parameter on PostgreSQL (character_not_in_repertoire).
_NUL_IN_TEXT = "22021"


def database_error(
    request: Request[Any, Any, Any], exc: DBAPIError | PoolTimeout | OSError
) -> Response[dict[str, str]]:
    """A NUL in a text parameter is bad input (400); a database that cannot serve now
    is 503 ``unavailable``; any other database error is a bug."""
    if getattr(getattr(exc, "orig", None), "sqlstate", None) == _NUL_IN_TEXT:
        message = "text in the request may not contain NUL characters"
        return Response(error_body("malformed", message), status_code=400)
    if store_unavailable(exc):
        log.warning("request not served, the database cannot serve now: %s", exc)
        return Response(
            error_body("unavailable", "the hub's database cannot serve now; retry"),
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_S)},
        )
    return internal_error(request, exc)


def body_too_slow(_: Request[Any, Any, Any], __: BodyTooSlow) -> Response[dict[str, str]]:
    """A body not whole before the deadline: 408, and uvicorn closes the connection."""
    message = "the request body did not arrive in time"
    return Response(error_body("request_timeout", message), status_code=408)


def internal_error(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, str]]:
    """A bug: logged, answered without details."""
    log.exception("unhandled error", exc_info=exc)
    return Response(error_body("internal_error", "the hub hit an internal error"), status_code=500)


def _validation_message(exc: ValidationException) -> str:
    extra = exc.extra if isinstance(exc.extra, list) else []
    details = "; ".join(
        f"{item.get('key', '')}: {item.get('message', '')}".strip(": ")
        for item in extra
        if isinstance(item, dict)
    )
    return f"{exc.detail}: {details}" if details else str(exc.detail)


HANDLERS = {
    Replayed: replayed,
    BodyTooSlow: body_too_slow,
    HubError: hub_error,
    HTTPException: http_error,
    UnicodeDecodeError: undecodable,
    RecursionError: undecodable,
    DBAPIError: database_error,
    PoolTimeout: database_error,
    OSError: database_error,
    Exception: internal_error,
}
