"""A real HTTP proxy on 127.0.0.1 between agents and the hub, for fault tests.

It forwards every request to the hub and can cut the link (``offline``: connections are
closed before anything is forwarded; ``refused``: the same for some paths only) or drop
answers: the request reaches the hub, the
hub commits and answers, and the proxy closes the connection instead of passing the
answer on, which is what a device sees when a response is lost.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

_HOP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


@dataclass
class Faults:
    """What the proxy does to traffic; tests change it while agents run."""

    offline: bool = False
    refused: set[str] = field(default_factory=set)  # paths whose requests never reach the hub
    drop_answers: dict[str, int] = field(default_factory=dict)  # path -> answers to drop
    dropped: list[str] = field(default_factory=list)
    arrived: list[str] = field(default_factory=list)
    forwarded: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def drop_next(self, path: str, count: int = 1) -> None:
        with self.lock:
            self.drop_answers[path] = self.drop_answers.get(path, 0) + count

    def _take_drop(self, path: str) -> bool:
        with self.lock:
            left = self.drop_answers.get(path, 0)
            if left:
                self.drop_answers[path] = left - 1
                self.dropped.append(path)
            return bool(left)


class _Handler(BaseHTTPRequestHandler):
    server: _ProxyServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def log_message(self, format: str, *args: object) -> None:
        return

    def _forward(self) -> None:
        faults = self.server.faults
        length = int(self.headers.get("content-length", 0))
        body = self.rfile.read(length) if length else b""
        if faults.offline or self.path.split("?")[0] in faults.refused:
            self.close_connection = True
            return
        with faults.lock:
            faults.arrived.append(self.path)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_HEADERS}
        try:
            answer = self.server.upstream.request(
                self.command, self.path, content=body, headers=headers
            )
        except httpx.TransportError:
            self.close_connection = True
            return
        with faults.lock:
            faults.forwarded.append(self.path)
        if faults._take_drop(self.path.split("?")[0]):
            self.close_connection = True
            return
        self.send_response(answer.status_code)
        for key, value in answer.headers.items():
            if key.lower() not in _HOP_HEADERS:
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: str, faults: Faults) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = httpx.Client(base_url=upstream, timeout=60)
        self.faults = faults


@contextmanager
def hub_proxy(upstream: str) -> Iterator[tuple[str, Faults]]:
    """Run a proxy to ``upstream``; yield its URL and the faults to set."""
    faults = Faults()
    server = _ProxyServer(upstream, faults)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", faults
    finally:
        server.shutdown()
        server.server_close()
        server.upstream.close()
