"""The one place the hub's admin errors become HTTP statuses and JSON bodies.

Every error answer is ``{"code": str, "message": str}``. Bad input is always a 4xx:
a body that does not decode is 400 ``malformed``; a value the use case refuses is 422;
unknown credentials 401; anything of another tenant 404, as if it did not exist.
A 5xx is a bug: it is logged and answered without details. The one bad input only
the database finds is a NUL in a text parameter (PostgreSQL text cannot hold it):
400 ``malformed``, whichever lookup met it.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from sqlalchemy.exc import DBAPIError

from cloud_hub.services.errors import (
    AlreadyExists,
    EnrollmentCodeExpired,
    HubError,
    Malformed,
    NotFound,
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
    (EnrollmentCodeExpired, 410),
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


def status_for(error: HubError) -> int:
    """The HTTP status of a hub error (422 unless listed)."""
    return next((status for kind, status in _STATUS if isinstance(error, kind)), 422)


def error_body(code: str, message: str) -> dict[str, str]:
    """The JSON body of every error answer."""
    return {"code": code, "message": message}


def hub_error(_: Request[Any, Any, Any], exc: HubError) -> Response[dict[str, str]]:
    """A use-case error, by the table above."""
    return Response(error_body(exc.code, str(exc)), status_code=status_for(exc))


def http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, str]]:
    """Litestar's own errors: routing, body decoding, body size."""
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


def database_error(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[dict[str, str]]:
    """A NUL in a text parameter is bad input (400); any other database error a bug."""
    if getattr(exc.orig, "sqlstate", None) == _NUL_IN_TEXT:
        message = "text in the request may not contain NUL characters"
        return Response(error_body("malformed", message), status_code=400)
    return internal_error(request, exc)


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
    HubError: hub_error,
    HTTPException: http_error,
    UnicodeDecodeError: undecodable,
    RecursionError: undecodable,
    DBAPIError: database_error,
    Exception: internal_error,
}
