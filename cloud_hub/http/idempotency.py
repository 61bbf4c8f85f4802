"""``Idempotency-Key`` on the admin API's creating requests (POST and PUT).

A handler runs its use case inside :func:`once` instead of a bare transaction and hands
its result to :meth:`Once.answer`; a repeat of a request already answered raises
:class:`Replayed` before the use case runs, and :func:`replayed` sends the stored answer.
Two requests with one key at the same instant: the second one's insert of the key fails
at commit, its effects roll back, and it is answered 503 ``unavailable`` (retry), after
which it gets the first answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
from litestar import Request, Response
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.http.admin_context import AnyRequest, now_ms, transaction
from cloud_hub.services import idempotency

T = TypeVar("T")


class Replayed(Exception):
    """The request was answered before: send that answer."""

    def __init__(self, answer: idempotency.Answer) -> None:
        super().__init__("replayed")
        self.answer = answer


def replayed(_: Request[Any, Any, Any], exc: Replayed) -> Response[bytes]:
    """The stored first answer, as it was sent."""
    return Response(exc.answer.body, status_code=exc.answer.status, media_type="application/json")


@dataclass
class Once:
    """One unit of work of a creating request; ``answer`` stores what it returns."""

    conn: AsyncConnection
    request: AnyRequest
    scope: str
    key: str | None
    fingerprint: str

    async def answer(self, value: T) -> T:
        """Remember ``value`` as the answer to this request's key (if any); return it."""
        if self.key is not None:
            status = self.request.route_handler.status_code or 200
            stored = idempotency.Answer(status, msgspec.json.encode(value))
            state = self.request.app.state
            await idempotency.remember(
                self.conn, self.scope, self.key, self.fingerprint, stored, now_ms=now_ms(state)
            )
        return value


@asynccontextmanager
async def once(request: AnyRequest, scope: str) -> AsyncIterator[Once]:
    """A transaction that runs at most once per ``Idempotency-Key`` of ``scope``.

    Raises:
        Replayed: the key's request was answered before (nothing runs).
        Malformed: the key is empty or too long.
        IdempotencyKeyReused: the key came with another request.
    """
    state = request.app.state
    key = request.headers.get("idempotency-key")
    body = await request.body()
    fingerprint = idempotency.request_hash(request.method, request.url.path, body)
    async with transaction(state) as conn:
        if key is not None:
            first = await idempotency.recall(conn, scope, key, fingerprint, now_ms=now_ms(state))
            if first is not None:
                raise Replayed(first)
        yield Once(conn, request, scope, key, fingerprint)
