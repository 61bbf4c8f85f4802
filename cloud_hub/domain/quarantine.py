"""Why the hub sets a pushed op aside instead of merging it.

A quarantined op is kept (table ``quarantine``) and reported to the device with a code
and a reason, but it is never merged and never served by pull; ``last_applied_seq``
moves past it, so it never blocks the ops behind it. The checks run in this order:

===================== ============================================================
code                  when
===================== ============================================================
malformed             the op did not decode (:mod:`cloud_hub.domain.push` finds those)
wrong_device          its device_id, tenant or outlet is not the credential's
read_only             a device op on hub-written data (entity ``ref.*`` or
                      ``device.*``), or other than an event on an entity the
                      tenant's outlets share
foreign_outlet_entity it changes or names an entity of another outlet of the tenant
                      (or a hub-written one): :mod:`cloud_hub.domain.outlet_scope`
schema_too_new        its schema_version is newer than the hub's
clock_drift           its HLC wall time is more than 5 minutes ahead of the hub's clock
unmergeable           the merge rules refuse it (a status on an entity with no lifecycle)
unknown_status        a status its entity's lifecycle does not have
===================== ============================================================
"""

from __future__ import annotations

from cloud_hub.domain.outlet_scope import Owners, outlet_refusal
from cloud_hub.domain.refusals import Refusal, Writer
from sync_protocol import SCHEMA_VERSION, EntityState, Op, StatusChange, apply_op
from sync_protocol.errors import ClockDriftError, MergeError
from sync_protocol.hlc import DEFAULT_MAX_DRIFT_MS, ensure_within_drift

#: Entity name prefixes only the hub writes; a device op on them is ``read_only``.
HUB_WRITTEN_PREFIXES = ("ref.", "device.")

__all__ = ["HUB_WRITTEN_PREFIXES", "Refusal", "Writer", "refusal"]


def refusal(
    op: Op,
    writer: Writer,
    hub_now_ms: int,
    max_drift_ms: int = DEFAULT_MAX_DRIFT_MS,
    *,
    owners: Owners | None = None,
) -> Refusal | None:
    """Return why ``op`` must be quarantined, or None if the hub can merge it.

    Args:
        op: the op, decoded.
        writer: who pushes it, as the credential says.
        hub_now_ms: the hub's clock.
        max_drift_ms: how far ahead of the hub's clock an op may be stamped.
        owners: the owning outlet of each entity the op names that the hub holds
            (:func:`cloud_hub.store.owners.owners`); None: the hub holds none of them.
    """
    if op.device_id != writer.device_id:
        return Refusal("wrong_device", f"op carries device_id {op.device_id}, not the sender's")
    if (op.tenant, op.outlet) != (writer.tenant, writer.outlet):
        return Refusal(
            "wrong_device",
            f"op is for {op.tenant}/{op.outlet}; this device is {writer.tenant}/{writer.outlet}",
        )
    if op.entity.startswith(HUB_WRITTEN_PREFIXES):
        return Refusal("read_only", f"entity {op.entity!r} is written by the hub only")
    outside = outlet_refusal(op, writer.outlet_id, owners or {})
    if outside is not None:
        return outside
    if op.schema_version > SCHEMA_VERSION:
        return Refusal(
            "schema_too_new",
            f"op schema {op.schema_version} is newer than the hub's ({SCHEMA_VERSION})",
        )
    try:
        ensure_within_drift(op.hlc, hub_now_ms, max_drift_ms)
        if isinstance(op, StatusChange):
            # Only a status change can be refused by the merge (section 13.4), and its
            # checks come before the duplicate check: a fresh state tells.
            apply_op(EntityState(op.entity, op.entity_id), op)
    except ClockDriftError as exc:
        return Refusal(
            exc.code,
            f"op stamped {exc.ahead_ms} ms ahead of the hub's clock; the limit is "
            f"{exc.max_drift_ms} ms",
        )
    except MergeError as exc:
        return Refusal(exc.code, str(exc))
    return None
