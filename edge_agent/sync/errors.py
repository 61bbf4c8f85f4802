"""Errors of talking to the hub. Every one carries a machine-readable ``code``::

SyncError                  sync_error: base; ``retry_after_s`` when the hub said when
├── NotEnrolled            not_enrolled: no hub URL or no device credential yet
├── HubUnreachable         hub_unreachable: no answer (network down, timeout, 502-504)
├── HubBadAnswer           hub_bad_answer: an answer that is not the protocol's
├── HubRefused             <the hub's code>: an ``ErrorMessage`` (rate_limited, ...)
│   └── CredentialRejected unauthorized / device_revoked: the device must enroll again
├── LogDiverged            reset_required: this device's log is not the one the hub
│                          applied (restored from a backup), found by the device
└── EnrollmentRefused      <code>: enrollment_code_unknown, enrollment_code_expired,
                           device_already_enrolled, identity_mismatch, malformed,
                           rate_limited

None of them ever stops the till: the scheduler records them and retries with backoff.
"""

from __future__ import annotations


class SyncError(Exception):
    """Talking to the hub failed; the device keeps selling and retries later."""

    code = "sync_error"

    def __init__(self, message: str, *, retry_after_s: int | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class NotEnrolled(SyncError):
    """The device has no hub URL or no credential: run ``pos-agent enroll``."""

    code = "not_enrolled"


class HubUnreachable(SyncError):
    """The hub did not answer (connection refused, timeout, gateway error)."""

    code = "hub_unreachable"


class HubBadAnswer(SyncError):
    """The hub answered something the protocol does not allow (a bug on one side)."""

    code = "hub_bad_answer"


class HubRefused(SyncError):
    """The hub refused the request with an ``ErrorMessage``; ``code`` is the hub's.

    Args:
        code: the hub's error code (section 12 of the protocol).
        message: the hub's words.
        status: the HTTP status it came with.
        retry_after_s: when set, do not retry sooner.
    """

    def __init__(
        self, code: str, message: str, *, status: int = 0, retry_after_s: int | None = None
    ) -> None:
        super().__init__(message, retry_after_s=retry_after_s)
        self.code = code
        self.status = status


class CredentialRejected(HubRefused):
    """The hub no longer accepts this device's credential (unknown or revoked)."""


class EnrollmentRefused(SyncError):
    """Enrollment was refused by the hub, or locally because identities differ.

    Args:
        code: e.g. ``enrollment_code_unknown`` or ``identity_mismatch``.
        message: one line for the person enrolling the device.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class LogDiverged(SyncError):
    """The hub holds another op than this device's at a sequence both have (a restore).

    Args:
        seq: the sequence where the logs differ.
        op_id: this device's own op id there (the proof sent with the successor request).
        message: what differs, in words.
    """

    code = "reset_required"

    def __init__(self, seq: int, op_id: str, message: str) -> None:
        super().__init__(message)
        self.seq = seq
        self.op_id = op_id
