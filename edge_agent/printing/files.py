"""The printers file of a device (``printers.toml`` or ``.json``), and the demo's one.

The demo device prints to files under its data directory, so ``make demo`` shows real
ESC/POS jobs without hardware: ``printers/receipt.prn``, ``kitchen.prn`` and ``bar.prn``.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from edge_agent.printing.config import PrinterConfig, parse_printers
from edge_agent.printing.errors import PrinterConfigError

FILE_NAMES = ("printers.toml", "printers.json")

DEMO_PRINTERS = """\
# Printers of this device; see packaging/printers.md for every setting.
# The demo prints ESC/POS jobs into files under printers/ (decode them, or `cat` one
# to a real printer: cat printers/receipt.prn > /dev/usb/lp0).

[[printer]]
name = "receipt"
label = "receipt printer"
role = "receipt"
backend = "file"
path = "printers/receipt.prn"
code_page = "CP858"
paper_mm = 80
drawer = true
drawer_pin = 2
drawer_pulse_ms = 100
header = ["Moi Avenue, Nairobi", "KRA PIN P051234567X"]
footer = ["Asante sana! Karibu tena.", "Thank you, come again."]

[[printer]]
name = "kitchen"
label = "kitchen printer"
role = "kitchen"
stations = ["kitchen"]
backend = "file"
path = "printers/kitchen.prn"
code_page = "CP858"
paper_mm = 80

[[printer]]
name = "bar"
label = "bar printer"
role = "bar"
stations = ["bar"]
backend = "file"
path = "printers/bar.prn"
code_page = "CP858"
paper_mm = 58
"""


def find(data_dir: Path, configured: Path | None = None) -> Path | None:
    """The printers file: the one configured, else the first in the data dir, else None."""
    if configured is not None:
        return configured
    return next((data_dir / n for n in FILE_NAMES if (data_dir / n).exists()), None)


def load(path: Path | None) -> tuple[PrinterConfig, ...]:
    """The printers a file describes (none when there is no file).

    Raises:
        PrinterConfigError: the file is unreadable, not TOML/JSON, or describes bad printers.
    """
    if path is None:
        return ()
    try:
        raw = path.read_bytes()
        document = json.loads(raw) if path.suffix == ".json" else tomllib.loads(raw.decode())
    except OSError as exc:
        raise PrinterConfigError(f"cannot read {path}: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise PrinterConfigError(f"{path} is not valid {path.suffix[1:].upper()}: {exc}") from None
    if not isinstance(document, dict):
        raise PrinterConfigError(f"{path} must hold a table of printers")
    return parse_printers(document, path.parent)


def write_demo(data_dir: Path) -> Path | None:
    """Write the demo printers file unless a printers file is there; return its path."""
    if find(data_dir) is not None:
        return None
    path = data_dir / FILE_NAMES[0]
    path.write_text(DEMO_PRINTERS)
    return path
