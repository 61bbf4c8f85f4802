"""The agent's API answers the till it runs on, not a web page that found its port.

A page open in the till's browser can send requests to ``127.0.0.1:4114``: through DNS
rebinding (its own name resolving to 127.0.0.1, so the ``Host`` header is its name) or
as a "simple" cross-origin POST (``text/plain``, no preflight). This ASGI middleware
refuses both before any handler runs:

- a ``Host`` that is no name and port (``host:notaport``, ``[::1``): ``400 invalid_host``;
- a ``Host`` other than the names the agent serves: ``403 host_not_allowed``;
- a body sent as anything but JSON in UTF-8: ``415 unsupported_media_type``.

No CORS headers are ever sent, so a browser keeps other origins from reading answers
and from sending JSON at all (that needs a preflight nobody approves).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import msgspec

LOCAL_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})

Scope = dict[str, Any]


def host_name(host_header: str) -> str:
    """The name of a ``Host`` header, without its port (``[::1]:4114`` -> ``::1``)."""
    if host_header.startswith("["):
        return host_header[1:].split("]", 1)[0]
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


def well_formed_host(host_header: str) -> bool:
    """Whether a ``Host`` header is a name with at most a port number (what URLs hold)."""
    try:
        parts = urlsplit(f"http://{host_header}/")
        _ = parts.port  # raises on a port that is not a number in range
    except ValueError:
        return False
    return parts.netloc == host_header and "@" not in host_header


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _json(content_type: str) -> bool:
    """JSON in UTF-8 (the only encoding JSON has): no other charset is read."""
    media, *parameters = (part.strip().lower() for part in content_type.split(";"))
    charsets = [p.split("=", 1)[1].strip(' "') for p in parameters if p.startswith("charset=")]
    utf8 = all(charset in ("utf-8", "utf8") for charset in charsets)
    return (media == "application/json" or media.endswith("+json")) and utf8


def _has_body(headers: dict[str, str]) -> bool:
    length = headers.get("content-length", "0").strip()
    return "transfer-encoding" in headers or (length.isdigit() and int(length) > 0)


class LocalOnly:
    """ASGI middleware: the allowed ``Host`` names and JSON bodies only.

    Args:
        app: the application it guards.
        names: the host names the agent answers to (the local names are always in).
    """

    def __init__(self, app: Any, names: Iterable[str] = ()) -> None:
        self.app = app
        self.names = LOCAL_NAMES | {n.strip().lower() for n in names if n.strip()}

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        host = headers.get("host", "")
        if not well_formed_host(host):
            await _refuse(send, 400, "invalid_host", f"the Host header {host!r} is no host name")
            return
        name = host_name(host).lower()
        if name not in self.names:
            message = f"this agent does not answer to {name!r}"
            await _refuse(send, 403, "host_not_allowed", message)
            return
        body = scope["method"] in _BODY_METHODS and _has_body(headers)
        if body and not _json(headers.get("content-type", "")):
            message = "send the body as JSON with 'Content-Type: application/json'"
            await _refuse(send, 415, "unsupported_media_type", message)
            return
        await self.app(scope, receive, send)


async def _refuse(send: Any, status: int, code: str, message: str) -> None:
    body = msgspec.json.encode({"code": code, "message": message, "detail": None})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def local_only(names: Iterable[str] = ()) -> Any:
    """The middleware factory litestar takes (``middleware=[local_only(...)]``)."""
    allowed = tuple(names)

    def factory(app: Any) -> LocalOnly:
        return LocalOnly(app, allowed)

    return factory
