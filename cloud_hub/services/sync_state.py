"""The canonical state hash of what the hub holds for one outlet, to compare with devices.

A device of the outlet holds the outlet's ops and the tenant's reference data, so the
hub's hash covers exactly those two scopes (``sync_protocol.state_hash`` over every
entity they touch). Once the device has pushed and pulled everything the two hashes
are equal; end-to-end tests compare them. Staff documents are folded as the outlet's
devices receive them (:mod:`cloud_hub.services.verifiers`).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.services import tenancy, verifiers
from cloud_hub.services.tenancy import Tenant
from cloud_hub.store.oplog import outlet_scope, scopes_state_hash, tenant_scope


async def outlet_state_hash(conn: AsyncConnection, tenant: Tenant, outlet_code: str) -> str:
    """The state hash over the outlet's scope plus its tenant's scope.

    Raises:
        NotFound: the tenant has no outlet with this code.
    """
    outlet = await tenancy.outlet_by_code(conn, tenant, outlet_code)
    keep = await verifiers.kept(conn, tenant.id, outlet.code, None)
    return await scopes_state_hash(
        conn,
        tenant.id,
        [outlet_scope(outlet.id), tenant_scope(tenant.id)],
        lambda op: verifiers.redact(op, keep),
    )
