"""Printer configuration of one device, parsed from a plain mapping (TOML or JSON).

A printers file holds a list of ``printer`` tables::

    [[printer]]
    name = "kitchen"            # unique on the device
    role = "kitchen"            # receipt | kitchen | bar | label
    stations = ["kitchen"]      # catalog stations it prints for ("*": any other)
    backend = "network"         # serial | usb | network | file
    host = "192.0.2.10"         # network; port defaults to 9100
    code_page = "CP858"         # CP858 (with the euro sign) or CP437
    paper_mm = 80               # 80 (48 columns) or 58 (32 columns)

Serial printers take ``path`` and ``baudrate``; USB printers ``usb_vendor`` and
``usb_product``; file printers a ``path`` (a file, or a device node such as
``/dev/usb/lp0``), relative paths being read from the file's directory. A receipt
printer drives the cash drawer (``drawer``, ``drawer_pin`` 2 or 5, ``drawer_pulse_ms``)
and prints ``header`` and ``footer`` lines.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Literal, cast

from edge_agent.printing.errors import PrinterConfigError

Role = Literal["receipt", "kitchen", "bar", "label"]
Backend = Literal["serial", "usb", "network", "file"]
ROLES: frozenset[str] = frozenset({"receipt", "kitchen", "bar", "label"})
BACKENDS: frozenset[str] = frozenset({"serial", "usb", "network", "file"})
#: ``ESC t n`` numbers of the code pages we print in (Epson numbering).
CODE_PAGES: Mapping[str, int] = {"CP437": 0, "CP858": 19}
#: Font A columns per paper width.
PAPER_COLUMNS: Mapping[int, int] = {58: 32, 80: 48}
ANY_STATION = "*"
#: How often an idle printer is asked its status, so what the cashier sees is at most
#: this old (plus one status timeout).
DEFAULT_STATUS_EVERY_S = 5.0
#: How fast a network, USB or file printer takes data, at the slowest we plan for.
DEFAULT_BYTES_PER_S = 1000
_HOST = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)


@dataclass(frozen=True, slots=True)
class PrinterConfig:
    """One printer of the device: where it is, what it prints and how.

    Attributes:
        name: unique id on the device (``receipt``, ``kitchen``...).
        role: receipt, kitchen, bar or label.
        backend: serial, usb, network or file.
        label: how a cashier calls it ("kitchen printer").
        stations: catalog stations whose lines it prints (kitchen and bar printers).
        path: device node or file (serial, file).
        baudrate: serial speed.
        flow: serial flow control: none, rtscts or xonxoff.
        host: network printer address; ``port`` its TCP port.
        usb_vendor: USB vendor id; ``usb_product`` the product id.
        code_page: CP858 or CP437; every job selects it after resetting the printer.
        paper_mm: 58 or 80.
        drawer: whether a cash drawer hangs on this printer.
        drawer_pin: 2 or 5, the drawer connector pin to pulse.
        drawer_pulse_ms: pulse length, 2 to 510 ms.
        timeout_s: the most a connect or a chunk of a job may take.
        status_timeout_s: the most a DLE EOT status reply may take.
        status: whether to ask the printer its status (DLE EOT).
        retry_base_s: first retry delay; doubles up to ``retry_max_s``, with jitter.
        cut: "partial" or "full".
        header: lines under the outlet name on receipts.
        footer: lines at the end of receipts.
        line_bytes_per_s: the slowest the printer takes data; the wait for a job's
            confirmation grows with its size at this speed (default: a tenth of the
            baud rate on serial lines, 1000 elsewhere).
        drawer_command: ``realtime`` (``DLE DC4 1``: opens at once, even while the
            printer is busy or out of paper) or ``esc_p`` for printers without it.
        status_every_s: how often an idle printer is asked its status.
    """

    name: str
    role: Role
    backend: Backend
    label: str = ""
    stations: tuple[str, ...] = ()
    path: str | None = None
    baudrate: int = 9600
    flow: Literal["none", "rtscts", "xonxoff"] = "none"
    host: str | None = None
    port: int = 9100
    usb_vendor: int | None = None
    usb_product: int | None = None
    code_page: str = "CP858"
    paper_mm: int = 80
    drawer: bool = False
    drawer_pin: int = 2
    drawer_pulse_ms: int = 100
    timeout_s: float = 5.0
    status_timeout_s: float = 0.5
    status: bool = True
    retry_base_s: float = 1.0
    retry_max_s: float = 30.0
    cut: Literal["partial", "full"] = "partial"
    header: tuple[str, ...] = ()
    footer: tuple[str, ...] = ()
    line_bytes_per_s: int | None = None
    drawer_command: Literal["realtime", "esc_p"] = "realtime"
    status_every_s: float = DEFAULT_STATUS_EVERY_S

    def __post_init__(self) -> None:
        problems = _problems(self)
        if problems:
            raise PrinterConfigError(f"printer {self.name!r}: {'; '.join(problems)}")

    @property
    def columns(self) -> int:
        """Characters per line in the normal font."""
        return PAPER_COLUMNS[self.paper_mm]

    @property
    def display_name(self) -> str:
        """The label, or "<name> printer"."""
        return self.label or f"{self.name} printer"

    @property
    def bytes_per_s(self) -> int:
        """How fast the printer takes data, at the slowest."""
        if self.line_bytes_per_s is not None:
            return self.line_bytes_per_s
        return max(1, self.baudrate // 10) if self.backend == "serial" else DEFAULT_BYTES_PER_S

    def confirm_wait_s(self, size: int) -> float:
        """How long a job of ``size`` bytes may take to reach the printer and be confirmed:
        its time on the line at :attr:`bytes_per_s`, with half again as margin, plus the
        ordinary timeouts."""
        return self.timeout_s + self.status_timeout_s + 1.5 * size / self.bytes_per_s

    def where(self) -> str:
        """Where the printer is, for people: a path, host:port or USB ids."""
        if self.backend == "network":
            return f"tcp {self.host}:{self.port}"
        if self.backend == "usb":
            return f"usb {self.usb_vendor or 0:04x}:{self.usb_product or 0:04x}"
        return f"{self.backend} {self.path}"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping that :func:`parse_printer` reads back."""
        document = asdict(self)
        for key in ("stations", "header", "footer"):
            document[key] = list(document[key])
        return document


def _problems(p: PrinterConfig) -> list[str]:
    problems = []
    if not p.name or not p.name.replace("-", "").replace("_", "").isalnum():
        problems.append("name must be letters, digits, '-' or '_'")
    if p.role not in ROLES:
        problems.append(f"role must be one of {sorted(ROLES)}")
    if p.backend not in BACKENDS:
        problems.append(f"backend must be one of {sorted(BACKENDS)}")
    if p.backend in ("serial", "file") and not p.path:
        problems.append(f"a {p.backend} printer needs a path")
    if p.backend == "network" and not p.host:
        problems.append("a network printer needs a host")
    elif p.backend == "network" and not _valid_host(p.host or ""):
        problems.append(
            f"host {p.host!r} must be a host name or an IP address alone"
            " (put the TCP port in 'port')"
        )
    if p.backend == "usb" and (p.usb_vendor is None or p.usb_product is None):
        problems.append("a usb printer needs usb_vendor and usb_product")
    if p.code_page not in CODE_PAGES:
        problems.append(f"code_page must be one of {sorted(CODE_PAGES)}")
    if p.paper_mm not in PAPER_COLUMNS:
        problems.append(f"paper_mm must be one of {sorted(PAPER_COLUMNS)}")
    if p.drawer_pin not in (2, 5):
        problems.append("drawer_pin must be 2 or 5")
    if not 2 <= p.drawer_pulse_ms <= 510:
        problems.append("drawer_pulse_ms must be between 2 and 510")
    if not 0 < p.port < 65536:
        problems.append("port must be a TCP port")
    if p.flow not in ("none", "rtscts", "xonxoff"):
        problems.append("flow must be none, rtscts or xonxoff")
    if p.cut not in ("partial", "full"):
        problems.append("cut must be partial or full")
    if min(p.timeout_s, p.status_timeout_s, p.retry_base_s, p.retry_max_s) <= 0:
        problems.append("timeouts and retry delays must be above zero")
    if not 0.5 <= p.status_every_s <= 3600:
        problems.append("status_every_s must be between 0.5 and 3600")
    if p.line_bytes_per_s is not None and not 10 <= p.line_bytes_per_s <= 10_000_000:
        problems.append("line_bytes_per_s must be between 10 and 10000000")
    if p.drawer_command not in ("realtime", "esc_p"):
        problems.append("drawer_command must be realtime or esc_p")
    if not 300 <= p.baudrate <= 4_000_000:
        problems.append("baudrate must be between 300 and 4000000")
    return problems


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return bool(_HOST.match(host)) and not host.replace(".", "").isdigit()
    return True


_TUPLES = frozenset({"stations", "header", "footer"})
_FIELDS = {f.name for f in fields(PrinterConfig)}


def parse_printer(raw: Mapping[str, Any], base_dir: Path | None = None) -> PrinterConfig:
    """Read one printer table.

    Raises:
        PrinterConfigError: an unknown key, a wrong type or a value out of range.
    """
    name = raw.get("name", "?")
    missing = [key for key in ("name", "role", "backend") if key not in raw]
    if missing:
        raise PrinterConfigError(f"printer {name!r}: {', '.join(missing)} required")
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise PrinterConfigError(f"printer {name!r}: unknown settings {unknown}")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _TUPLES:
            if not isinstance(value, Sequence) or isinstance(value, str):
                raise PrinterConfigError(f"printer {name!r}: {key} must be a list of strings")
            value = tuple(str(v) for v in value)
        elif key in ("usb_vendor", "usb_product") and isinstance(value, str):
            value = _int(name, key, value)
        values[key] = value
    _check_types(name, values)
    path = values.get("path")
    if path and base_dir is not None and not Path(path).is_absolute():
        values["path"] = str(base_dir / path)
    if "drawer" not in values:
        values["drawer"] = values.get("role") == "receipt"
    try:
        return PrinterConfig(**values)
    except TypeError as exc:
        raise PrinterConfigError(f"printer {name!r}: {exc}") from None


def _int(name: object, key: str, value: str) -> int:
    try:
        return int(value, 0)
    except ValueError:
        raise PrinterConfigError(f"printer {name!r}: {key} must be a number") from None


def _check_types(name: object, values: Mapping[str, Any]) -> None:
    expected: dict[str, type | tuple[type, ...]] = {
        "baudrate": int,
        "port": int,
        "paper_mm": int,
        "drawer_pin": int,
        "drawer_pulse_ms": int,
        "usb_vendor": int,
        "usb_product": int,
        "timeout_s": (int, float),
        "status_timeout_s": (int, float),
        "retry_base_s": (int, float),
        "retry_max_s": (int, float),
        "status_every_s": (int, float),
        "line_bytes_per_s": int,
        "drawer": bool,
        "status": bool,
    }
    for key, kind in expected.items():
        value = values.get(key)
        bad_bool = isinstance(value, bool) and kind is not bool
        if value is not None and (bad_bool or not isinstance(value, kind)):
            raise PrinterConfigError(f"printer {name!r}: {key} has the wrong type")
    strings = ("name", "role", "backend", "label", "path", "host", "code_page", "flow", "cut")
    for key in (*strings, "drawer_command"):
        if key in values and values[key] is not None and not isinstance(values[key], str):
            raise PrinterConfigError(f"printer {name!r}: {key} must be a string")


def parse_printers(
    document: Mapping[str, Any], base_dir: Path | None = None
) -> tuple[PrinterConfig, ...]:
    """Read the ``printer`` list of a printers file.

    Raises:
        PrinterConfigError: a bad printer, or two printers with one name.
    """
    raw = document.get("printer", [])
    if not isinstance(raw, list) or not all(isinstance(item, Mapping) for item in raw):
        raise PrinterConfigError("'printer' must be a list of tables")
    printers = tuple(parse_printer(cast(Mapping[str, Any], item), base_dir) for item in raw)
    names = [p.name for p in printers]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise PrinterConfigError(f"printer names must be unique: {duplicates}")
    return printers
