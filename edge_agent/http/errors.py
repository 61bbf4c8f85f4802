"""The one place errors become HTTP statuses and machine-readable bodies."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from edge_agent.domain.errors import (
    BalanceDue,
    DomainError,
    KioskNotAllowed,
    NotFound,
    NothingDue,
    NothingToReinstate,
    PaymentAlreadySettled,
    PermissionDenied,
    RoleCannotSell,
    StaffLockedOut,
    TabLimitExceeded,
    TicketClosed,
    WrongPin,
)
from edge_agent.services.errors import (
    AlreadyPrinted,
    ControlCharacter,
    DrawerAlreadyOpen,
    DrawerNotOpen,
    IdempotencyKeyReused,
    InvalidBody,
    MalformedBody,
    NoPrinter,
    NoStaffYet,
    NothingToBump,
    NothingToPrint,
    NotInitialised,
    NotSignedIn,
    PairingCodeInvalid,
    PairingNotFound,
    PairingRequired,
    PairingThrottled,
    PaymentNotFound,
    PreauthCaptured,
    PrinterNotFound,
    PrintJobNotCancellable,
    PrintJobNotFound,
    PrintJobNotOpen,
    SessionExpired,
    TicketHasPayments,
    TicketNotFound,
    UnsyncedOps,
    ZAlreadyIssued,
    ZBeforeClose,
    ZNotFound,
    ZOpenTickets,
)

log = logging.getLogger(__name__)

_STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (InvalidBody, 400),
    (MalformedBody, 400),
    (ControlCharacter, 400),
    (TicketNotFound, 404),
    (PaymentNotFound, 404),
    (PrinterNotFound, 404),
    (PrintJobNotFound, 404),
    (ZNotFound, 404),
    (PairingNotFound, 404),
    (NotFound, 422),
    (NotSignedIn, 401),
    (SessionExpired, 401),
    (NoStaffYet, 409),
    (PairingRequired, 401),
    (PairingCodeInvalid, 401),
    (PairingThrottled, 429),
    (WrongPin, 401),
    (PermissionDenied, 403),
    (RoleCannotSell, 403),
    (KioskNotAllowed, 403),
    (StaffLockedOut, 423),
    (IdempotencyKeyReused, 409),
    (TicketClosed, 409),
    (BalanceDue, 409),
    (NothingDue, 409),
    (PaymentAlreadySettled, 409),
    (NothingToReinstate, 409),
    (TabLimitExceeded, 409),
    (TicketHasPayments, 409),
    (DrawerNotOpen, 409),
    (DrawerAlreadyOpen, 409),
    (UnsyncedOps, 409),
    (ZBeforeClose, 409),
    (ZAlreadyIssued, 409),
    (ZOpenTickets, 409),
    (NoPrinter, 409),
    (AlreadyPrinted, 409),
    (NothingToPrint, 409),
    (PrintJobNotOpen, 409),
    (PrintJobNotCancellable, 409),
    (NothingToBump, 409),
    (PreauthCaptured, 409),
    (NotInitialised, 503),
)


def status_for(error: DomainError) -> int:
    """The HTTP status of a domain or service error (422 unless listed)."""
    return status_of(type(error))


def status_of(error: type[DomainError]) -> int:
    """The HTTP status of a kind of domain or service error (422 unless listed)."""
    for kind, status in _STATUS:
        if issubclass(error, kind):
            return status
    return 422


def _body(code: str, message: str, detail: object = None) -> dict[str, object]:
    return {"code": code, "message": message, "detail": detail}


def domain_error(_: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, object]]:
    detail = getattr(exc, "detail", None)
    headers = {}
    if isinstance(exc, PairingThrottled):
        headers["Retry-After"] = str(exc.retry_after_s)
    return Response(_body(exc.code, str(exc), detail), status_code=status_for(exc), headers=headers)


#: What litestar raises when the client went away before its body arrived whole.
CLIENT_LEFT = "client disconnected prematurely"


def http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, object]]:
    if exc.detail == CLIENT_LEFT:  # bad input, not a bug: nobody is left to read the answer
        log.info("a client left before its request body arrived whole")
        message = "the request body did not arrive whole"
        return Response(_body("client_disconnected", message), status_code=400)
    if isinstance(exc, ValidationException):
        return Response(_body("invalid_request", exc.detail, exc.extra), status_code=400)
    code = {
        400: "malformed_request",
        404: "not_found",
        405: "method_not_allowed",
        413: "body_too_large",
        415: "unsupported_media_type",
    }.get(exc.status_code, "bad_request" if exc.status_code < 500 else "internal_error")
    return Response(_body(code, exc.detail), status_code=exc.status_code)


def internal_error(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, object]]:
    log.exception("unhandled error", exc_info=exc)
    return Response(_body("internal_error", "the agent hit an internal error"), status_code=500)


HANDLERS = {DomainError: domain_error, HTTPException: http_error, Exception: internal_error}
