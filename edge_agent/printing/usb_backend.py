"""USB printers through pyusb (the ``usb`` extra), for printers without a usable usblp node.

The kernel's usblp driver claims most USB receipt printers and offers ``/dev/usb/lpN``
(use the file backend on it). Talking USB directly needs the interface back from
usblp and read/write access to the device node: the errors say which of the two is
missing, pointing at ``packaging/printers.md`` and the udev rule.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
from typing import Any

from edge_agent.printing.backends import chunks
from edge_agent.printing.config import PrinterConfig
from edge_agent.printing.errors import PrinterDisconnected, PrinterTimeout, PrinterUnavailable

ENDPOINT_IN = 0x80


def _pyusb() -> Any:
    try:
        return importlib.import_module("usb.core")
    except ImportError:
        raise PrinterUnavailable(
            "USB printers need pyusb: pip install 'bengobox-pos[usb]'"
        ) from None


class UsbTransport:
    """Bulk endpoints of the printer's first interface.

    Args:
        config: the printer (``usb_vendor``, ``usb_product``, ``timeout_s``).
        core: the ``usb.core`` module (tests give a stand-in).
    """

    def __init__(self, config: PrinterConfig, core: Any | None = None) -> None:
        self._core = core or _pyusb()
        self.where = f"USB {config.usb_vendor or 0:04x}:{config.usb_product or 0:04x}"
        self.timeout_ms = int(config.timeout_s * 1000)
        try:
            self._device = self._core.find(idVendor=config.usb_vendor, idProduct=config.usb_product)
        except ValueError as exc:  # pyusb's NoBackendError: libusb is not installed
            raise PrinterUnavailable(f"cannot use USB: {exc} (install libusb-1.0)") from None
        if self._device is None:
            raise PrinterUnavailable(f"no {self.where} device: unplugged or switched off?")
        try:
            if self._device.is_kernel_driver_active(0):
                self._device.detach_kernel_driver(0)
            self._device.set_configuration()
            interface = self._device.get_active_configuration()[(0, 0)]
        except self._core.USBError as exc:
            raise PrinterUnavailable(self._hint(exc)) from None
        endpoints = list(interface)
        self._out = next(e for e in endpoints if not e.bEndpointAddress & ENDPOINT_IN)
        self._in = next((e for e in endpoints if e.bEndpointAddress & ENDPOINT_IN), None)

    def _hint(self, exc: Any) -> str:
        if exc.errno == errno.EACCES:
            return (
                f"permission denied on {self.where}: install "
                "packaging/udev/60-bengobox-printers.rules (see packaging/printers.md)"
            )
        if exc.errno == errno.EBUSY:
            return (
                f"{self.where} is busy: another program or the usblp driver holds it; "
                "use the file backend on /dev/usb/lpN or unbind usblp"
            )
        return f"cannot open {self.where}: {exc}"

    @property
    def can_read(self) -> bool:
        return self._in is not None

    def write(self, data: bytes) -> None:
        for chunk in chunks(data):
            try:
                self._out.write(chunk, timeout=self.timeout_ms)
            except self._core.USBTimeoutError:
                raise PrinterTimeout(f"{self.where} took no data in {self.timeout_ms} ms") from None
            except self._core.USBError as exc:
                raise PrinterDisconnected(f"{self.where} went away: {exc}") from None

    def read(self, size: int, timeout_s: float) -> bytes:
        if self._in is None:
            return b""
        try:
            return bytes(self._in.read(size, timeout=max(1, int(timeout_s * 1000))))
        except self._core.USBTimeoutError:
            return b""
        except self._core.USBError as exc:
            raise PrinterDisconnected(f"{self.where} went away: {exc}") from None

    def drain(self) -> None:
        while self.read(64, 0.001):
            pass

    def flush(self, timeout_s: float) -> bool:
        # A bulk write returns once the printer's endpoint took every byte.
        return True

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing must never raise
            importlib.import_module("usb.util").dispose_resources(self._device)
