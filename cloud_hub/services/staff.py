"""Staff members: an admin sends a PIN, devices receive only its scrypt hash."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.services import hub_writer, pins, reference
from cloud_hub.services.errors import InvalidInput, PinInUse
from cloud_hub.services.tenancy import Tenant


async def put_staff(
    conn: AsyncConnection,
    tenant: Tenant,
    staff_id: str,
    *,
    name: str,
    role: str,
    pin: str | None,
    now_ms: int,
    salt: bytes | None = None,
) -> reference.Written:
    """Create or update a staff member; the PIN may be left out to keep the current one.

    Args:
        pin: 4-8 digits; required for a new staff member, never stored as given.
        salt: a fixed salt (demo data only); a fresh random one otherwise.

    Raises:
        InvalidInput: a bad PIN, or none for a new staff member.
        PinInUse: another staff member signs in with this PIN.
        DocumentInvalid, EntityDeleted: as :func:`reference.put`.
    """
    await hub_writer.lock_writer(conn, tenant)
    existing = (await reference.current(conn, tenant, "staff", staff_id)).doc
    pin_hash = await _pin_hash(conn, tenant, staff_id, pin, existing, salt)
    doc = {"name": name, "role": role, "pin_hash": pin_hash}
    return await reference.put(conn, tenant, "staff", staff_id, doc, now_ms=now_ms)


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """A staff document as the admin API shows it: without the PIN hash."""
    return {key: value for key, value in doc.items() if key != "pin_hash"}


async def _pin_hash(
    conn: AsyncConnection,
    tenant: Tenant,
    staff_id: str,
    pin: str | None,
    existing: dict[str, Any] | None,
    salt: bytes | None,
) -> str:
    if pin is None:
        if existing is None:
            raise InvalidInput(f"staff member {staff_id!r} is new and needs a PIN")
        return str(existing["pin_hash"])
    pins.check_pin(pin)
    if existing is not None and await asyncio.to_thread(pins.verify_pin, pin, existing["pin_hash"]):
        return str(existing["pin_hash"])
    others = await reference.load(conn, tenant, "staff")
    for other_id, other in others.items():
        if other_id != staff_id and await asyncio.to_thread(
            pins.verify_pin, pin, other["pin_hash"]
        ):
            raise PinInUse("another staff member already uses this PIN; choose another")
    return await asyncio.to_thread(pins.hash_pin, pin, salt)
