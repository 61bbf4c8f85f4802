"""Wake-ups of waiting pulls (``PullRequest.wait_ms``, ``docs/sync-protocol.md`` §11.5).

A pull that finds nothing new listens on the channels of its scopes (the commit-sequence
scopes of :mod:`cloud_hub.store.oplog`: its outlet's and its tenant's), reads again, and
waits; a push that committed ops notifies its outlet's channel after the commit, and an
admin transaction that wrote reference data its tenant's (``http/admin_context.py``). A
wake-up carries no data: it only says "read again", so a lost or spurious one costs a
read or, at worst, the rest of one wait, never an op. The transport of wake-ups
(in memory for one process, Redis pub/sub for several) lives in ``cloud_hub.http.live``.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol


class Listener(Protocol):
    """Wake-ups of the channels one waiting pull listens on."""

    async def wait(self, timeout_s: float) -> bool:
        """Wait for a wake-up; True when one came, False when ``timeout_s`` ran out."""
        ...


class Wakeups(Protocol):
    """Where waiting pulls listen and committed pushes notify."""

    def listen(self, channels: Sequence[str]) -> AbstractAsyncContextManager[Listener]:
        """Listen on ``channels`` for the life of the context."""
        ...

    def notify(self, channels: Sequence[str]) -> None:
        """Wake whoever listens on ``channels``, in this process and the others; never
        blocks and never raises (a wake-up lost costs latency, not data)."""
        ...
