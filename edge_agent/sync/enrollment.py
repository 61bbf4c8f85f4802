"""Enrolling the device: trade a one-time code for a credential, adopt or check identity.

The device proposes its own ``device_id`` (ids are made on the device). A device that has
not sold yet adopts the hub's tenant, outlet, device code, currency and timezone. A device
that already has ops in its log keeps its identity, which must then equal the hub's:
otherwise enrollment is refused before anything is stored, since its receipts and ops
already carry the old names. A device enrolled already is refused here: enrolling it
again makes it a new device (``edge_agent.services.restore.enroll_again``).

A lost answer is retried with the same code: the device proposes the same id (kept in
``sync_state.proposed_device_id``) and the hub answers the same device, with a new
credential while that device has never synced.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import msgspec

from edge_agent.store import identities, sync_state
from edge_agent.store.device import DeviceIdentity, initialise
from edge_agent.store.gateway import Store
from edge_agent.sync.client import DEFAULT_TIMEOUT
from edge_agent.sync.credentials import CredentialStore
from edge_agent.sync.errors import EnrollmentRefused, HubBadAnswer, HubUnreachable
from sync_protocol import uuid7

_REFUSALS = {
    400: ("malformed", "the hub refused the enrollment request as malformed"),
    404: ("enrollment_code_unknown", "unknown, expired or already used enrollment code"),
    409: ("device_already_enrolled", "this device is already enrolled with the hub"),
    # Older hubs tell an expired code apart; newer ones answer 404 for it.
    410: ("enrollment_code_expired", "the enrollment code has expired; ask for a new one"),
    429: ("rate_limited", "too many failed enrollment attempts; wait, then try again"),
}


class TenantInfo(msgspec.Struct, frozen=True):
    slug: str
    name: str = ""
    currency: str = "KES"


class OutletInfo(msgspec.Struct, frozen=True):
    code: str
    timezone: str
    currency: str
    name: str = ""
    settings: dict[str, Any] = {}


class Grant(msgspec.Struct, frozen=True):
    """The hub's 201 answer to ``POST /api/v1/enroll``."""

    device_id: uuid.UUID
    device_code: str
    credential: str
    hub_epoch: str
    tenant: TenantInfo
    outlet: OutletInfo


@dataclass(frozen=True, slots=True)
class Enrolled:
    """The outcome: who the device is now, and where its credential is kept."""

    identity: DeviceIdentity
    hub_url: str
    credential_location: str


def request_grant(
    hub_url: str,
    body: dict[str, str],
    *,
    transport: httpx.BaseTransport | None = None,
) -> Grant:
    """Post the enrollment request.

    Raises:
        HubUnreachable: no answer.
        EnrollmentRefused: the hub refused the code (unknown, expired, ...).
        HubBadAnswer: the answer is not a grant.
    """
    url = hub_url.rstrip("/") + "/api/v1/enroll"
    try:
        with httpx.Client(transport=transport, timeout=DEFAULT_TIMEOUT) as http:
            response = http.post(url, json=body)
    except httpx.TransportError as exc:
        raise HubUnreachable(f"the hub at {hub_url} is unreachable: {exc}") from exc
    if response.status_code in _REFUSALS:
        code, message = _REFUSALS[response.status_code]
        raise EnrollmentRefused(code, message)
    if response.status_code != 201:
        raise HubBadAnswer(f"enrollment answered HTTP {response.status_code}")
    try:
        return msgspec.json.decode(response.content, type=Grant)
    except msgspec.DecodeError as exc:
        raise HubBadAnswer(f"enrollment answer is not a grant: {exc}") from exc


def enroll(
    store: Store,
    credentials: CredentialStore,
    hub_url: str,
    code: str,
    *,
    clock: Callable[[], int],
    name: str = "",
    agent_version: str = "",
    transport: httpx.BaseTransport | None = None,
) -> Enrolled:
    """Enroll this device with the hub and store its credential and hub URL.

    Raises:
        HubUnreachable, EnrollmentRefused (also ``identity_mismatch`` when a device that
        already sold would change names), HubBadAnswer.
    """
    with store.write() as conn:
        row = conn.execute(
            "SELECT device_id, tenant, outlet, device_code, currency, timezone, last_seq"
            " FROM device"
        ).fetchone()
        if row is not None and sync_state.read(conn).enrolled_ms is not None:
            raise EnrollmentRefused(
                "already_enrolled",
                f"this device is enrolled already as {row[2]}-{row[3]} ({row[0]}); "
                "enroll it again as a new device with --force",
            )
        # A device with no identity yet proposes the same id again after a lost answer.
        device_id = uuid.UUID(row[0]) if row else proposed_device_id(conn, clock)
    mine = None if row is None else DeviceIdentity(uuid.UUID(row[0]), *row[1:6])
    has_sold = row is not None and row[6] > 0
    body = {"code": code, "device_id": str(device_id), "name": name, "agent_version": agent_version}
    grant = request_grant(hub_url, body, transport=transport)
    if grant.device_id != device_id:
        raise HubBadAnswer(f"the hub enrolled device {grant.device_id}, not {device_id}")
    theirs = DeviceIdentity(
        device_id,
        grant.tenant.slug,
        grant.outlet.code,
        grant.device_code,
        grant.outlet.currency or grant.tenant.currency,
        grant.outlet.timezone,
    )
    if mine is not None and has_sold:
        _ensure_same_names(mine, theirs)
    with store.write() as conn:
        if mine is None:
            initialise(conn, theirs)
        elif not has_sold:
            conn.execute(
                "UPDATE device SET tenant = ?, outlet = ?, device_code = ?, currency = ?,"
                " timezone = ?",
                (
                    theirs.tenant,
                    theirs.outlet,
                    theirs.device_code,
                    theirs.currency,
                    theirs.timezone,
                ),
            )
        conn.execute("UPDATE device SET pull_cursor = NULL")
        sync_state.set_enrolled(conn, hub_url.rstrip("/"), grant.hub_epoch, clock())
        identities.propose_device_id(conn, None)
        # Saved inside the transaction: if the credential cannot be kept, nothing is.
        location = credentials.save(str(device_id), grant.credential)
    return Enrolled(mine if has_sold and mine else theirs, hub_url, location)


def proposed_device_id(conn: sqlite3.Connection, clock: Callable[[], int]) -> uuid.UUID:
    """The device id proposed to the hub for a new identity, made and kept on first use.

    Kept in ``sync_state`` until the identity is taken, so that a request whose answer
    was lost is retried with the same id (the hub then answers the same device).
    """
    proposed = identities.recovery(conn).proposed_device_id
    if proposed:
        return uuid.UUID(proposed)
    device_id = uuid7(clock())
    identities.propose_device_id(conn, str(device_id))
    return device_id


def _ensure_same_names(mine: DeviceIdentity, theirs: DeviceIdentity) -> None:
    ours = (mine.tenant, mine.outlet, mine.device_code)
    if ours != (theirs.tenant, theirs.outlet, theirs.device_code):
        raise EnrollmentRefused(
            "identity_mismatch",
            f"this device already sold as {mine.outlet}-{mine.device_code} ({mine.tenant}); "
            f"the code is for {theirs.outlet}-{theirs.device_code} ({theirs.tenant}): "
            f"enroll it with a code issued for {mine.outlet}-{mine.device_code}",
        )
