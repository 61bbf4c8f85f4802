"""Pairing endpoints, exported as ``PAIRING_HANDLERS`` for the app.

- ``POST   /api/v1/pairings``: a manager (``pair_devices``) or the device's service makes
  a one-time pairing code (``?kiosk=true``: for a self-order kiosk); the answer shows
  the LAN listener's address and the SHA-256 fingerprint of its certificate, for the
  tablet to pin;
- ``POST   /api/v1/pairing/claim``: the tablet trades the code and its name for a client
  token, shown once (no credential needed, on either listener);
- ``GET    /api/v1/pairings``: the paired devices (revoked ones included);
- ``DELETE /api/v1/pairings/{id}``: revoke one; its token and sessions end.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Any

import msgspec
from litestar import Request, delete, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody, Parameter

from edge_agent.domain.errors import PermissionDenied
from edge_agent.domain.rbac import Permission
from edge_agent.http.access import LAN_OPEN, PUBLIC, SERVICE
from edge_agent.http.commands import operator_token
from edge_agent.http.openapi import MORE_ERRORS
from edge_agent.http.schemas.pairing import Claim, Paired, PairingCode, Pairings
from edge_agent.services import pairing, staff
from edge_agent.store.gateway import Store

#: ``app.state`` key of the LAN listener's address and certificate (none: loopback only).
LAN_STATE = "lan_listener"


@dataclass(frozen=True, slots=True)
class LanListener:
    """Where paired devices reach the agent, and the certificate they pin."""

    url: str
    certificate_sha256: str


def _store(state: State) -> Store:
    store: Store = state.store
    return store


def _manager(request: Request[Any, Any, Any]) -> str:
    """Who manages pairings: the service, or an operator with ``pair_devices``.

    Raises:
        PermissionDenied: the operator's role lacks ``pair_devices``.
    """
    if request.state.get("principal") == SERVICE:
        return SERVICE
    with _store(request.app.state).read() as conn:
        who = staff.operator(conn, operator_token(request))
    if Permission.PAIR_DEVICES not in who.role.permissions:
        raise PermissionDenied(Permission.PAIR_DEVICES, who.role.name)
    return who.staff_id


@post("/api/v1/pairings", summary="Make a pairing code", status_code=201, sync_to_thread=True)
def create_pairing_code(
    request: Request[Any, Any, Any],
    state: State,
    kiosk: Annotated[
        bool,
        Parameter(
            description="Pair a self-order kiosk: no staff sign-in, only the kiosk's rights."
        ),
    ] = False,
) -> PairingCode:
    """Make a one-time code for pairing a LAN device: a manager with `pair_devices`, or
    the device's service. The answer shows where the device claims it and the certificate
    fingerprint it pins. A kiosk code pairs a self-order kiosk (ADR 0031)."""
    made = pairing.create_code(_store(state), _manager(request), state.clock, kiosk=kiosk)
    lan: LanListener | None = state.get(LAN_STATE)
    return PairingCode(
        made.id,
        made.code,
        made.expires_ms,
        f"{lan.url}/api/v1/pairing/claim" if lan else None,
        lan.certificate_sha256 if lan else None,
        made.kiosk,
    )


@post(
    "/api/v1/pairing/claim",
    summary="Pair a device with a code",
    status_code=201,
    sync_to_thread=True,
    opt={PUBLIC: True, LAN_OPEN: True, MORE_ERRORS: (429,)},
)
def claim_pairing(data: JSONBody[Claim], state: State) -> Paired:
    """Pair this device with a one-time code; keep the client token it answers and send
    it in `X-Pos-Client` with every request. Five wrong codes cancel every open code and
    refuse claims for a while (429 `pairing_throttled`, with `Retry-After`)."""
    done = pairing.claim(_store(state), data.code, data.name, state.clock)
    return Paired(done.id, done.name, done.token, kiosk=done.kiosk)


@get("/api/v1/pairings", summary="List paired devices", sync_to_thread=True)
def list_pairings(request: Request[Any, Any, Any], state: State) -> Pairings:
    """The paired devices (revoked ones included), and where and how they reach the agent."""
    _manager(request)
    lan: LanListener | None = state.get(LAN_STATE)
    with _store(state).read() as conn:
        clients = [asdict(c) for c in pairing.clients(conn)]
    return msgspec.convert(
        {
            "url": lan.url if lan else None,
            "certificate_sha256": lan.certificate_sha256 if lan else None,
            "clients": clients,
        },
        Pairings,
    )


@delete(
    "/api/v1/pairings/{client_id:str}",
    summary="Revoke a paired device",
    status_code=204,
    sync_to_thread=True,
)
def revoke_pairing(request: Request[Any, Any, Any], client_id: FromPath[str], state: State) -> None:
    """Revoke a paired device: its token and its operator sessions end."""
    pairing.revoke(_store(state), client_id, _manager(request), state.clock)


PAIRING_HANDLERS = (create_pairing_code, claim_pairing, list_pairings, revoke_pairing)
