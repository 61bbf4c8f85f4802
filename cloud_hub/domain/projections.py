"""What the hub's read models hold for one merged entity, as plain rows.

Pure: given an :class:`~sync_protocol.EntityState` (every op of a ticket folded with
``apply_op``; an other entity's kept merge with a push's ops merged into it), produce the
``entities``, ``conflicts``, ``field_writes``, ``tickets`` and ``payments`` rows
(``cloud_hub.store.models``). Payload values come from devices, so every value that
lands in a typed column is checked here: a string too long for its column, or holding
a NUL (which PostgreSQL text refuses), is left out rather than failing the push; money
sums are clamped to 64 bits. Ops are facts and are never refused for what a projection
cannot show.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sync_protocol import Conflict, EntityState, TicketMoney

TICKET = "ticket"
_INT64 = (1 << 63) - 1


def text(value: Any, max_length: int) -> str | None:
    """``value`` if it is a string that fits a column of ``max_length``, else None."""
    if isinstance(value, str) and len(value) <= max_length and "\x00" not in value:
        return value
    return None


def int64(value: Any) -> int | None:
    """``value`` if it is an integer (not a bool) that fits a signed 64-bit column."""
    if type(value) is int and -_INT64 - 1 <= value <= _INT64:
        return value
    return None


def _clamp(total: int) -> int:
    return max(-_INT64 - 1, min(_INT64, total))


def entity_row(
    state: EntityState, *, tenant_id: str, outlet_id: str | None, now_ms: int
) -> dict[str, Any]:
    """The ``entities`` row: status, deletion and winning fields."""
    return {
        "tenant_id": tenant_id,
        "entity": state.entity,
        "entity_id": state.entity_id,
        "outlet_id": outlet_id,
        "status": state.status,
        "deleted": state.deleted,
        "fields": state.fields,
        "updated_ms": now_ms,
    }


def conflict_rows(
    found: Iterable[Conflict], *, tenant_id: str, outlet_id: str | None, now_ms: int
) -> list[dict[str, Any]]:
    """One ``conflicts`` row per group of concurrent writes of a field."""
    return [
        {
            "conflict_id": conflict.conflict_id,
            "tenant_id": tenant_id,
            "outlet_id": outlet_id,
            "entity": conflict.entity,
            "entity_id": conflict.entity_id,
            "field": conflict.field,
            "op_ids": list(conflict.op_ids),
            "winner": conflict.winner,
            "resolved": conflict.resolved,
            "detected_ms": now_ms,
        }
        for conflict in found
    ]


def field_write_rows(state: EntityState, *, tenant_id: str) -> list[dict[str, Any]]:
    """One ``field_writes`` row per write of a field the state holds."""
    return [
        {
            "tenant_id": tenant_id,
            "entity": state.entity,
            "entity_id": state.entity_id,
            "field": name,
            "base": write.base or "",
            "op_id": write.op_id,
            "hlc": write.hlc,
            "device_id": write.device_id,
        }
        for name in sorted(state.writes)
        for write in sorted(state.writes[name].values(), key=lambda w: w.op_id)
    ]


def ticket_row(
    state: EntityState, money: TicketMoney, *, tenant_id: str, outlet_id: str, now_ms: int
) -> dict[str, Any]:
    """The ``tickets`` row: header fields, status, totals and the money conflict.

    The figures come from ``money``, the ticket's ``sync_protocol.ticket_money``, the
    fold every till runs too:
    ``paid`` leaves declined tenders out, ``balance`` is what a settled ticket still
    owes, and ``money_conflict`` names the broken money invariant, if any.
    """
    fields = state.fields
    conflicts = money.conflicts()
    return {
        "id": state.entity_id,
        "tenant_id": tenant_id,
        "outlet_id": outlet_id,
        "receipt_no": text(fields.get("receipt_no"), 64),
        "kind": text(fields.get("kind"), 16),
        "status": state.status or "open",
        "currency": text(fields.get("currency"), 3),
        "paid": _clamp(money.paid),
        "refunded": _clamp(money.refunded),
        "total": _clamp(money.total),
        "balance": _clamp(money.balance_due),
        "pending": _clamp(money.pending),
        "reinstated": money.reinstated,
        "money_conflict": conflicts[0].kind if conflicts else None,
        "money_conflict_amount": _clamp(conflicts[0].amount) if conflicts else 0,
        "opened_ms": int64(fields.get("opened_ms")),
        "updated_ms": now_ms,
    }


def payment_rows(
    state: EntityState, money: TicketMoney, *, tenant_id: str, outlet_id: str
) -> list[dict[str, Any]]:
    """One ``payments`` row per ``payment_taken`` and ``refund_issued`` event.

    A payment's status is the one ``sync_protocol.ticket_money`` gives it: as taken,
    or the first outcome a ``payment_confirmed`` event names (``data.status``,
    ``confirmed`` by default, or ``declined``). Rows are keyed by the event's
    ``payment_id`` / ``refund_id`` (the op id when that is missing), first event wins.
    """
    outcome = {tender.payment_id: tender.status for tender in money.tenders}
    rows: dict[str, dict[str, Any]] = {}
    for event in sorted(state.events.values(), key=lambda e: e.order_key):
        data = event.data if isinstance(event.data, dict) else {}
        kind = {"payment_taken": "payment", "refund_issued": "refund"}.get(event.name)
        if kind is None:
            continue
        row_id = text(data.get(f"{kind}_id"), 128) or event.op_id
        rows.setdefault(
            row_id,
            {
                "id": row_id,
                "tenant_id": tenant_id,
                "outlet_id": outlet_id,
                "ticket_id": state.entity_id,
                "device_id": event.device_id,
                "kind": kind,
                "method": text(data.get("method"), 32) or "unknown",
                "amount": int64(data.get("amount")) or 0,
                "tip": int64(data.get("tip")) or 0,
                "status": text(data.get("status"), 32)
                or ("confirmed" if kind == "payment" else "issued"),
                "reference": text(data.get("reference"), 200),
                "hlc": event.hlc,
            },
        )
    for row in rows.values():
        if row["kind"] == "payment" and row["id"] in outcome:
            row["status"] = outcome[row["id"]]
    return [rows[key] for key in sorted(rows)]
