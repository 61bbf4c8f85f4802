"""A :class:`Document` as ESC/POS bytes, built with python-escpos's in-memory printer.

python-escpos 3.1 is used for the commands it gets right (styles, native QR, cut,
pulse) and worked around where it does not:

- its text path (``MagicEncode``) sends ``ESC t`` lazily, may switch code page in the
  middle of a job, prints "?" for what it cannot encode, and believes the printer still
  has the code page it last selected, even after a reset (so "€" prints as another
  character). We never call ``text()``: every job starts with ``ESC @`` (reset) and
  ``ESC t n`` (code page), and text is encoded here, transliterated by :mod:`text`;
- ``cashdraw(2)`` and ``cashdraw(5)`` fix the pulse at 100 ms; we always send the
  five-byte form with the configured pin and pulse;
- ``paper_status()`` reports "paper adequate" when the printer did not answer; status
  is read by :mod:`probe` instead.
"""

from __future__ import annotations

from escpos.printer import Dummy

from edge_agent.printing.config import CODE_PAGES, PrinterConfig
from edge_agent.printing.document import Cut, Document, Pulse, QRCode, Rule, Text
from edge_agent.printing.text import encode

RESET = b"\x1b@"
LF = b"\n"
QR_MODULE_SIZE = 6


def select_code_page(code_page: str) -> bytes:
    """``ESC t n`` for the code page.

    Raises:
        KeyError: a code page we do not print in.
    """
    return b"\x1bt" + bytes((CODE_PAGES[code_page],))


def pulse(pin: int, on_ms: int) -> bytes:
    """``ESC p m t1 t2``: pulse the drawer pin (2 -> m=0, 5 -> m=1) for ``on_ms``."""
    ticks = max(1, min(255, on_ms // 2))
    return bytes((0x1B, 0x70, 0 if pin == 2 else 1, ticks, ticks))


def to_escpos(document: Document) -> bytes:
    """The bytes of a print job: reset, code page, then the document.

    Raises:
        ValueError: the document has no printer code page (it is a text/HTML view).
    """
    if document.code_page is None:
        raise ValueError("a document for the screen cannot be sent to a printer")
    code_page = document.code_page
    out = Dummy()
    out._raw(RESET + select_code_page(code_page))
    for block in document.blocks:
        match block:
            case Text(text, align, bold, width, height):
                out.set(
                    align=align,
                    bold=bold,
                    normal_textsize=width == height == 1,
                    double_width=width > 1,
                    double_height=height > 1,
                )
                out._raw(encode(text, code_page) + LF)
            case Rule():
                out.set(align="left", bold=False, normal_textsize=True)
                out._raw(b"-" * document.columns + LF)
            case QRCode(data):
                out.set(align="center", bold=False, normal_textsize=True)
                out.qr(data, native=True, size=QR_MODULE_SIZE)
            case Cut(partial):
                out.set(align="left", bold=False, normal_textsize=True)
                out.cut(mode="PART" if partial else "FULL")
            case Pulse(pin, on_ms):
                out._raw(pulse(pin, on_ms))
    job: bytes = out.output
    return job


def realtime_pulse(pin: int, on_ms: int) -> bytes:
    """``DLE DC4 1 m t``: pulse the drawer pin for ``t`` x 100 ms (1 to 8), at once.

    A real-time command: the printer acts on it when it arrives, ahead of what waits in
    its buffer and while it is out of paper, where ``ESC p`` waits its turn.
    """
    return bytes((0x10, 0x14, 0x01, 0 if pin == 2 else 1, max(1, min(8, -(-on_ms // 100)))))


def kick_job(printer: PrinterConfig) -> bytes:
    """A drawer kick on its own: no reset, so nothing half-printed is thrown away."""
    if printer.drawer_command == "esc_p":
        return pulse(printer.drawer_pin, printer.drawer_pulse_ms)
    return realtime_pulse(printer.drawer_pin, printer.drawer_pulse_ms)
