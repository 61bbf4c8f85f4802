"""What a ticket's merged money shows outside the ticket itself, kept beside its ops.

Called with every local change of a ticket and every pulled page that touches one:

- ``tickets.money_conflict``: the money conflict the ticket's facts show now (overpaid,
  a balance due on a settled ticket, a voided ticket holding money), or NULL, so the
  ticket list and the sync status show it without folding every ticket;
- ``offline_card_payments``: a card tender taken offline stops counting against the
  cumulative offline limit once it is confirmed or declined, here or on the hub.
"""

from __future__ import annotations

import sqlite3

from edge_agent.services.ticket_view import TicketView


def refresh_money(conn: sqlite3.Connection, view: TicketView, now_ms: int) -> None:
    """Store the ticket's money conflict and settle its offline card tenders."""
    conflicts = view.money_conflicts
    kind, amount = (conflicts[0].kind, conflicts[0].amount) if conflicts else (None, 0)
    conn.execute(
        "UPDATE tickets SET money_conflict = ?, money_conflict_amount = ? WHERE id = ?",
        (kind, amount, view.id),
    )
    settled = [
        (now_ms, p.id) for p in view.payments if p.method == "card" and p.status != "pending"
    ]
    conn.executemany(
        "UPDATE offline_card_payments SET confirmed_ms = ? WHERE payment_id = ?"
        " AND confirmed_ms IS NULL",
        settled,
    )
