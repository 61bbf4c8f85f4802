"""Printing use cases: queue kitchen tickets, receipts and drawer kicks with the sale,
reprint on request, and show receipts and printers.

The ``queue_*`` functions and :func:`kick_drawer` run inside the caller's write
transaction, so a job exists if and only if the sale that caused it committed. They
render the bytes right away (stored once, see :mod:`edge_agent.printing.queue`), and
never touch a printer: the workers do that later, so a sale never waits for paper.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from edge_agent.domain.ticket import TicketLine
from edge_agent.printing import queue, registry
from edge_agent.printing.config import PrinterConfig
from edge_agent.printing.document import Document
from edge_agent.printing.kitchen import CHANGE, VOID, KitchenTicket, kitchen_layout, route
from edge_agent.printing.plain import to_html, to_text
from edge_agent.printing.queue import JobInfo as JobInfo
from edge_agent.printing.queue import listing as listing
from edge_agent.printing.receipt import ReceiptTicket, receipt_layout
from edge_agent.printing.refund_slip import RefundSlip, refund_layout
from edge_agent.printing.registry import PrinterOverview as PrinterOverview
from edge_agent.printing.registry import alerts as alerts
from edge_agent.printing.registry import overview as overview
from edge_agent.printing.render import kick_job, to_escpos
from edge_agent.services.errors import AlreadyPrinted, NoPrinter, NothingToPrint
from edge_agent.services.ticket_view import TicketView
from edge_agent.store import oplog, reference
from edge_agent.store.device import identity
from sync_protocol import uuid7
from sync_protocol.hlc import unpack
from sync_protocol.operations import StatusChange

Clock = Callable[[], int]
PAID = frozenset({"paid", "closed"})


def _local(conn: sqlite3.Connection, ms: int) -> str:
    zone = ZoneInfo(identity(conn).timezone)
    return datetime.fromtimestamp(ms / 1000, zone).strftime("%Y-%m-%d %H:%M")


def _staff_name(conn: sqlite3.Connection, staff_id: object) -> str | None:
    found = reference.get(conn, "staff", str(staff_id)) if staff_id else None
    return str(found["name"]) if found else None


def _digest(parts: Iterable[str]) -> str:
    return hashlib.sha256("\x1f".join(sorted(parts)).encode()).hexdigest()[:16]


def _role(printers: list[PrinterConfig], role: str) -> PrinterConfig | None:
    return next((p for p in printers if p.role == role), None)


def _stations(conn: sqlite3.Connection, lines: list[TicketLine]) -> str:
    ids = dict.fromkeys(str(line.station) for line in lines)
    names = [(reference.get(conn, "station", i) or {}).get("name", i) for i in ids]
    return " / ".join(str(n) for n in names)


def _paid_ms(conn: sqlite3.Connection, view: TicketView, now_ms: int) -> int:
    for op in oplog.entity_ops(conn, "ticket", view.id):
        if isinstance(op, StatusChange) and op.status == "paid":
            return unpack(op.hlc).wall_ms
    return now_ms


def receipt_ticket(conn: sqlite3.Connection, view: TicketView, now_ms: int) -> ReceiptTicket:
    """What the receipt of this ticket shows, read from the ticket and the outlet."""
    me = identity(conn)
    outlet = reference.get(conn, "outlet", me.outlet) or {}
    receipt = _role(registry.configs(conn), "receipt")
    header = view.header
    return ReceiptTicket(
        ticket_id=view.id,
        receipt_no=str(header.get("receipt_no", "")),
        order_no=int(header.get("order_no") or 0),
        currency=view.currency,
        outlet_name=str(outlet.get("name", me.outlet)),
        when=_local(conn, _paid_ms(conn, view, now_ms)),
        lines=list(view.lines.values()),
        totals=view.totals(),
        payments=view.payments,
        refunds=view.refunds,
        paid=view.status in PAID,
        table=header.get("table"),
        served_by=_staff_name(conn, header.get("opened_by")),
        header=receipt.header if receipt else (),
        footer=receipt.footer if receipt else (),
    )


def receipt_document(
    conn: sqlite3.Connection,
    view: TicketView,
    now_ms: int,
    printer: PrinterConfig | None = None,
    *,
    copy: bool = False,
) -> Document:
    """The receipt laid out for a printer, or for a screen (``printer`` None)."""
    return receipt_layout(
        receipt_ticket(conn, view, now_ms),
        columns=printer.columns if printer else 48,
        code_page=printer.code_page if printer else None,
        copy=copy,
        reprinted_at=_local(conn, now_ms) if copy else None,
        cut_partial=printer.cut == "partial" if printer else True,
    )


def receipt_view(
    conn: sqlite3.Connection, view: TicketView, now_ms: int, fmt: Literal["text", "html"]
) -> str:
    """The receipt as plain text or as an HTML page (all of Unicode kept)."""
    document = receipt_document(conn, view, now_ms)
    return to_html(document) if fmt == "html" else to_text(document)


def _queue(
    conn: sqlite3.Connection,
    job_id: str,
    printer: PrinterConfig,
    kind: str,
    document: Document,
    now_ms: int,
    view: TicketView,
    copy: bool = False,
    who: str | None = None,
) -> queue.JobInfo:
    return _enqueue(conn, job_id, printer, kind, document, now_ms, view.id, copy, who)


def _enqueue(
    conn: sqlite3.Connection,
    job_id: str,
    printer: PrinterConfig,
    kind: str,
    document: Document,
    now_ms: int,
    ticket_id: str | None,
    copy: bool,
    who: str | None,
) -> queue.JobInfo:
    payload = to_escpos(document)
    queue.enqueue(
        conn,
        job_id,
        printer.name,
        kind,
        payload,
        now_ms,
        ticket_id=ticket_id,
        copy=copy,
        requested_by=who,
    )
    info = queue.get(conn, job_id)
    assert info is not None
    return info


def queue_kitchen(
    conn: sqlite3.Connection,
    view: TicketView,
    lines: Iterable[TicketLine],
    clock: Clock,
    *,
    course: int | None = None,
    copy: bool = False,
    key: str | None = None,
    who: str | None = None,
    change: str | None = None,
    was: Mapping[str, TicketLine] | None = None,
) -> list[queue.JobInfo]:
    """Queue one kitchen ticket per station printer for these lines (under a VOID or
    CHANGE banner with ``change``; job kind ``kitchen_void``, ``kitchen_change``).

    The job id is made of the ticket, the printer and ``key`` (by default the lines'
    ids), so queueing the same lines again in another transaction prints nothing more.
    """
    now = clock()
    kind = f"kitchen_{change.lower()}" if change else "kitchen"
    printers = {p.name: p for p in registry.configs(conn)}
    header = view.header
    jobs = []
    for name, routed in route(lines, list(printers.values())).items():
        printer = printers[name]
        ticket = KitchenTicket(
            ticket_id=view.id,
            order_no=int(header.get("order_no") or 0),
            station=_stations(conn, routed),
            when=_local(conn, now),
            lines=routed,
            table=header.get("table"),
            covers=header.get("covers"),
            name=header.get("name"),
            server=_staff_name(conn, header.get("server") or header.get("opened_by")),
            course=course,
            change=change,
            was=was,
        )
        document = kitchen_layout(
            ticket,
            columns=printer.columns,
            code_page=printer.code_page,
            copy=copy,
            cut_partial=printer.cut == "partial",
        )
        job_id = f"{kind}:{view.id}:{name}:{key or _digest(line.id for line in routed)}"
        jobs.append(_queue(conn, job_id, printer, kind, document, now, view, copy, who))
    return jobs


def on_sent(
    conn: sqlite3.Connection,
    view: TicketView,
    line_ids: list[str],
    course: int | None,
    clock: Clock,
) -> None:
    """Queue the kitchen tickets of a send (the lines just sent, by station and course)."""
    queue_kitchen(conn, view, [view.lines[i] for i in line_ids], clock, course=course)


def on_voided(
    conn: sqlite3.Connection, view: TicketView, lines: Iterable[TicketLine], clock: Clock
) -> None:
    """Queue a VOID ticket at the stations of the lines (as they read before the void)
    that had gone to the kitchen; once per line, whatever retries the void."""
    sent = [line for line in lines if line.sent and not line.voided]
    if sent:
        queue_kitchen(conn, view, sent, clock, change=VOID)


def on_changed(
    conn: sqlite3.Connection, view: TicketView, before: TicketLine, clock: Clock, key: str
) -> None:
    """Queue a CHANGE ticket at the line's station if it had gone to the kitchen, saying
    what it was; ``key`` names the change (one job per change)."""
    if before.sent:
        line = view.lines[before.id]
        queue_kitchen(conn, view, [line], clock, change=CHANGE, was={line.id: before}, key=key)


def on_payment(
    conn: sqlite3.Connection, view: TicketView, payment: Mapping[str, Any], clock: Clock
) -> None:
    """After a tender: kick the drawer for cash; print the receipt once the ticket is paid."""
    if payment["method"] == "cash":
        kick_drawer(conn, clock, str(payment["payment_id"]), view.id)
    receipt = _role(registry.configs(conn), "receipt")
    if view.status in PAID and receipt is not None:
        now = clock()
        document = receipt_document(conn, view, now, receipt)
        _queue(conn, f"receipt:{view.id}", receipt, "receipt", document, now, view)


def on_refund(
    conn: sqlite3.Connection, view: TicketView, refund: Mapping[str, Any], clock: Clock
) -> None:
    """After a refund: kick the drawer for cash given back; print the refund slip."""
    if refund["method"] == "cash":
        kick_drawer(conn, clock, str(refund["refund_id"]), view.id)
    printer = _role(registry.configs(conn), "receipt")
    if printer is None:
        return
    now = clock()
    me = identity(conn)
    slip = RefundSlip(
        refund_id=str(refund["refund_id"]),
        receipt_no=str(view.header.get("receipt_no", "")),
        currency=view.currency,
        outlet_name=str((reference.get(conn, "outlet", me.outlet) or {}).get("name", me.outlet)),
        when=_local(conn, now),
        method=str(refund["method"]),
        amount=int(refund["amount"]),
        reason=str(refund["reason"]),
        lines=[
            (int(x["quantity"]), view.lines[x["line_id"]].name)
            for x in refund.get("lines", ())
            if x["line_id"] in view.lines
        ],
        by=_staff_name(conn, refund.get("by")),
    )
    document = refund_layout(
        slip,
        columns=printer.columns,
        code_page=printer.code_page,
        cut_partial=printer.cut == "partial",
    )
    _queue(conn, f"refund:{slip.refund_id}", printer, "refund", document, now, view)


def print_document(
    conn: sqlite3.Connection,
    job_id: str,
    kind: str,
    document: Document,
    now_ms: int,
    *,
    copy: bool = False,
    who: str | None = None,
) -> queue.JobInfo:
    """Queue a document that belongs to no ticket (a Z report) on the receipt printer.

    Raises:
        NoPrinter: no receipt printer is configured.
    """
    printer = _role(registry.configs(conn), "receipt")
    if printer is None:
        raise NoPrinter("receipt")
    return _enqueue(conn, job_id, printer, kind, document, now_ms, None, copy, who)


def local_time(conn: sqlite3.Connection, ms: int) -> str:
    """``ms`` as the outlet's local date and time, as receipts print it."""
    return _local(conn, ms)


def receipt_printer(conn: sqlite3.Connection) -> PrinterConfig | None:
    """The printer receipts (and reports) go to, if one is configured."""
    return _role(registry.configs(conn), "receipt")


def kick_drawer(
    conn: sqlite3.Connection, clock: Clock, cause_id: str, ticket_id: str | None = None
) -> queue.JobInfo | None:
    """Queue a drawer kick on the printer the drawer hangs on (None: no drawer)."""
    printer = next((p for p in registry.configs(conn) if p.drawer), None)
    if printer is None:
        return None
    job_id = f"kick:{cause_id}"
    payload = kick_job(printer)
    queue.enqueue(conn, job_id, printer.name, queue.KICK, payload, clock(), ticket_id=ticket_id)
    return queue.get(conn, job_id)


def print_ticket(
    conn: sqlite3.Connection,
    view: TicketView,
    clock: Clock,
    *,
    what: Literal["receipt", "kitchen"] = "receipt",
    copy: bool = False,
    key: str | None = None,
    who: str | None = None,
) -> list[queue.JobInfo]:
    """Print on request: the receipt (a bill while unpaid), or the kitchen tickets again.

    The original receipt prints once; after that only a copy, marked COPY, can be asked
    for. A kitchen reprint is always a copy.

    Raises:
        NoPrinter: no receipt printer (or no kitchen printer) is configured.
        AlreadyPrinted: the original receipt went already and ``copy`` is false.
        NothingToPrint: a kitchen reprint of a ticket with nothing sent.
    """
    key = key or str(uuid7(clock()))
    if what == "kitchen":
        sent = [line for line in view.lines.values() if line.sent and not line.voided]
        if not sent:
            raise NothingToPrint("nothing of this ticket was sent to the kitchen yet")
        jobs = queue_kitchen(conn, view, sent, clock, copy=True, key=f"copy-{key}", who=who)
        if not jobs:
            raise NoPrinter("kitchen")
        return jobs
    receipt = _role(registry.configs(conn), "receipt")
    if receipt is None:
        raise NoPrinter("receipt")
    now = clock()
    if view.status not in PAID:
        job_id, copy = f"bill:{view.id}:{key}", False
    elif copy:
        job_id = f"copy:{view.id}:{key}"
    elif queue.has_original_receipt(conn, view.id):
        raise AlreadyPrinted("the receipt was printed already; ask for a copy")
    else:
        job_id = f"receipt:{view.id}"
    document = receipt_document(conn, view, now, receipt, copy=copy)
    return [_queue(conn, job_id, receipt, "receipt", document, now, view, copy, who)]


def configure(conn: sqlite3.Connection, printers: tuple[PrinterConfig, ...], now_ms: int) -> int:
    """Store the configured printers; fail waiting jobs of removed ones (returns how many).

    Call inside a write transaction.
    """
    return registry.apply(conn, printers, now_ms)
