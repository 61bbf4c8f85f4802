"""Who may call the agent's API: a signed-in operator, or the device's own service.

Every route but ``/health``, PIN sign-in and the OpenAPI documents needs
``Authorization: Bearer <token>`` with either

- an operator session token from ``POST /api/v1/auth/pin``, open and not run out
  (:func:`edge_agent.services.staff.check_session`), or
- the device's service token, for automation on the till itself (a supervisor, the
  sync dashboard, scripts): a random secret in ``service.token`` in the data directory,
  readable by the agent's user only. It reads and runs sync; anything a cashier does
  still needs an operator.

A request that came in on the LAN listener (:mod:`edge_agent.http.listeners`) must
also carry ``X-Pos-Client: <token>`` of a device paired with this agent (401
``pairing_required``), on every route but ``/health`` and the pairing claim; an
operator session opened there serves that paired device only.

The guard records who called (``request.state["principal"]``): idempotent answers are
kept per principal, so another credential never reads a stored answer. The paired
device, if any, is ``request.state["paired_client"]``; a kiosk's operator is
``request.state["kiosk"]``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from anyio import to_thread
from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from edge_agent.domain.errors import KioskNotAllowed
from edge_agent.domain.kiosk import KIOSK_ROLE, actor
from edge_agent.http.listeners import is_lan
from edge_agent.services import pairing, staff
from edge_agent.services.errors import NotSignedIn
from edge_agent.store.gateway import Store

SERVICE_TOKEN_FILE = "service.token"
SERVICE = "service"
PUBLIC = "public"
#: Route option: answered on the LAN listener without a paired client's token.
LAN_OPEN = "lan_open"
#: Route option: a self-order kiosk may call it.
KIOSK = "kiosk"
KIOSK_STATE = "kiosk"
CLIENT_HEADER = "x-pos-client"


def service_token(data_dir: Path) -> str:
    """The device's service token, made (owner-only) on first use."""
    path = data_dir / SERVICE_TOKEN_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    os.fchmod(fd, 0o600)  # whatever the umask
    with os.fdopen(fd, "w") as file:
        token = secrets.token_urlsafe(32)
        file.write(token + "\n")
    return token


def bearer(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    header = connection.headers.get("authorization", "")
    return header[7:].strip() or None if header.lower().startswith("bearer ") else None


async def require_credential(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """Litestar guard: a valid operator session or the service token (and, on the LAN
    listener, a paired client's token).

    Raises:
        PairingRequired: a LAN request without a paired client's token.
        NotSignedIn, SessionExpired: no valid credential.
        KioskNotAllowed: a kiosk on a route not marked for kiosks.
    """
    state = connection.app.state
    store: Store = state.store
    client: str | None = None
    if is_lan(connection.scope) and not handler.opt.get(LAN_OPEN):
        presented = connection.headers.get(CLIENT_HEADER, "").strip() or None
        lan_now_ms: int = state.clock()

        def check_client() -> pairing.Client:
            with store.write() as conn:
                return pairing.check_client(conn, presented, lan_now_ms)

        paired = await to_thread.run_sync(check_client)
        client = paired.id
        connection.state["paired_client"] = client
        if paired.kiosk:
            if not handler.opt.get(KIOSK):
                raise KioskNotAllowed("a self-order kiosk may browse, order and pay, nothing else")
            connection.state[KIOSK_STATE] = kiosk_operator(paired)
            connection.state["principal"] = actor(client)
            return
    if handler.opt.get(PUBLIC) or connection.url.path.startswith("/schema"):
        return
    token = bearer(connection)
    expected: str | None = state.get("service_token")
    if token and expected and secrets.compare_digest(token.encode(), expected.encode()):
        connection.state["principal"] = SERVICE
        return
    if not token:
        raise NotSignedIn("sign in with your PIN first")
    now_ms: int = state.clock()

    def check() -> str:
        with store.write() as conn:
            return staff.check_session(conn, token, now_ms, paired_client=client).staff_id

    connection.state["principal"] = await to_thread.run_sync(check)


def kiosk_operator(client: pairing.Client) -> staff.Operator:
    """The operator a paired kiosk acts as: itself, under the kiosk role."""
    return staff.Operator(actor(client.id), client.name, KIOSK_ROLE, "")
