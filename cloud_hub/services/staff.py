"""Staff members: an admin sends a PIN, devices receive only its scrypt hash, and only
the devices of the outlets the staff member works at (:mod:`cloud_hub.services.verifiers`).
"""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.services import hub_writer, pins, reference
from cloud_hub.services.errors import InvalidInput, PinInUse, PinTooShort
from cloud_hub.services.tenancy import Tenant

#: What ``outlets`` means when a staff document has none: every outlet of the tenant.
ALL_OUTLETS = "all"


async def put_staff(
    conn: AsyncConnection,
    tenant: Tenant,
    staff_id: str,
    *,
    name: str,
    role: str,
    pin: str | None,
    now_ms: int,
    outlets: list[str] | str | None = None,
    salt: bytes | None = None,
) -> reference.Written:
    """Create or update a staff member; the PIN and outlets may be left out to keep them.

    Args:
        pin: 4-12 digits, at least the role's ``min_pin_length``; required for a new
            staff member, never stored as given.
        outlets: the outlet codes whose tills sign this staff member in, or ``"all"``;
            None keeps the current ones (``"all"`` for a new staff member).
        salt: a fixed salt (demo data only); a fresh random one otherwise.

    Raises:
        InvalidInput: a bad PIN, or none for a new staff member.
        PinTooShort: a PIN shorter than the role asks, or none given when the staff
            member moves to a role that asks for longer PINs than their old one.
        PinInUse: another staff member signs in with this PIN.
        DocumentInvalid, EntityDeleted: as :func:`reference.put` (an unknown outlet too).
    """
    await hub_writer.lock_writer(conn, tenant)
    existing = (await reference.current(conn, tenant, "staff", staff_id)).doc
    await _check_length(conn, tenant, staff_id, role, pin, existing)
    pin_hash = await _pin_hash(conn, tenant, staff_id, pin, existing, salt)
    doc: dict[str, Any] = {"name": name, "role": role, "pin_hash": pin_hash}
    if outlets is None and existing is not None:
        outlets = existing.get("outlets")
    if outlets is not None and outlets != ALL_OUTLETS:
        doc["outlets"] = outlets  # left out, the document means every outlet
    return await reference.put(conn, tenant, "staff", staff_id, doc, now_ms=now_ms)


def public(doc: dict[str, Any]) -> dict[str, Any]:
    """A staff document as the admin API shows it: without the PIN hash, with outlets."""
    shown = {key: value for key, value in doc.items() if key != "pin_hash"}
    return {"outlets": ALL_OUTLETS, **shown}


async def _min_length(conn: AsyncConnection, tenant: Tenant, role: str) -> int:
    found = (await reference.current(conn, tenant, "role", role)).doc or {}
    return int(found.get("min_pin_length", pins.MIN_LENGTH))


async def _check_length(
    conn: AsyncConnection,
    tenant: Tenant,
    staff_id: str,
    role: str,
    pin: str | None,
    existing: dict[str, Any] | None,
) -> None:
    wanted = await _min_length(conn, tenant, role)
    if pin is not None:
        if len(pins.check_pin(pin)) < wanted:
            raise PinTooShort(f"role {role!r} takes PINs of at least {wanted} digits")
        return
    if existing is None or existing["role"] == role:
        return
    # The hub cannot tell a kept PIN's length from its hash: a role asking for longer
    # PINs than the old one takes a new PIN with the move.
    if wanted > await _min_length(conn, tenant, existing["role"]):
        raise PinTooShort(
            f"role {role!r} takes PINs of at least {wanted} digits: "
            f"give staff member {staff_id!r} a new PIN with the new role"
        )


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
        if pins.is_current(existing["pin_hash"]):
            return str(existing["pin_hash"])
        return await asyncio.to_thread(pins.hash_pin, pin, salt)
    others = await reference.load(conn, tenant, "staff")
    for other_id, other in others.items():
        if other_id != staff_id and await asyncio.to_thread(
            pins.verify_pin, pin, other["pin_hash"]
        ):
            raise PinInUse("another staff member already uses this PIN; choose another")
    return await asyncio.to_thread(pins.hash_pin, pin, salt)
