"""Request bodies of the admin API.

Only shape and size are checked here (a body that does not fit is 400 ``malformed``);
the services check the meaning (422) so the CLI gets the same rules. Unknown fields are
refused, to catch typos before they silently do nothing.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import msgspec

Short = Annotated[str, msgspec.Meta(max_length=64)]
Text = Annotated[str, msgspec.Meta(max_length=200)]


class _Body(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Base of every admin request body."""


class NewTenant(_Body, frozen=True):
    """``POST /api/v1/tenants``."""

    slug: Short
    name: Text
    currency: Short = "KES"


class NewOutlet(_Body, frozen=True):
    """``POST /api/v1/outlets``; currency defaults to the tenant's."""

    code: Short
    name: Text
    timezone: Short
    currency: Short | None = None
    settings: dict[str, Any] | None = None


class NewEnrollmentCode(_Body, frozen=True):
    """``POST /api/v1/outlets/{code}/enrollment-codes``."""

    device_code: Short
    expires_hours: int = 24


class Enroll(msgspec.Struct, frozen=True):
    """``POST /api/v1/enroll``: a device redeems a code with the id it made itself.

    Unknown fields are ignored here: a newer agent may send more.
    """

    code: Short
    device_id: uuid.UUID
    name: Text = ""
    agent_version: Short = ""


class StaffMember(_Body, frozen=True):
    """``PUT /api/v1/staff/{id}``; leave ``pin`` or ``outlets`` out to keep the current one.

    ``outlets``: the outlet codes whose tills sign the staff member in (and hold their
    PIN hash), or ``"all"``; a new staff member without it works at every outlet.
    """

    name: Text
    role: Annotated[str, msgspec.Meta(max_length=128)]
    pin: Annotated[str, msgspec.Meta(max_length=16)] | None = None
    outlets: (
        Annotated[list[Annotated[str, msgspec.Meta(max_length=128)]], msgspec.Meta(max_length=1000)]
        | Literal["all"]
        | None
    ) = None


class Resolve(_Body, frozen=True):
    """``POST /api/v1/conflicts/{id}/resolve``: one write's op id, or a new value."""

    op_id: Short | None = None
    value: Any = msgspec.UNSET


class ConfirmPayment(_Body, frozen=True):
    """``POST /api/v1/payments/{id}/confirm``: the authorization or SMS reference, if any."""

    reference: Short | None = None


class DeclinePayment(_Body, frozen=True):
    """``POST /api/v1/payments/{id}/decline``: why the tender was declined."""

    reason: Annotated[str, msgspec.Meta(max_length=500)]


class Settle(_Body, frozen=True):
    """``POST /api/v1/quarantine/{id}/release|discard``: why, for the audit trail."""

    note: Annotated[str, msgspec.Meta(max_length=500)] = ""


class TenantCreated(msgspec.Struct, frozen=True):
    """The answer to ``POST /api/v1/tenants``: the admin token is shown only here."""

    slug: str
    name: str
    currency: str
    admin_token: str


class NewAdminToken(_Body, frozen=True):
    """``POST /api/v1/admin-tokens``: another admin token for the caller's tenant."""

    name: Text
    expires_days: int = 90
