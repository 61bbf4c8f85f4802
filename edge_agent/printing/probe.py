"""Asking a printer for its status over an open connection: DLE EOT 1 to 4.

Each query waits at most ``timeout_s`` for exactly one byte; stale input is thrown away
first, so an old reply is never read as a new one. A printer that does not answer the
first query is not asked the others: it is ``unknown``.
"""

from __future__ import annotations

from edge_agent.printing.backends import Transport
from edge_agent.printing.status import (
    QUERIES,
    PrinterStatus,
    interpret,
    is_valid,
    request,
    unknown,
)


def probe(transport: Transport, timeout_s: float) -> PrinterStatus:
    """The printer's status, ``unknown`` unless every query got a valid reply.

    Raises:
        PrinterDisconnected, PrinterTimeout: the connection failed while asking.
    """
    if not transport.can_read:
        return unknown("this connection cannot carry status replies")
    transport.drain()
    replies: dict[int, bytes] = {}
    for n in QUERIES:
        transport.write(request(n))
        replies[n] = transport.read(1, timeout_s)
        if not replies[n]:
            break
    return interpret(replies)


def confirm(transport: Transport, timeout_s: float) -> bool:
    """Whether the printer answers DLE EOT 1 after a job, i.e. it read the whole job.

    Raises:
        PrinterDisconnected, PrinterTimeout: the connection failed while asking.
    """
    transport.write(request(1))
    reply = transport.read(1, timeout_s)
    return len(reply) == 1 and is_valid(reply[0])
