"""Confirmation references used twice: taken, never refused, flagged on both tickets.

A mobile-money confirmation (or a card authorization) names one transfer; the same
reference on two payments is most likely one transfer shown twice. The counter cannot
tell for sure and the hub never rejects a fact, so the second payment is taken with
``duplicate_reference_of`` naming the earlier ones, and each earlier ticket gets a
``payment_reference_duplicated`` event naming the new one, in the same transaction.
``payment_references`` indexes the references this device has seen: its own payments'
and those of tickets pulled from the other devices of the outlet.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Mapping
from typing import Any

from edge_agent.services.ticket_view import TicketView
from edge_agent.store import oplog

FLAG_EVENT = "payment_reference_duplicated"


def earlier_uses(
    conn: sqlite3.Connection, method: str, reference: str | None
) -> list[dict[str, Any]]:
    """The payments that carried this reference before, for this tender method."""
    if reference is None or method == "cash":
        return []
    rows = conn.execute(
        "SELECT payment_id, ticket_id, receipt_no FROM payment_references"
        " WHERE method = ? AND reference = ? ORDER BY rowid",
        (method, reference),
    )
    return [{"payment_id": p, "ticket_id": t, "receipt_no": r} for p, t, r in rows]


def remember(
    conn: sqlite3.Connection, view: TicketView, payment: Mapping[str, Any], clock: Callable[[], int]
) -> None:
    """Index the payment's reference and flag the earlier tickets that used it;
    call inside the write transaction that took the payment."""
    reference = payment.get("reference")
    if reference is None or payment["method"] == "cash":
        return
    index(conn, view)
    flag = {
        "reference": reference,
        "method": payment["method"],
        "payment_id": payment["payment_id"],
        "ticket_id": view.id,
        "receipt_no": view.header["receipt_no"],
    }
    drafts = [
        oplog.Draft(
            "event",
            "ticket",
            earlier["ticket_id"],
            {"name": FLAG_EVENT, "data": flag | {"flagged_payment_id": earlier["payment_id"]}},
        )
        for earlier in payment.get("duplicate_reference_of", ())
    ]
    if drafts:
        oplog.append(conn, drafts, clock)


def index(conn: sqlite3.Connection, view: TicketView) -> None:
    """Index the references of the ticket's payments (again: nothing changes twice)."""
    conn.executemany(
        "INSERT OR IGNORE INTO payment_references"
        " (payment_id, method, reference, ticket_id, receipt_no) VALUES (?, ?, ?, ?, ?)",
        [
            (p.id, p.method, p.reference, view.id, view.header.get("receipt_no"))
            for p in view.payments
            if p.reference is not None and p.method != "cash"
        ],
    )


def flags(view: TicketView) -> list[dict[str, Any]]:
    """The ticket's payments whose reference another payment also carried."""
    found: list[dict[str, Any]] = []
    for event in sorted(view.state.events.values(), key=lambda e: e.order_key):
        data = event.data
        if event.name == "payment_taken":
            for other in data.get("duplicate_reference_of", ()):
                found.append(_flag(data["payment_id"], data["reference"], other))
        elif event.name == FLAG_EVENT:
            found.append(_flag(data["flagged_payment_id"], data["reference"], data))
    return found


def _flag(payment_id: str, reference: str, other: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "code": "duplicate_reference",
        "payment_id": payment_id,
        "reference": reference,
        "other_ticket_id": other["ticket_id"],
        "other_payment_id": other["payment_id"],
        "message": f"reference {reference} was also given for sale {other['receipt_no']}:"
        " check the customer's confirmation before handing over",
    }
