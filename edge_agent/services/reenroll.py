"""Enrolling an enrolled device again: a new device of the hub, the old bookkeeping reset.

``pos-agent enroll --force`` (or plain ``enroll`` once the hub has said the device is
revoked or retired) trades a new code for a new identity: the device proposes a new id
(kept, so a lost answer is retried with the same one), and then, exactly as a restored
device taking a successor (:func:`edge_agent.services.restore.adopt`), keeps the ops the
hub holds as pulled ones, re-issues the others under the new identity, and starts its
sync bookkeeping over: nothing acknowledged, no cursor, no quarantine verdicts, the
hub's current epoch. Its tenant and outlet cannot change once it has sold.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from edge_agent.services.restore import adopt, known_ops
from edge_agent.store import sync_state
from edge_agent.store.device import identity
from edge_agent.store.gateway import Store
from edge_agent.sync.client import HubClient
from edge_agent.sync.credentials import CredentialStore
from edge_agent.sync.enrollment import Enrolled, proposed_device_id, request_grant
from edge_agent.sync.errors import EnrollmentRefused, HubBadAnswer

REVOKED = "device_revoked"


def must_enroll_again(store: Store) -> bool:
    """Whether the device is enrolled already (a new enrollment makes it a new device)."""
    with store.read() as conn:
        has_identity = conn.execute("SELECT count(*) FROM device").fetchone()[0] == 1
        return has_identity and sync_state.read(conn).enrolled_ms is not None


def revoked(store: Store) -> bool:
    """Whether the hub's last answer was that this device is revoked or retired."""
    with store.read() as conn:
        return sync_state.read(conn).last_error_code == REVOKED


def enroll_again(
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
    """Enroll this enrolled device again as a new device of the hub.

    Raises:
        HubUnreachable, EnrollmentRefused (also ``identity_mismatch`` when a device that
        sold would change tenant or outlet), HubBadAnswer.
    """
    with store.write() as conn:
        mine = identity(conn)
        has_sold = sync_state.positions(conn).last_seq > 0
        device_id = proposed_device_id(conn, clock)
    body = {"code": code, "device_id": str(device_id), "name": name, "agent_version": agent_version}
    grant = request_grant(hub_url, body, transport=transport)
    if grant.device_id != device_id:
        raise HubBadAnswer(f"the hub enrolled device {grant.device_id}, not {device_id}")
    if has_sold and (grant.tenant.slug, grant.outlet.code) != (mine.tenant, mine.outlet):
        raise EnrollmentRefused(
            "identity_mismatch",
            f"this device sold at {mine.outlet} ({mine.tenant}); the code is for "
            f"{grant.outlet.code} ({grant.tenant.slug}): use a code of {mine.outlet}",
        )
    with HubClient(hub_url, grant.credential, transport=transport) as client:
        known = known_ops(store, client, mine)
    with store.write() as conn:
        if not has_sold:
            conn.execute(
                "UPDATE device SET tenant = ?, outlet = ?, currency = ?, timezone = ?",
                (
                    grant.tenant.slug,
                    grant.outlet.code,
                    grant.outlet.currency or grant.tenant.currency,
                    grant.outlet.timezone,
                ),
            )
        adopt(
            conn,
            device_id=grant.device_id,
            device_code=grant.device_code,
            hub_epoch=grant.hub_epoch,
            known=known,
            clock=clock,
            reason="enroll",
        )
        sync_state.set_enrolled(conn, hub_url.rstrip("/"), grant.hub_epoch, clock())
        conn.execute(
            "UPDATE sync_state SET last_error_ms = NULL, last_error_code = NULL,"
            " last_error_message = NULL, clock_skew_ms = NULL WHERE id = 1"
        )
        location = credentials.save(str(grant.device_id), grant.credential)
        me = identity(conn)
    return Enrolled(me, hub_url, location)
