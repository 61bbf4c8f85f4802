"""Errors of the use cases, beside the domain's (``edge_agent.domain.errors``)::

DomainError
├── NotSignedIn           no operator session, or an ended one
├── TicketNotFound        (also LookupError) no ticket with that id
├── IdempotencyKeyReused  the key was used for a different request
└── NotInitialised        the device database has no identity yet
"""

from __future__ import annotations

from edge_agent.domain.errors import DomainError, NotFound


class NotSignedIn(DomainError):
    """The request carries no valid operator session; sign in with a PIN."""

    code = "not_signed_in"


class TicketNotFound(NotFound):
    """No ticket with this id on this device."""

    code = "ticket_not_found"
    entity = "ticket"


class IdempotencyKeyReused(DomainError):
    """An ``Idempotency-Key`` already used for a different request."""

    code = "idempotency_key_reused"


class NotInitialised(DomainError):
    """The device database was never initialised."""

    code = "not_initialised"
