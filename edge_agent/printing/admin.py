"""What ``pos-agent printers`` does: list printers, print a test page, probe status.

A test page and a status probe go straight to the printer (not through the queue), so a
technician sees at once whether the cable, the permissions and the code page are right.
With ``pos-agent serve`` running, a serial or USB printer may be busy: the message says
so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from edge_agent.printing.backends import open_transport
from edge_agent.printing.config import PrinterConfig
from edge_agent.printing.document import Document, Page, Pulse
from edge_agent.printing.errors import PrinterError
from edge_agent.printing.probe import probe
from edge_agent.printing.render import to_escpos
from edge_agent.printing.status import PrinterStatus, unknown

SAMPLE = "Café € 5 KSh 350 \u2013 Asante sana \u201chabari\u201d"


def layout_test_page(printer: PrinterConfig, when: str, *, kick: bool = False) -> Document:
    """A page that shows the printer's name, widths, code page, QR code and cut."""
    page = Page(f"Test page {printer.name}", printer.columns, printer.code_page)
    page.line("TEST PAGE", align="center", bold=True, big=True)
    page.line(printer.display_name, align="center", bold=True)
    page.pair("Printer", printer.name)
    page.pair("Connection", printer.where())
    page.pair("Code page", printer.code_page)
    page.pair("Paper", f"{printer.paper_mm} mm, {printer.columns} columns")
    page.pair("Printed", when)
    page.rule()
    page.line("1234567890" * (printer.columns // 10 + 1))
    page.line(SAMPLE)
    page.line("Large", big=True)
    page.line("Tall and bold", tall=True, bold=True)
    page.qr(f"bengobox-test:{printer.name}")
    if kick and printer.drawer:
        page.blocks.append(Pulse(printer.drawer_pin, printer.drawer_pulse_ms))
    page.cut(partial=printer.cut == "partial")
    return page.done()


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened when we talked to a printer."""

    ok: bool
    status: PrinterStatus
    seconds: float
    error: str = ""


def check(printer: PrinterConfig) -> Outcome:
    """Ask the printer its status; ``unknown`` when it cannot be reached or does not say."""
    started = time.monotonic()
    try:
        transport = open_transport(printer)
        try:
            status = probe(transport, printer.status_timeout_s)
        finally:
            transport.close()
    except PrinterError as exc:
        return Outcome(False, unknown(str(exc)), time.monotonic() - started, str(exc))
    return Outcome(status.known, status, time.monotonic() - started)


def send_test_page(
    printer: PrinterConfig, now: Callable[[], str], *, kick: bool = False
) -> Outcome:
    """Print the test page now; ``ok`` when the bytes went through."""
    started = time.monotonic()
    status = unknown("not asked")
    try:
        transport = open_transport(printer)
        try:
            if printer.status:
                status = probe(transport, printer.status_timeout_s)
            transport.write(to_escpos(layout_test_page(printer, now(), kick=kick)))
        finally:
            transport.close()
    except PrinterError as exc:
        return Outcome(False, unknown(str(exc)), time.monotonic() - started, str(exc))
    return Outcome(True, status, time.monotonic() - started)
