"""Unauthenticated operational endpoints: health and Prometheus metrics.

``/health`` reads one row of the database outside any transaction (never waiting for a
writer): 200 when the hub can serve, 503 ``unavailable`` while its database cannot.
Devices probe it while the hub does not answer them, so it stays that cheap.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Response, get
from litestar.datastructures import State

from cloud_hub.http.admin_context import transaction
from cloud_hub.http.openapi import admin_op
from cloud_hub.services import monitoring
from cloud_hub.store.engine import ping
from sync_protocol import PROTOCOL_VERSION, SCHEMA_VERSION

_METRICS = (
    ("pos_hub_tenants", "gauge", "Tenants on this hub.", "tenants", ""),
    (
        "pos_hub_devices",
        "gauge",
        "Enrolled devices by status.",
        "devices_active",
        'status="active"',
    ),
    ("pos_hub_devices", "", "", "devices_revoked", 'status="revoked"'),
    ("pos_hub_ops_total", "counter", "Ops stored (device pushes and hub writes).", "ops", ""),
    (
        "pos_hub_quarantined_ops",
        "gauge",
        "Quarantined ops held (neither released nor discarded).",
        "quarantined",
        "",
    ),
    ("pos_hub_open_conflicts", "gauge", "Conflicts not yet resolved.", "open_conflicts", ""),
)


class Health(msgspec.Struct, frozen=True):
    """Liveness answer."""

    status: Annotated[str, msgspec.Meta(description="`ok`: the hub can serve.")]
    service: Annotated[str, msgspec.Meta(description="`pos-hub`.")]
    protocol_version: Annotated[int, msgspec.Meta(description="Sync protocol version spoken.")]
    schema_version: Annotated[int, msgspec.Meta(description="Newest op schema version known.")]


@get(
    "/health",
    **admin_op(
        "Check that the hub can serve",
        "Whether the hub can serve: 200 when its database answers, 503 `unavailable` while "
        "it cannot. No credential; cheap enough for load balancers and waiting devices.",
        credential="",
    ),
)
async def health(state: State) -> Health:
    """Tell a load balancer, or a device waiting for the hub, that the hub can serve."""
    await ping(state.engine)
    return Health("ok", "pos-hub", PROTOCOL_VERSION, SCHEMA_VERSION)


@get(
    "/metrics",
    media_type="text/plain; version=0.0.4",
    **admin_op(
        "Read the hub-wide metrics",
        "Hub-wide counts (tenants, devices, ops, quarantined ops, open conflicts) in the "
        "Prometheus text format 0.0.4; no tenant names. No credential.",
        credential="",
    ),
)
async def metrics(state: State) -> Response[str]:
    """Hub-wide counts in the Prometheus text format (no tenant names)."""
    async with transaction(state) as conn:
        values = await monitoring.metrics(conn)
    return Response(render(values), media_type="text/plain; version=0.0.4")


def render(values: dict[str, int]) -> str:
    """The Prometheus exposition text of ``values``."""
    lines = []
    for name, kind, help_text, key, labels in _METRICS:
        if kind:
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
        lines.append(f"{name}{{{labels}}} {values[key]}" if labels else f"{name} {values[key]}")
    return "\n".join(lines) + "\n"


MONITORING_HANDLERS = [health, metrics]
