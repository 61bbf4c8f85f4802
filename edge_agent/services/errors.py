"""Errors of the use cases, beside the domain's (``edge_agent.domain.errors``)::

DomainError
├── NotSignedIn           not_signed_in: no operator session, or an ended one
├── SessionExpired        session_expired: the session ran out (idle, or too old)
├── NoStaffYet            no_staff_yet: no staff member can sign in on this till yet (it
│                         has not pulled its staff from the hub)
├── TicketNotFound        ticket_not_found: (also LookupError) no such ticket
├── PaymentNotFound       payment_not_found: (also LookupError) no such tender on the ticket
├── PreauthNotFound       preauth_not_found: (also LookupError) no such card
│                         pre-authorisation on the tab
├── PreauthCaptured       preauth_captured: a tender captured the pre-authorisation
├── StaffNotFound         staff_not_found: (also LookupError) no such staff member
├── IdempotencyKeyReused  idempotency_key_reused: the key came with another request
├── NotInitialised        not_initialised: the device database has no identity yet
├── TicketHasPayments     ticket_has_payments: a void of a ticket that took money
├── DrawerNotOpen         drawer_not_open: no drawer session is open
├── DrawerAlreadyOpen     drawer_already_open: one is open already (session_id)
├── PayOutOverLimit       pay_out_over_limit: (a PermissionDenied) a pay-out above the
│                         outlet's limit without ``pay_out_above_limit``
├── ZOpenTickets          z_open_tickets: the outlet refuses a Z while tickets are open
│                         (``detail`` lists them)
├── ZNotFound             z_report_not_found: (also LookupError) no Z with this number
├── UnsyncedOps           unsynced_ops: close refused while ops are unsynced (count)
├── ZBeforeClose          z_before_close: a Z report before the drawer closed
├── ZAlreadyIssued        z_already_issued: the last session has its Z (number)
├── PrinterNotFound       printer_not_found: (also LookupError) no such printer
├── NoPrinter             no_printer: no configured printer can print this
├── AlreadyPrinted        receipt_already_printed: the original went; ask for a copy
├── NothingToPrint        nothing_to_print: e.g. a kitchen reprint before any send
├── PrintJobNotFound      print_job_not_found: (also LookupError) no such print job
├── PrintJobNotOpen       print_job_not_unconfirmed: only an unconfirmed (or failed)
│                         job can be sent again or marked printed
├── PrintJobNotCancellable print_job_not_cancellable: the job printed, is printing,
│                         or was cancelled or expired already
├── NothingToBump         nothing_to_bump: no line of the order at the station is
│                         behind the status asked (bumped already, or none sent there)
├── PrintersFileInvalid   printers_file_invalid: the printers file was not applied
├── PairingRequired       pairing_required: a request on the LAN listener without the
│                         client token of a device paired with this agent
├── PairingCodeInvalid    pairing_code_invalid: no open pairing code matches (wrong,
│                         used, expired or cancelled)
├── PairingThrottled      pairing_throttled: too many wrong codes lately
│                         (``retry_after_s``)
├── PairingNotFound       pairing_not_found: (also LookupError) no such paired device
├── MalformedBody         malformed_request: a request body that is not JSON
├── InvalidBody           invalid_request: a body not of the schema (type, bounds,
│                         nesting deeper than allowed)
└── ControlCharacter      control_character: text holding a control character
"""

from __future__ import annotations

from typing import Any

from edge_agent.domain.errors import DomainError, NotFound, PermissionDenied
from edge_agent.domain.rbac import Permission


class NotSignedIn(DomainError):
    """The request carries no valid operator session; sign in with a PIN."""

    code = "not_signed_in"


class NoStaffYet(DomainError):
    """No staff member can sign in on this till yet: it has not received its outlet's
    staff from the hub (a new device syncs first)."""

    code = "no_staff_yet"


class TicketNotFound(NotFound):
    """No ticket with this id on this device."""

    code = "ticket_not_found"
    entity = "ticket"


class PaymentNotFound(NotFound):
    """No tender with this id on the ticket."""

    code = "payment_not_found"
    entity = "payment"


class PreauthNotFound(NotFound):
    """No card pre-authorisation with this id on the tab."""

    code = "preauth_not_found"
    entity = "preauth"


class PreauthCaptured(DomainError):
    """A tender captured this card pre-authorisation already."""

    code = "preauth_captured"


class StaffNotFound(NotFound):
    """No staff member with this id on this device."""

    code = "staff_not_found"
    entity = "staff"


class IdempotencyKeyReused(DomainError):
    """An ``Idempotency-Key`` already used for a different request."""

    code = "idempotency_key_reused"


class NotInitialised(DomainError):
    """The device database was never initialised."""

    code = "not_initialised"


class TicketHasPayments(DomainError):
    """A ticket with payments cannot be voided; refund the payments first."""

    code = "ticket_has_payments"


class DrawerNotOpen(DomainError):
    """No drawer session is open on this device."""

    code = "drawer_not_open"


class PayOutOverLimit(PermissionDenied):
    """A pay-out above the outlet's limit, without ``pay_out_above_limit`` (``limit``)."""

    code = "pay_out_over_limit"

    def __init__(self, message: str, role: str, limit: int) -> None:
        super().__init__(Permission.PAY_OUT_ABOVE_LIMIT, role, message)
        self.limit = limit


class ZOpenTickets(DomainError):
    """The outlet refuses a Z report while tickets are open; ``detail`` lists them."""

    code = "z_open_tickets"

    def __init__(self, message: str, open_tickets: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.detail = {"open_tickets": open_tickets}


class ZNotFound(NotFound):
    """No Z report with this number on this device."""

    code = "z_report_not_found"
    entity = "Z report"


class DrawerAlreadyOpen(DomainError):
    """A drawer session is already open on this device (``session_id``)."""

    code = "drawer_already_open"

    def __init__(self, session_id: str) -> None:
        super().__init__(f"drawer session {session_id} is already open; close it first")
        self.session_id = session_id


class UnsyncedOps(DomainError):
    """The device holds ``count`` ops the hub has not acknowledged yet."""

    code = "unsynced_ops"

    def __init__(self, count: int) -> None:
        super().__init__(
            f"{count} operations are not synced yet; sync first or force with a manager PIN"
        )
        self.count = count


class ZBeforeClose(DomainError):
    """A Z report asked for while the drawer is open, or before any session closed."""

    code = "z_before_close"


class ZAlreadyIssued(DomainError):
    """The last closed session already has its Z report (``number``)."""

    code = "z_already_issued"

    def __init__(self, number: int) -> None:
        super().__init__(f"Z report {number} was already issued for the last closed session")
        self.number = number


class PrinterNotFound(NotFound):
    """No printer with this name is configured on this device."""

    code = "printer_not_found"
    entity = "printer"


class NoPrinter(DomainError):
    """No configured printer has the role this print needs (``role``)."""

    code = "no_printer"

    def __init__(self, role: str) -> None:
        super().__init__(f"no {role} printer is configured on this device")
        self.role = role


class AlreadyPrinted(DomainError):
    """The ticket's original receipt was printed (or queued); only a copy can follow."""

    code = "receipt_already_printed"


class NothingToPrint(DomainError):
    """The print asked for has no content (a kitchen reprint before any send)."""

    code = "nothing_to_print"


class PrintJobNotFound(NotFound):
    """No print job with this id on this device."""

    code = "print_job_not_found"
    entity = "print job"


class PrintJobNotOpen(DomainError):
    """The job is not waiting for a decision: only an unconfirmed job (or a failed one,
    to send again) can be settled."""

    code = "print_job_not_unconfirmed"


class PrintJobNotCancellable(DomainError):
    """Only a job still waiting (pending), unconfirmed or failed can be cancelled."""

    code = "print_job_not_cancellable"


class NothingToBump(DomainError):
    """No line of the order at the station is behind the status asked."""

    code = "nothing_to_bump"


class PrintersFileInvalid(DomainError):
    """The printers file does not describe printers; the running settings stay."""

    code = "printers_file_invalid"


class MalformedBody(DomainError):
    """A request body that is not JSON at all."""

    code = "malformed_request"


class InvalidBody(DomainError):
    """A request body that does not match its schema, or is nested too deep."""

    code = "invalid_request"


class ControlCharacter(DomainError):
    """Text in a request holds a control character."""

    code = "control_character"


class SessionExpired(DomainError):
    """The operator session ran out (idle too long, or past its longest life)."""

    code = "session_expired"


class PairingRequired(DomainError):
    """A request on the LAN listener without a valid paired-client token."""

    code = "pairing_required"


class PairingCodeInvalid(DomainError):
    """No open pairing code matches: wrong, already used, expired or cancelled."""

    code = "pairing_code_invalid"


class PairingThrottled(DomainError):
    """Too many wrong pairing codes lately; claims resume after ``retry_after_s``."""

    code = "pairing_throttled"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many wrong pairing codes; try again in {retry_after_s} s")
        self.retry_after_s = retry_after_s
        self.detail = {"retry_after_s": retry_after_s}


class PairingNotFound(NotFound):
    """No paired device with this id on this agent."""

    code = "pairing_not_found"
    entity = "paired device"
