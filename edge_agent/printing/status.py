"""Reading a printer's DLE EOT replies: a state we can trust, or ``unknown``.

``DLE EOT n`` (n = 1 printer, 2 offline cause, 3 error cause, 4 paper sensor) makes an
ESC/POS printer answer one status byte, whatever it is doing. A valid reply has bits 1
and 4 set and bits 0 and 7 clear; anything else (no reply, a stray byte, a reply of the
wrong shape) is not a status. We never read "no reply" as "paper OK", as python-escpos
3.1's ``paper_status()`` does: a printer that did not answer every query validly is
``unknown``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

DLE_EOT = b"\x10\x04"
QUERIES = (1, 2, 3, 4)

State = Literal[
    "online",
    "paper_near_end",
    "offline",
    "error",
    "cutter_error",
    "cover_open",
    "paper_out",
    "unknown",
]
#: States in which a print job would not print (a drawer kick still works).
BLOCKING: frozenset[str] = frozenset(
    {"offline", "error", "cutter_error", "cover_open", "paper_out"}
)
#: How a cashier reads each state.
PHRASES: Mapping[str, str] = {
    "online": "ready",
    "paper_near_end": "running low on paper",
    "offline": "offline",
    "error": "in error",
    "cutter_error": "stuck at the cutter",
    "cover_open": "open (cover)",
    "paper_out": "out of paper",
    "unknown": "not answering",
}

# (query, bit mask, flag): a flag is set when every bit of the mask is set.
_BITS: tuple[tuple[int, int, str], ...] = (
    (1, 0x08, "offline"),
    (1, 0x04, "drawer_pin3_high"),
    (2, 0x04, "cover_open"),
    (2, 0x08, "feed_button"),
    (2, 0x20, "stopped_paper_end"),
    (2, 0x40, "error"),
    (3, 0x08, "cutter_error"),
    (3, 0x20, "unrecoverable_error"),
    (3, 0x40, "auto_recoverable_error"),
    (4, 0x0C, "paper_near_end"),
    (4, 0x60, "paper_out"),
)


def request(n: int) -> bytes:
    """The ``DLE EOT n`` query."""
    return DLE_EOT + bytes((n,))


def is_valid(reply: int) -> bool:
    """Whether a byte has the fixed bits of a DLE EOT reply (bits 1, 4 set; 0, 7 clear)."""
    return reply & 0b1001_0011 == 0b0001_0010


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    """What the printer said: a state, the flags behind it and a line for people."""

    state: State
    flags: frozenset[str] = frozenset()
    detail: str = ""

    @property
    def known(self) -> bool:
        return self.state != "unknown"

    @property
    def blocks_printing(self) -> bool:
        """Whether a print job sent now would not print."""
        return self.state in BLOCKING

    def describe(self) -> str:
        return f"{PHRASES[self.state]}" + (f" ({self.detail})" if self.detail else "")


def unknown(detail: str) -> PrinterStatus:
    """The status of a printer that gave no valid reply."""
    return PrinterStatus("unknown", frozenset(), detail)


def interpret(replies: Mapping[int, bytes]) -> PrinterStatus:
    """The status told by the replies to DLE EOT 1 to 4 (each one byte, or empty)."""
    missing = [n for n in QUERIES if len(replies.get(n, b"")) != 1]
    invalid = [n for n in QUERIES if n not in missing and not is_valid(replies[n][0])]
    if missing or invalid:
        parts = []
        if missing:
            parts.append(f"no reply to DLE EOT {', '.join(map(str, missing))}")
        if invalid:
            parts.append(f"invalid reply to DLE EOT {', '.join(map(str, invalid))}")
        return unknown("; ".join(parts))
    flags = frozenset(flag for n, mask, flag in _BITS if replies[n][0] & mask == mask)
    return PrinterStatus(_state(flags), flags, ", ".join(sorted(flags - {"drawer_pin3_high"})))


def _state(flags: frozenset[str]) -> State:
    if flags & {"paper_out", "stopped_paper_end"}:
        return "paper_out"
    if "cover_open" in flags:
        return "cover_open"
    if "cutter_error" in flags:
        return "cutter_error"
    if flags & {"error", "unrecoverable_error", "auto_recoverable_error"}:
        return "error"
    if "offline" in flags:
        return "offline"
    if "paper_near_end" in flags:
        return "paper_near_end"
    return "online"
