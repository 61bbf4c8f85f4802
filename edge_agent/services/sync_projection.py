"""Applying one pulled page: store the ops, advance the clock, refresh what they touch.

Runs inside the page's write transaction (the caller stores the cursor in the same one):

- every op goes to the op log (``local = 0``); one already held is a duplicate;
- the HLC receives every op's stamp; a stamp too far ahead raises ``ClockDriftError``:
  the op is still stored and merged (facts are never dropped), the clock is left alone
  and the clock problem is recorded for the outlet manager;
- each entity the page touched is re-folded from all its ops and projected: ``ticket``
  into the ``tickets`` read model (with its money conflict, and its offline card tenders
  settled once confirmed or declined), ``ref.<name>`` into ``reference_data`` (the folded
  ``doc``, or removal on a tombstone; a staff member's superseded versions lose their PIN
  hash in the op log, so the device keeps only the verifier it may use),
  ``device.session`` for this device closes the operator sessions opened before
  ``signout_before_ms``, ``device.quarantine`` for this device records which of its held
  ops a manager released or discarded on the hub (a discarded op is no longer folded, so
  this replica keeps the hub's state).

Stamps are received against trusted time, the wall clock corrected by a skew the last
handshake found beyond the drift bound.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from edge_agent.services import references
from edge_agent.services.ticket_rows import refresh_money
from edge_agent.services.ticket_view import fold
from edge_agent.store import kept_state, oplog, reference, sync_state
from edge_agent.store.device import DeviceIdentity
from sync_protocol import (
    MSGPACK,
    ClockDriftError,
    EntityState,
    HybridLogicalClock,
    Op,
)
from sync_protocol.hlc import format_timestamp

log = logging.getLogger(__name__)
REFERENCE_PREFIX = "ref."
#: The hub's audit events about this device's held ops, and what each settles them as.
HELD_OPS = "device.quarantine"
_SETTLED = {"op_released": sync_state.RELEASED, "op_discarded": sync_state.DISCARDED}


@dataclass(frozen=True, slots=True)
class PageApplied:
    """What a page changed: new ops stored, and stamps the clock refused."""

    stored: int
    drifted: int


def apply_page(
    conn: sqlite3.Connection, ops: Sequence[Op], me: DeviceIdentity, clock: Callable[[], int]
) -> PageApplied:
    """Store, clock and project a page of pulled ops; call inside a write transaction."""
    hlc = HybridLogicalClock(
        sync_state.trusted_clock(conn, clock), last=sync_state.positions(conn).hlc
    )
    touched: dict[tuple[str, str], None] = {}
    stored, drifted, problem = 0, 0, ""
    for op in ops:
        stored += oplog.insert(conn, op, MSGPACK.encode(op), local=False)
        try:
            hlc.receive(op.hlc)
        except ClockDriftError as exc:
            drifted += 1
            problem = (
                f"op {op.op_id} of device {op.device_id} is stamped {format_timestamp(op.hlc)}, "
                f"{exc.ahead_ms} ms ahead of this device's clock (limit {exc.max_drift_ms} ms)"
            )
        touched[(op.entity, op.entity_id)] = None
    sync_state.set_hlc(conn, hlc.last)
    now_ms = clock()
    for entity, entity_id in touched:
        project(conn, entity, entity_id, me, now_ms)
    if drifted:
        sync_state.record_clock_problem(
            conn,
            now_ms,
            f"{drifted} pulled op(s) stamped too far ahead, e.g. {problem}; "
            "one of the clocks is wrong",
        )
    return PageApplied(stored, drifted)


def merged_state(conn: sqlite3.Connection, entity: str, entity_id: str) -> EntityState:
    """The merged state of one entity from every op the device holds.

    An op the merge refuses (a hub bug) is skipped and logged: it stays in the log, but it
    must not wedge every later pull.
    """
    return kept_state.fold(conn, entity, entity_id)


def project(
    conn: sqlite3.Connection, entity: str, entity_id: str, me: DeviceIdentity, now_ms: int
) -> None:
    """Refresh the local read models an entity feeds, from its merged state."""
    if entity == "ticket":
        _ticket(conn, merged_state(conn, entity, entity_id), now_ms)
    elif entity.startswith(REFERENCE_PREFIX):
        _reference(conn, entity.removeprefix(REFERENCE_PREFIX), entity_id)
    elif entity == "device.session" and entity_id == str(me.device_id):
        _session_control(conn, merged_state(conn, entity, entity_id), now_ms)
    elif entity == HELD_OPS and entity_id == str(me.device_id):
        _held_ops(conn, merged_state(conn, entity, entity_id), me, now_ms)


def _ticket(conn: sqlite3.Connection, state: EntityState, now_ms: int) -> None:
    header = state.fields
    if "receipt_no" not in header:
        return  # the header write has not arrived yet; a later page projects it
    try:
        view = fold(state)
        totals = view.totals()
        conn.execute(
            "INSERT INTO tickets (id, receipt_no, order_no, kind, status, currency, total, paid,"
            " balance, opened_ms, updated_ms, held, table_no, merged_into)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET status = excluded.status, total = excluded.total,"
            " paid = excluded.paid, balance = excluded.balance, updated_ms = excluded.updated_ms,"
            " merged_into = excluded.merged_into, kind = excluded.kind,"
            " held = CASE WHEN ? THEN excluded.held ELSE held END,"
            " table_no = CASE WHEN ? THEN excluded.table_no ELSE table_no END",
            (
                view.id,
                header["receipt_no"],
                header["order_no"],
                header["kind"],
                view.status,
                view.currency,
                totals.total,
                totals.paid,
                totals.balance_due,
                header.get("opened_ms", now_ms),
                now_ms,
                int(bool(header.get("held"))),
                header.get("table"),
                view.merged_into,
                "held" in header,
                "table" in header,
            ),
        )
        refresh_money(conn, view, now_ms)
        references.index(conn, view)  # a reference given again here is then flagged
    except (KeyError, TypeError, ValueError, sqlite3.IntegrityError):
        # A ticket another agent version shaped differently: its ops are stored and
        # merged all the same; only this device's listing misses it.
        log.warning("pulled ticket %s cannot be listed", state.entity_id, exc_info=True)


def _reference(conn: sqlite3.Connection, name: str, entity_id: str) -> None:
    state = merged_state(conn, REFERENCE_PREFIX + name, entity_id)
    doc = state.fields.get("doc")
    if state.deleted:
        reference.delete(conn, name, entity_id)
    elif isinstance(doc, dict):
        reference.put(conn, name, entity_id, doc)
    if name == "staff":
        winner = state.winners.get("doc")
        oplog.scrub_field(
            conn,
            REFERENCE_PREFIX + name,
            entity_id,
            "pin_hash",
            str(winner.op_id) if winner else None,
        )


def _held_ops(
    conn: sqlite3.Connection, state: EntityState, me: DeviceIdentity, now_ms: int
) -> None:
    for event in sorted(state.events.values(), key=lambda e: e.order_key):
        outcome = _SETTLED.get(event.name)
        data = event.data if isinstance(event.data, dict) else {}
        op_id, seq = data.get("op_id"), data.get("device_seq")
        if outcome is None or not isinstance(op_id, str) or not isinstance(seq, int):
            continue
        at_ms, by = data.get("at_ms"), data.get("by")
        settled = sync_state.QuarantinedOp(
            op_id,
            seq,
            str(data.get("code") or "quarantined"),
            str(data.get("note") or ""),
            now_ms,
            outcome,
            at_ms if isinstance(at_ms, int) else now_ms,
            by if isinstance(by, str) else None,
        )
        sync_state.settle(conn, settled)
        if outcome == sync_state.DISCARDED:
            touched = oplog.discard(conn, op_id)
            if touched is not None:
                project(conn, *touched, me, now_ms)
                if touched[0] == "ticket":
                    _drop_headless_ticket(conn, touched[1])


def _drop_headless_ticket(conn: sqlite3.Connection, ticket_id: str) -> None:
    """Unlist a ticket whose header op was discarded (its other ops stay in the log)."""
    if "receipt_no" in merged_state(conn, "ticket", ticket_id).fields:
        return
    conn.execute(
        "DELETE FROM tickets WHERE id = ? AND NOT EXISTS"
        " (SELECT 1 FROM offline_card_payments WHERE ticket_id = ?)",
        (ticket_id, ticket_id),
    )


def _session_control(conn: sqlite3.Connection, state: EntityState, now_ms: int) -> None:
    before = state.fields.get("signout_before_ms")
    if isinstance(before, int):
        conn.execute(
            "UPDATE staff_sessions SET closed_ms = ? WHERE closed_ms IS NULL AND opened_ms < ?",
            (now_ms, before),
        )
