"""How ``pos-hub serve`` runs uvicorn: idle and slow connections are closed.

uvicorn closes a keep-alive connection idle after a response (``timeout_keep_alive``)
but waits forever for the first request head; ``GuardedH11Protocol`` closes a
connection that has not sent a complete request head within the idle timeout. The size
of an incomplete head is bounded (``h11_max_incomplete_event_size``) and so is the
number of connections served at once (``limit_concurrency``, 503 beyond it).
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from cloud_hub.settings import Limits

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


def uvicorn_options(limits: Limits) -> dict[str, Any]:
    """The ``uvicorn.run`` keyword arguments that bound connections."""
    protocol = type(
        "HubH11Protocol", (GuardedH11Protocol,), {"first_request_timeout_s": limits.idle_timeout_s}
    )
    return {
        "http": protocol,
        "timeout_keep_alive": limits.idle_timeout_s,
        "limit_concurrency": MAX_CONCURRENCY,
        "h11_max_incomplete_event_size": MAX_HEAD_BYTES,
    }
