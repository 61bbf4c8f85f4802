"""The ticket list, a page at a time: a till's year of tickets is never read whole.

Newest first by ``(opened_ms, id)``; a page ends where the next one starts (``before``:
the last ticket of the previous page), on the read model's indexes, so a page costs the
same whatever the number of tickets the device holds.
"""

from __future__ import annotations

import sqlite3

from edge_agent.services.errors import TicketNotFound

_COLUMNS = (
    "id, receipt_no, order_no, kind, status, table_no AS 'table', held, total, paid, balance,"
    " money_conflict, balance AS balance_due, merged_into IS NOT NULL AS merged"
)


def ticket_page(
    conn: sqlite3.Connection,
    *,
    status: str | None = None,
    held: bool | None = None,
    limit: int = 100,
    before: str | None = None,
) -> list[sqlite3.Row]:
    """Up to ``limit`` tickets, newest first, by status or hold when given, opened before
    the ticket ``before``.

    Raises:
        TicketNotFound: ``before`` names no ticket of this device.
    """
    where: list[str] = []
    params: list[object] = []
    if status is not None:
        where.append("status = ?")
        params.append(status)
    if held is not None:
        where.append("held = ?")
        params.append(int(held))
    if before is not None:
        row = conn.execute("SELECT opened_ms FROM tickets WHERE id = ?", (before,)).fetchone()
        if row is None:
            raise TicketNotFound(before)
        where.append("(opened_ms < ? OR (opened_ms = ? AND id < ?))")
        params += [row[0], row[0], before]
    sql = f"SELECT {_COLUMNS} FROM tickets"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY opened_ms DESC, id DESC LIMIT ?"
    return conn.execute(sql, (*params, limit)).fetchall()
