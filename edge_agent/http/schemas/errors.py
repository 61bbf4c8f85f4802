"""The one error body of the agent API and the enumeration of its ``code``.

The codes are the agent's error tree (every ``DomainError`` subclass's ``code``, see
``edge_agent/domain/errors.py`` and ``edge_agent/services/errors.py``) and the codes the
HTTP layer answers by itself (:data:`HTTP_STATUS`).
"""

from __future__ import annotations

import enum
from typing import Annotated, Any

import msgspec

# Imported for their error classes: every subclass of DomainError is in the enumeration.
import edge_agent.printing.errors
import edge_agent.services.errors  # noqa: F401
from edge_agent.domain.errors import DomainError


class ErrorBody(msgspec.Struct, kw_only=True):
    """Every 4xx and 5xx answer of the agent: what went wrong, for a program and a person."""

    code: Annotated[
        ErrorCode,
        msgspec.Meta(
            description="What went wrong, for a program to act on.", examples=["ticket_closed"]
        ),
    ]
    message: Annotated[
        str,
        msgspec.Meta(
            description="What went wrong, in one line for a person.",
            examples=["the ticket is closed"],
        ),
    ]
    detail: Annotated[
        Any,
        msgspec.Meta(
            description=(
                "More about it where the code has more: the fields a body broke, the open "
                "tickets a Z refused over, the drawer session already open; else null."
            )
        ),
    ] = None


#: Statuses of the codes the HTTP layer answers by itself (a test finds every code the
#: layer's sources answer in this table, with its status).
HTTP_STATUS = {
    "malformed_request": 400,
    "invalid_request": 400,
    "invalid_host": 400,
    "client_disconnected": 400,
    "bad_request": 400,
    "not_found": 404,
    "method_not_allowed": 405,
    "unsupported_media_type": 415,
    "host_not_allowed": 403,
    "loopback_only": 403,
    "body_too_large": 413,
    "not_enrolled": 409,
    "internal_error": 500,
}


def _classes(kind: type[DomainError]) -> list[type[DomainError]]:
    found = [kind] if isinstance(kind.__dict__.get("code"), str) else []
    for sub in kind.__subclasses__():
        found += _classes(sub)
    return found


def error_codes() -> list[str]:
    """Every code an agent error body can carry, sorted."""
    return sorted({kind.code for kind in _classes(DomainError)} | set(HTTP_STATUS))


ErrorCode = enum.StrEnum("ErrorCode", {code: code for code in error_codes()})  # type: ignore[misc]
ErrorCode.__doc__ = "Machine-readable error codes of the agent API."


def codes_by_status() -> dict[int, list[str]]:
    """Every error code by the status it is answered with (the one error-to-status map)."""
    from edge_agent.http.errors import status_of

    found: dict[int, set[str]] = {}
    for kind in _classes(DomainError):
        found.setdefault(status_of(kind), set()).add(kind.code)
    for code, status in HTTP_STATUS.items():
        found.setdefault(status, set()).add(code)
    return {status: sorted(codes) for status, codes in sorted(found.items())}
