"""Pairing endpoints, exported as ``PAIRING_HANDLERS`` for the app.

- ``POST   /api/v1/pairings``: a manager (``pair_devices``) or the device's service makes
  a one-time pairing code; the answer shows the LAN listener's address and the SHA-256
  fingerprint of its certificate, for the tablet to pin;
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
from litestar.params import FromPath, JSONBody

from edge_agent.domain import pairing as rules
from edge_agent.domain.errors import PermissionDenied
from edge_agent.domain.rbac import Permission
from edge_agent.http.access import LAN_OPEN, PUBLIC, SERVICE
from edge_agent.http.commands import operator_token
from edge_agent.services import pairing, staff
from edge_agent.store.gateway import Store

#: ``app.state`` key of the LAN listener's address and certificate (none: loopback only).
LAN_STATE = "lan_listener"
CLIENT_HEADER = "X-Pos-Client"

DeviceName = Annotated[str, msgspec.Meta(min_length=1, max_length=rules.NAME_MAX)]
CodeText = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]


@dataclass(frozen=True, slots=True)
class LanListener:
    """Where paired devices reach the agent, and the certificate they pin."""

    url: str
    certificate_sha256: str


class Claim(msgspec.Struct, forbid_unknown_fields=True):
    code: CodeText
    name: DeviceName


class PairingCodeAnswer(msgspec.Struct):
    id: str
    code: str
    expires_ms: int
    claim_url: str | None
    certificate_sha256: str | None


class ClaimAnswer(msgspec.Struct):
    id: str
    name: str
    client_token: str
    header: str = CLIENT_HEADER


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


@post("/api/v1/pairings", status_code=201, sync_to_thread=True)
def create_pairing_code(request: Request[Any, Any, Any], state: State) -> PairingCodeAnswer:
    """Make a one-time code for pairing a LAN device (a manager's action)."""
    made = pairing.create_code(_store(state), _manager(request), state.clock)
    lan: LanListener | None = state.get(LAN_STATE)
    return PairingCodeAnswer(
        made.id,
        made.code,
        made.expires_ms,
        f"{lan.url}/api/v1/pairing/claim" if lan else None,
        lan.certificate_sha256 if lan else None,
    )


@post(
    "/api/v1/pairing/claim",
    status_code=201,
    sync_to_thread=True,
    opt={PUBLIC: True, LAN_OPEN: True},
)
def claim_pairing(data: JSONBody[Claim], state: State) -> ClaimAnswer:
    """Pair this device with a one-time code; keep the client token it answers."""
    done = pairing.claim(_store(state), data.code, data.name, state.clock)
    return ClaimAnswer(done.id, done.name, done.token)


@get("/api/v1/pairings", sync_to_thread=True)
def list_pairings(request: Request[Any, Any, Any], state: State) -> dict[str, Any]:
    """The paired devices, and where and how they reach the agent."""
    _manager(request)
    lan: LanListener | None = state.get(LAN_STATE)
    with _store(state).read() as conn:
        clients = [asdict(c) for c in pairing.clients(conn)]
    return {
        "url": lan.url if lan else None,
        "certificate_sha256": lan.certificate_sha256 if lan else None,
        "clients": clients,
    }


@delete("/api/v1/pairings/{client_id:str}", status_code=204, sync_to_thread=True)
def revoke_pairing(request: Request[Any, Any, Any], client_id: FromPath[str], state: State) -> None:
    """Revoke a paired device: its token and its operator sessions end."""
    pairing.revoke(_store(state), client_id, _manager(request), state.clock)


PAIRING_HANDLERS = (create_pairing_code, claim_pairing, list_pairings, revoke_pairing)
