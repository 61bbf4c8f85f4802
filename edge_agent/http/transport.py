"""How ``pos-agent serve`` runs uvicorn: even a request the HTTP parser refuses is
answered in the API's error shape.

uvicorn answers a request it cannot parse (two ``Content-Length`` headers, one that is
not a number, no ``Host``, a head too large) with a plain-text 400 before the
application sees it; :class:`JsonErrorsH11Protocol` answers it with the agent's JSON
error body and code ``malformed_request`` instead.
"""

from __future__ import annotations

from typing import Any

import h11
import msgspec
from uvicorn.protocols.http.h11_impl import H11Protocol


class JsonErrorsH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, answering unparseable requests with a JSON error."""

    def send_400_response(self, msg: str) -> None:
        body = msgspec.json.encode({"code": "malformed_request", "message": msg, "detail": None})
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


def uvicorn_options() -> dict[str, Any]:
    """The ``uvicorn.run`` keyword arguments of the agent's transport."""
    return {"http": JsonErrorsH11Protocol}
