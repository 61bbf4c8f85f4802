"""Checks for the names people choose: tenant slugs, outlet and device codes, zones.

Each check returns the value to store (trimmed or canonical) or raises
:class:`~cloud_hub.services.errors.InvalidInput` with a message a person can act on.
"""

from __future__ import annotations

import re
import uuid
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cloud_hub.services.errors import InvalidInput

#: Outlet code of hub-written tenant-scope ops; no outlet may take it.
HUB_OUTLET = "HUB"

_SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_OUTLET = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
_DEVICE = re.compile(r"[A-Z0-9]{1,16}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
MAX_NAME = 200


def slug(value: str) -> str:
    """A tenant slug: 1-64 of ``a-z 0-9 _ -``, starting with a letter or digit."""
    if not _SLUG.fullmatch(value):
        raise InvalidInput(f"tenant slug {value!r} must match ^[a-z0-9][a-z0-9_-]*$ (1-64)")
    return value


def outlet_code(value: str) -> str:
    """An outlet code: 1-32 of ``A-Z a-z 0-9 _ -``; ``HUB`` is reserved."""
    if not _OUTLET.fullmatch(value):
        raise InvalidInput(f"outlet code {value!r} must match ^[A-Za-z0-9][A-Za-z0-9_-]*$ (1-32)")
    if value.upper() == HUB_OUTLET:
        raise InvalidInput(f"outlet code {HUB_OUTLET!r} is reserved for hub-written data")
    return value


def device_code(value: str) -> str:
    """A device code: 1-16 upper-case letters and digits (it goes into receipt numbers)."""
    if not _DEVICE.fullmatch(value):
        raise InvalidInput(f"device code {value!r} must be 1-16 of A-Z and 0-9, e.g. D02")
    return value


def currency(value: str) -> str:
    """An ISO 4217 alphabetic code: three upper-case letters."""
    if not _CURRENCY.fullmatch(value):
        raise InvalidInput(f"currency {value!r} must be an ISO 4217 code such as KES")
    return value


def timezone(value: str) -> str:
    """An IANA time zone the hub's zone database knows, e.g. ``Africa/Nairobi``."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {value!r}; use an IANA name") from None
    return value


def name(value: str, what: str = "name") -> str:
    """A display name: 1-200 characters once trimmed, no control characters."""
    trimmed = value.strip()
    if not 1 <= len(trimmed) <= MAX_NAME or any(ord(c) < 32 or ord(c) == 127 for c in trimmed):
        raise InvalidInput(f"{what} must be 1-{MAX_NAME} printable characters")
    return trimmed


def document_id(value: str) -> str:
    """A reference document id: 1-128 of ``A-Z a-z 0-9 _ . : -``."""
    if not _ID.fullmatch(value):
        raise InvalidInput(f"id {value!r} must match ^[A-Za-z0-9][A-Za-z0-9_.:-]*$ (1-128)")
    return value


def device_id(value: str) -> str:
    """A device id: a UUID, returned in canonical lower-case form."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidInput(f"device id {value!r} is not a UUID") from None
