"""Errors of the hub's registry, enrollment, reference-data and report use cases::

HubError                          code (HTTP status: cloud_hub.http.errors)
├── InvalidInput (ValueError)     invalid_input: a value the use case refuses
│   ├── Malformed                 malformed: a body that is not the expected shape
│   ├── DocumentInvalid           invalid_document: a reference document is wrong
│   └── PinTooShort               pin_too_short: shorter than the staff member's role asks
├── Unauthorized                  unauthorized: missing or unknown credential
│   ├── AdminTokenRevoked         admin_token_revoked: the admin token was revoked
│   ├── AdminTokenExpired         admin_token_expired: the admin token is past its expiry
│   └── DemoTokenRefused          demo_token_refused: the demo token, on a hub not in demo
├── NotFound (LookupError)        not_found: carries ``kind`` and ``key``
│   └── EnrollmentCodeUnknown     enrollment_code_unknown: unknown, expired or used code
├── AlreadyExists                 already_exists: carries ``kind`` and ``key``
│   ├── DeviceAlreadyEnrolled     device_already_enrolled: that device id exists
│   └── DeviceCodeTaken           device_code_taken: the outlet has that device code
├── StateConflict                 state_conflict: refused in the current state
│   ├── StillReferenced           still_referenced: other documents name it
│   ├── EntityDeleted             entity_deleted: ids are not reused after deletion
│   ├── PinInUse                  pin_in_use: another staff member has that PIN
│   ├── ConflictResolved          conflict_resolved: the conflict is settled already
│   ├── PaymentAlreadySettled     payment_already_settled: the tender has the other outcome
│   ├── QuarantineSettled         quarantine_settled: the held op was released or discarded
│   ├── StillRefused              still_refused: the held op's cause is still there
│   └── IdempotencyKeyReused      idempotency_key_reused: the key came with another request
├── RateLimited                   rate_limited: too many failures; carries ``retry_after_s``
└── SyncRefused                   sync_refused: a /sync/v1 request refused whole
    ├── DeviceRevoked             device_revoked: the credential's device is revoked
    ├── WrongDevice               wrong_device: the body names another device
    ├── UnsupportedProtocol       unsupported_protocol: a protocol the hub does not speak
    ├── SchemaTooNew              schema_too_new: a schema newer than the hub's
    ├── BatchTooLarge             batch_too_large: more ops than ``max_batch``
    ├── ResetRequired             reset_required: the device's history is behind the hub's
    └── NotDiverged               not_diverged: a successor asked for by a device in step
"""

from __future__ import annotations


class HubError(Exception):
    """Base of every error the hub's admin use cases raise."""

    code = "hub_error"


class InvalidInput(HubError, ValueError):
    """A value the use case refuses: a bad slug, timezone, currency, PIN..."""

    code = "invalid_input"


class Malformed(InvalidInput):
    """A request body that is not the shape the endpoint takes."""

    code = "malformed"


class DocumentInvalid(InvalidInput):
    """A reference document that the devices could not use."""

    code = "invalid_document"


class PinTooShort(InvalidInput):
    """A PIN shorter than the ``min_pin_length`` of the staff member's role."""

    code = "pin_too_short"


class Unauthorized(HubError):
    """No credential, or one the hub does not know (or has revoked)."""

    code = "unauthorized"


class AdminTokenRevoked(Unauthorized):
    """An admin token that was revoked: it never works again."""

    code = "admin_token_revoked"


class AdminTokenExpired(Unauthorized):
    """An admin token past its expiry."""

    code = "admin_token_expired"


class DemoTokenRefused(Unauthorized):
    """The public demo admin token, sent to a hub not started with ``--demo``."""

    code = "demo_token_refused"


class NotFound(HubError, LookupError):
    """Nothing of ``kind`` with ``key`` in the caller's tenant."""

    code = "not_found"

    def __init__(self, kind: str, key: str, message: str | None = None) -> None:
        super().__init__(message or f"no {kind} {key!r}")
        self.kind = kind
        self.key = key


class EnrollmentCodeUnknown(NotFound):
    """An enrollment code never issued, expired or already used.

    One answer for all three, so a code cannot be probed without being spent.
    """

    code = "enrollment_code_unknown"

    def __init__(self) -> None:
        message = "unknown, expired or already used enrollment code"
        super().__init__("enrollment code", "", message)


class AlreadyExists(HubError):
    """Something of ``kind`` with ``key`` exists already."""

    code = "already_exists"

    def __init__(self, kind: str, key: str, message: str | None = None) -> None:
        super().__init__(message or f"{kind} {key!r} exists already")
        self.kind = kind
        self.key = key


class DeviceAlreadyEnrolled(AlreadyExists):
    """A device with this id is enrolled already."""

    code = "device_already_enrolled"


class DeviceCodeTaken(AlreadyExists):
    """The outlet already has a device with this code (codes are never reused)."""

    code = "device_code_taken"


class StateConflict(HubError):
    """The change is refused in the current state of the data."""

    code = "state_conflict"


class StillReferenced(StateConflict):
    """A document other documents still name cannot be deleted."""

    code = "still_referenced"


class EntityDeleted(StateConflict):
    """A deleted reference id is never written again (a deletion is final)."""

    code = "entity_deleted"


class PinInUse(StateConflict):
    """Another staff member already signs in with this PIN."""

    code = "pin_in_use"


class ConflictResolved(StateConflict):
    """The conflict was resolved already; edit the field to change it again."""

    code = "conflict_resolved"


class PaymentAlreadySettled(StateConflict):
    """A confirmation of a declined tender, or a decline of a confirmed one."""

    code = "payment_already_settled"


class QuarantineSettled(StateConflict):
    """The quarantined op was released or discarded already; that is final."""

    code = "quarantine_settled"


class StillRefused(StateConflict):
    """The quarantined op still cannot be merged: what set it aside has not gone away."""

    code = "still_refused"


class IdempotencyKeyReused(StateConflict):
    """An ``Idempotency-Key`` already used for a different request by the same caller."""

    code = "idempotency_key_reused"


class RateLimited(HubError):
    """Too many failed attempts from the caller lately; retry after ``retry_after_s``."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class SyncRefused(HubError):
    """A device's sync request refused whole; nothing of it was applied.

    ``Unauthorized`` and ``Malformed`` refuse sync requests too; the sync endpoints
    answer every one of them as an ``ErrorMessage`` with the error's ``code``.
    """

    code = "sync_refused"


class DeviceRevoked(SyncRefused):
    """The credential's device has been revoked: it must not sync any more."""

    code = "device_revoked"


class WrongDevice(SyncRefused):
    """The body names another device than the credential's."""

    code = "wrong_device"


class UnsupportedProtocol(SyncRefused):
    """The device speaks a protocol version the hub does not."""

    code = "unsupported_protocol"


class SchemaTooNew(SyncRefused):
    """The device writes an op schema newer than the hub understands."""

    code = "schema_too_new"


class BatchTooLarge(SyncRefused):
    """A push with more ops than the hub's ``max_batch``."""

    code = "batch_too_large"


class ResetRequired(SyncRefused):
    """The device's op log ends below what the hub applied (restored from a backup)."""

    code = "reset_required"


class NotDiverged(SyncRefused):
    """A successor identity asked for by a device whose log the hub holds as it is."""

    code = "not_diverged"
