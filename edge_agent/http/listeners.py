"""Where the agent listens: the till's own plain listener, and a TLS one for the LAN.

- ``127.0.0.1:port`` (or the loopback name given): plain HTTP for the till's own
  browser and tools, as always;
- when the host is not a loopback name, also ``host:lan_port`` with TLS only, for the
  devices paired with this agent (a waiter's tablet). Its requests are marked
  (:data:`LAN_SCOPE_KEY`) so the access guard asks for a paired client's token.

Both listeners serve one application in one process and event loop. The till's
listener owns the application's start-up and shutdown and the signals; on a stop it
closes the LAN listener first, so no LAN request meets a closed database.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections.abc import Iterator, Mapping
from typing import Any

import uvicorn

from edge_agent.http.transport import uvicorn_options

#: The ASGI scope key set on every request that came in on the LAN listener.
LAN_SCOPE_KEY = "pos.lan"


def is_lan(scope: Mapping[str, Any]) -> bool:
    """Whether a request came in on the LAN listener."""
    return bool(scope.get(LAN_SCOPE_KEY))


class LanMarked:
    """ASGI wrapper: marks the requests of the LAN listener."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = {**scope, LAN_SCOPE_KEY: True}
        await self.app(scope, receive, send)


class _LanServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the till's listener takes the signals and stops this one


class _TillServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, lan: _LanServer, lan_task: asyncio.Task[None]):
        super().__init__(config)
        self.lan = lan
        self.lan_task = lan_task

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.lan.should_exit = True
        self.lan.force_exit = self.force_exit
        await asyncio.wait({self.lan_task})
        await super().shutdown(sockets)


def lan_socket(host: str, port: int) -> socket.socket:
    """Bind the LAN listener's socket now, so a taken port fails before anything starts.

    Raises:
        OSError: the address cannot be bound.
    """
    name = host.strip("[]")
    try:
        family = socket.AF_INET6 if ipaddress.ip_address(name).version == 6 else socket.AF_INET
    except ValueError:
        family = socket.AF_INET6 if ":" in name else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((name, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def lan_config(app: Any, host: str, port: int, cert: str, key: str) -> uvicorn.Config:
    """The LAN listener's configuration, loaded (its TLS files read) now.

    Raises:
        OSError, ssl.SSLError: the certificate or key cannot be read or do not match.
    """
    config = uvicorn.Config(
        LanMarked(app),
        host=host,
        port=port,
        ssl_certfile=cert,
        ssl_keyfile=key,
        lifespan="off",
        log_level="warning",
        **uvicorn_options(),
    )
    config.load()
    return config


def serve_both(app: Any, port: int, lan: uvicorn.Config, sock: socket.socket) -> None:
    """Run the till's listener (127.0.0.1:``port``) and the LAN one until stopped."""

    async def run() -> None:
        lan_server = _LanServer(lan)
        lan_task = asyncio.create_task(lan_server.serve(sockets=[sock]))
        till = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", **uvicorn_options()
        )
        await _TillServer(till, lan_server, lan_task).serve()
        await lan_task

    asyncio.run(run())
