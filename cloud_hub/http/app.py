"""The hub's litestar application factory."""

from __future__ import annotations

import msgspec
from litestar import Litestar, get
from litestar.openapi import OpenAPIConfig

from sync_protocol import PROTOCOL_VERSION, SCHEMA_VERSION


class Health(msgspec.Struct, frozen=True):
    """Liveness answer."""

    status: str
    service: str
    protocol_version: int
    schema_version: int


@get("/health", sync_to_thread=False)
def health() -> Health:
    """Tell a load balancer the hub is up."""
    return Health("ok", "pos-hub", PROTOCOL_VERSION, SCHEMA_VERSION)


def create_app() -> Litestar:
    """Build the hub application."""
    return Litestar(
        route_handlers=[health],
        openapi_config=OpenAPIConfig(title="BengoBox POS hub", version="0.1.0", path="/schema"),
    )
