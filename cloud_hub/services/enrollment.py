"""Enrollment: one-time, expiring codes that turn a device into a known, credentialed one.

An admin issues a code for (outlet, device code); the hub keeps its SHA-256 only. The
device redeems it with the id it made for itself and receives its credential (shown
once, kept hashed), the hub epoch and its tenant and outlet. Using the code and creating
the device happen in one transaction. Unknown and used codes get the same answer, so a
code cannot be probed.

A device that lost the answer sends the same code with the same device id again, within
the code's validity: it gets the same device with a new credential, as long as that
device has never synced (the hub keeps only credential digests).

Unknown, expired and used codes get one answer (same status, code and message, after
the same single lookup), and everything the request says apart from the code is checked
before the code is looked at, so nothing tells a live code from a dead one but spending
it. Guessing is throttled at the HTTP edge (``cloud_hub.http.enroll``).

Codes are 10 characters from an alphabet without look-alikes (no 0/O, 1/I/L), shown
grouped as ``K7QX-M3PA-9R``; dashes, spaces and letter case are ignored on entry.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.domain.projections import text
from cloud_hub.services import credentials, identifiers, tenancy
from cloud_hub.services.errors import (
    DeviceAlreadyEnrolled,
    DeviceCodeTaken,
    EnrollmentCodeUnknown,
    InvalidInput,
)
from cloud_hub.services.tenancy import Tenant
from cloud_hub.store import meta
from cloud_hub.store.models import devices, enrollment_codes

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
DEFAULT_EXPIRY_HOURS = 24
MAX_EXPIRY_HOURS = 24 * 30
HOUR_MS = 3_600_000


class IssuedCode(msgspec.Struct, frozen=True):
    """An enrollment code, as shown to the admin once."""

    code: Annotated[str, msgspec.Meta(description="The one-time code, grouped for reading aloud.")]
    outlet: Annotated[str, msgspec.Meta(description="The outlet's code.")]
    device_code: Annotated[str, msgspec.Meta(description="The device code it enrolls as.")]
    expires_ms: Annotated[
        int, msgspec.Meta(description="When the code stops working: Unix milliseconds (UTC).")
    ]


class EnrolledTenant(msgspec.Struct, frozen=True):
    """The tenant a device enrolled into."""

    slug: Annotated[str, msgspec.Meta(description="The tenant's slug.")]
    name: Annotated[str, msgspec.Meta(description="The tenant's name.")]
    currency: Annotated[str, msgspec.Meta(description="Default currency (ISO 4217).")]


class EnrolledOutlet(msgspec.Struct, frozen=True):
    """The outlet a device enrolled at."""

    code: Annotated[str, msgspec.Meta(description="The outlet's code.")]
    name: Annotated[str, msgspec.Meta(description="The outlet's name.")]
    timezone: Annotated[str, msgspec.Meta(description="IANA time zone.")]
    currency: Annotated[str, msgspec.Meta(description="Currency (ISO 4217).")]
    settings: Annotated[
        dict[str, Any] | None,
        msgspec.Meta(description="The outlet's settings (an OutletSettings document)."),
    ]


class Enrolled(msgspec.Struct, frozen=True):
    """What a device receives when it enrolls (the ``POST /api/v1/enroll`` answer)."""

    device_id: Annotated[str, msgspec.Meta(description="The device's id (its own UUID).")]
    device_code: Annotated[str, msgspec.Meta(description="The device's code in its outlet.")]
    credential: Annotated[
        str,
        msgspec.Meta(description="The device credential (bearer for /sync/v1), shown once."),
    ]
    hub_epoch: Annotated[str, msgspec.Meta(description="The hub's epoch (changes on restore).")]
    tenant: EnrolledTenant
    outlet: EnrolledOutlet


def new_code() -> str:
    """A fresh code, grouped for reading aloud: ``XXXX-XXXX-XX``."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise(code: str) -> str:
    """A code as typed, without dashes, spaces and letter case."""
    return "".join(code.split()).replace("-", "").upper()


async def issue(
    conn: AsyncConnection,
    tenant: Tenant,
    outlet_code: str,
    device_code: str,
    *,
    now_ms: int,
    expires_hours: int = DEFAULT_EXPIRY_HOURS,
) -> IssuedCode:
    """Issue a code that enrolls one device as ``device_code`` at the outlet.

    Unused codes issued before for the same device code stop working.

    Raises:
        NotFound: the tenant has no such outlet.
        InvalidInput: a bad device code or expiry.
        DeviceCodeTaken: the outlet already has a device with this code.
    """
    outlet = await tenancy.outlet_by_code(conn, tenant, outlet_code)
    identifiers.device_code(device_code)
    if not 1 <= expires_hours <= MAX_EXPIRY_HOURS:
        raise InvalidInput(f"a code expires after 1 to {MAX_EXPIRY_HOURS} hours")
    await _ensure_code_free(conn, tenant.id, outlet.id, device_code)
    earlier = sa.and_(
        enrollment_codes.c.outlet_id == outlet.id,
        enrollment_codes.c.device_code == device_code,
        enrollment_codes.c.used_ms.is_(None),
        enrollment_codes.c.expires_ms > now_ms,
    )
    await conn.execute(sa.update(enrollment_codes).where(earlier).values(expires_ms=now_ms))
    code, expires_ms = new_code(), now_ms + expires_hours * HOUR_MS
    await conn.execute(
        sa.insert(enrollment_codes).values(
            code_hash=credentials.digest(normalise(code)),
            tenant_id=tenant.id,
            outlet_id=outlet.id,
            device_code=device_code,
            created_ms=now_ms,
            expires_ms=expires_ms,
        )
    )
    return IssuedCode(code, outlet.code, device_code, expires_ms)


async def redeem(
    conn: AsyncConnection,
    code: str,
    device_id: str,
    *,
    name: str = "",
    agent_version: str = "",
    now_ms: int,
) -> Enrolled:
    """Use a code: create the device and give it its credential.

    Raises:
        EnrollmentCodeUnknown: no such code, or it expired, or it was used.
        DeviceAlreadyEnrolled: a device with this id exists (and this is not a retry).
        DeviceCodeTaken: the outlet got a device with this code meanwhile.
        InvalidInput: a device id that is not a UUID, or a name with control characters.
    """
    # Everything but the code first: these answers must not depend on the code.
    device_id = identifiers.device_id(device_id)
    name = identifiers.name(name, "device name") if name.strip() else ""
    # Only shown to managers: a version a column cannot hold is left out, not refused.
    agent_version = text(agent_version, 64) or ""
    row = (
        await conn.execute(
            sa.select(enrollment_codes).where(
                enrollment_codes.c.code_hash == credentials.digest(normalise(code))
            )
        )
    ).first()
    # A device id is the device's own: unique within the code's tenant, not hub-wide. A
    # code the hub never issued names no tenant: any enrolled device answers the same as
    # with a live code, so a known device id cannot tell live codes apart.
    tenant_id = row.tenant_id if row is not None else None
    if row is not None and row.expires_ms <= now_ms:
        row = None
    retry = row is not None and row.used_ms is not None and row.device_id == device_id
    if not retry and await _enrolled_already(conn, tenant_id, device_id):
        raise DeviceAlreadyEnrolled("device", device_id)
    if row is None or (row.used_ms is not None and not retry):
        raise EnrollmentCodeUnknown()
    if retry:
        return await _redeem_again(conn, row, device_id)
    await _ensure_code_free(conn, row.tenant_id, row.outlet_id, row.device_code)
    used = await conn.execute(
        sa.update(enrollment_codes)
        .where(enrollment_codes.c.code_hash == row.code_hash, enrollment_codes.c.used_ms.is_(None))
        .values(used_ms=now_ms, device_id=device_id)
    )
    if used.rowcount != 1:
        raise EnrollmentCodeUnknown()
    credential = credentials.new_token()
    await conn.execute(
        sa.insert(devices).values(
            id=device_id,
            tenant_id=row.tenant_id,
            outlet_id=row.outlet_id,
            code=row.device_code,
            name=name or f"{await _outlet_code(conn, row)}-{row.device_code}",
            credential_hash=credentials.digest(credential),
            status="active",
            created_ms=now_ms,
            agent_version=agent_version,
        )
    )
    return await _enrolled(conn, row, device_id, credential)


async def _redeem_again(conn: AsyncConnection, row: Any, device_id: str) -> Enrolled:
    """A retry of a redemption whose answer was lost: same code, same device id.

    The hub keeps only the credential's digest, so it cannot send the first credential
    again; it gives the device a new one instead, which is safe as long as the device
    has never synced (nobody can be using the first one). Anything else is a used code.
    """
    credential = credentials.new_token()
    rotated = await conn.execute(
        sa.update(devices)
        .where(
            devices.c.tenant_id == row.tenant_id,
            devices.c.id == device_id,
            devices.c.status == "active",
            devices.c.last_seen_ms.is_(None),
        )
        .values(credential_hash=credentials.digest(credential))
    )
    if rotated.rowcount != 1:
        raise EnrollmentCodeUnknown()
    return await _enrolled(conn, row, device_id, credential)


async def _outlet_code(conn: AsyncConnection, row: Any) -> str:
    tenant = await tenancy.tenant_by_id(conn, row.tenant_id)
    return (await tenancy.outlet_by_id(conn, tenant, row.outlet_id)).code


async def _enrolled(conn: AsyncConnection, row: Any, device_id: str, credential: str) -> Enrolled:
    tenant = await tenancy.tenant_by_id(conn, row.tenant_id)
    outlet = await tenancy.outlet_by_id(conn, tenant, row.outlet_id)
    return Enrolled(
        device_id,
        row.device_code,
        credential,
        await meta.ensure_epoch(conn),
        EnrolledTenant(tenant.slug, tenant.name, tenant.currency),
        EnrolledOutlet(outlet.code, outlet.name, outlet.timezone, outlet.currency, outlet.settings),
    )


async def _enrolled_already(conn: AsyncConnection, tenant_id: str | None, device_id: str) -> bool:
    """Whether the tenant (any tenant, for None) has a device of this id."""
    query = sa.select(devices.c.id).where(devices.c.id == device_id).limit(1)
    if tenant_id is not None:
        query = query.where(devices.c.tenant_id == tenant_id)
    return await conn.scalar(query) is not None


async def _ensure_code_free(
    conn: AsyncConnection, tenant_id: str, outlet_id: str, device_code: str
) -> None:
    taken = await conn.scalar(
        sa.select(devices.c.id).where(
            devices.c.tenant_id == tenant_id,
            devices.c.outlet_id == outlet_id,
            devices.c.code == device_code,
        )
    )
    if taken is not None:
        raise DeviceCodeTaken("device code", device_code, f"the outlet already has {device_code}")
