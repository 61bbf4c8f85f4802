"""How ``pos-hub serve`` runs uvicorn: idle and slow connections are closed.

uvicorn closes a keep-alive connection idle after a response (``timeout_keep_alive``)
but waits forever for the first request head; ``GuardedH11Protocol`` closes a
connection that has not sent a complete request head within the idle timeout. The size
of an incomplete head is bounded (``h11_max_incomplete_event_size``) and so is the
number of connections served at once (``limit_concurrency``, 503 beyond it).

Every refusal is in the API's error shape: a request the HTTP parser cannot read (two
``Content-Length`` headers, one that is not a number, no ``Host``) is answered 400
``malformed`` in JSON rather than uvicorn's plain text, and :class:`HostHeader` answers
a ``Host`` that is no name and port (``hub:notaport``, ``a:b:c``) 400 ``invalid_host``
before the application parses the URL from it.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any
from urllib.parse import urlsplit

import h11
import msgspec
from litestar.enums import ScopeType
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Receive,
    Scope,
    Send,
)
from uvicorn.protocols.http.h11_impl import H11Protocol

from cloud_hub.settings import HubSettings, Limits

#: Connections and tasks served at once; more are answered 503.
MAX_CONCURRENCY = 500
#: Bytes of a request head (line and headers) the server buffers.
MAX_HEAD_BYTES = 64 * 1024


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing a connection that sends no request in time."""

    #: Set by :func:`uvicorn_options` from the hub's settings.
    first_request_timeout_s: float = Limits().idle_timeout_s

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._first_request = self.loop.call_later(
            self.first_request_timeout_s, self._no_request_in_time
        )

    def connection_lost(self, exc: Exception | None) -> None:
        self._first_request.cancel()
        super().connection_lost(exc)

    def _no_request_in_time(self) -> None:
        cycle: object = self.cycle  # None until a complete request head arrived
        if cycle is None and not self.transport.is_closing():
            self.transport.close()

    def send_400_response(self, msg: str) -> None:
        """A request the parser refused: 400 ``malformed`` in JSON, then close."""
        body = msgspec.json.encode({"code": "malformed", "message": msg})
        head = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
        ]
        for event in (
            h11.Response(status_code=400, headers=head, reason=b"Bad Request"),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            self.transport.write(self.conn.send(event))
        self.transport.close()


def well_formed_host(host_header: str) -> bool:
    """Whether a ``Host`` header is a name with at most a port number (what URLs hold)."""
    try:
        parts = urlsplit(f"http://{host_header}/")
        _ = parts.port  # raises on a port that is not a number in range
    except ValueError:
        return False
    return parts.netloc == host_header and "@" not in host_header


class HostHeader:
    """ASGI middleware: a ``Host`` that is no name and port is answered 400 ``invalid_host``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.HTTP:
            hosts = [v for k, v in scope["headers"] if k.lower() == b"host"]
            host = hosts[0].decode("latin-1") if hosts else ""
            if not well_formed_host(host):
                message = f"the Host header {host!r} is no host name"
                body = msgspec.json.encode({"code": "invalid_host", "message": message})
                head = [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ]
                start: HTTPResponseStartEvent = {
                    "type": "http.response.start",
                    "status": 400,
                    "headers": head,
                }
                await send(start)
                end: HTTPResponseBodyEvent = {
                    "type": "http.response.body",
                    "body": body,
                    "more_body": False,
                }
                await send(end)
                return
        await self.app(scope, receive, send)


class WorkerH11Protocol(GuardedH11Protocol):
    """:class:`GuardedH11Protocol` of a worker process of ``pos-hub serve --workers N``,
    which imports it by name: its idle timeout is read from the environment that
    ``pos-hub serve`` checked and passed on."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.first_request_timeout_s = _worker_idle_timeout_s()


@functools.cache
def _worker_idle_timeout_s() -> float:
    return HubSettings.from_env().limits.idle_timeout_s


def uvicorn_options(limits: Limits, *, workers: int = 1) -> dict[str, Any]:
    """The ``uvicorn.run`` keyword arguments that bound connections.

    Several worker processes import the protocol by name, so they read the limits from
    the environment (:class:`WorkerH11Protocol`); one process takes ``limits`` as given.
    """
    protocol: type[GuardedH11Protocol] | str = type(
        "HubH11Protocol", (GuardedH11Protocol,), {"first_request_timeout_s": limits.idle_timeout_s}
    )
    if workers > 1:
        protocol = f"{__name__}:WorkerH11Protocol"
    return {
        "http": protocol,
        "timeout_keep_alive": limits.idle_timeout_s,
        "limit_concurrency": MAX_CONCURRENCY,
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
    }
