"""Connections to printers: serial (pyserial), network (TCP 9100), file or device node,
and USB (pyusb, in :mod:`usb_backend`). Every operation has a timeout.

A job is written in chunks and each chunk must go through within ``timeout_s``, so a
long job on a slow serial line is fine while a printer that stopped taking data is
given up on quickly. Every failure is a :class:`~edge_agent.printing.errors.PrinterError`
with a message a technician can act on.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import select
import socket
import stat
import struct
import termios
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import serial

from edge_agent.printing.config import PrinterConfig
from edge_agent.printing.errors import PrinterDisconnected, PrinterTimeout, PrinterUnavailable

CHUNK = 1024
_FLUSH_POLL_S = 0.01
_LINGER_ABORT = struct.pack("ii", 1, 0)


class Transport(Protocol):
    """An open connection to one printer."""

    @property
    def can_read(self) -> bool:
        """Whether the printer can answer (status replies)."""

    def write(self, data: bytes) -> None:
        """Send bytes; raises PrinterTimeout or PrinterDisconnected."""

    def read(self, size: int, timeout_s: float) -> bytes:
        """Up to ``size`` bytes, or b"" if none came within ``timeout_s``."""

    def drain(self) -> None:
        """Throw away input not read yet (stale replies)."""

    def flush(self, timeout_s: float) -> bool:
        """Wait until everything written has left for the printer; False after
        ``timeout_s`` with bytes still waiting to go."""

    def close(self) -> None:
        """Close; never raises. Bytes that could not go out in time are dropped."""


def chunks(data: bytes, size: int = CHUNK) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def open_transport(config: PrinterConfig) -> Transport:
    """Connect to the printer.

    Raises:
        PrinterUnavailable: it cannot be opened (absent, refused, permission, busy).
    """
    if config.backend == "network":
        return NetworkTransport(config.host or "", config.port, config.timeout_s)
    if config.backend == "serial":
        return SerialTransport(config)
    if config.backend == "file":
        return FileTransport(Path(config.path or ""), config.timeout_s)
    from edge_agent.printing.usb_backend import UsbTransport

    return UsbTransport(config)


class NetworkTransport:
    """A raw TCP connection, one per job (many printers serve one client at a time)."""

    can_read = True

    def __init__(self, host: str, port: int, timeout_s: float) -> None:
        self.where, self.timeout_s = f"{host}:{port}", timeout_s
        try:
            self._sock = socket.create_connection((host, port), timeout=timeout_s)
        except TimeoutError:
            raise PrinterUnavailable(f"{self.where} did not answer within {timeout_s} s") from None
        except OSError as exc:
            raise PrinterUnavailable(f"cannot connect to {self.where}: {exc.strerror}") from None
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def write(self, data: bytes) -> None:
        self._sock.settimeout(self.timeout_s)
        for chunk in chunks(data):
            try:
                self._sock.sendall(chunk)
            except TimeoutError:
                raise PrinterTimeout(
                    f"{self.where} took no data for {self.timeout_s} s (stalled)"
                ) from None
            except OSError as exc:
                raise PrinterDisconnected(f"{self.where} dropped the connection: {exc}") from None

    def read(self, size: int, timeout_s: float) -> bytes:
        self._sock.settimeout(timeout_s)
        try:
            data = self._sock.recv(size)
        except TimeoutError:
            return b""
        except OSError as exc:
            raise PrinterDisconnected(f"{self.where} dropped the connection: {exc}") from None
        if not data:
            raise PrinterDisconnected(f"{self.where} closed the connection")
        return data

    def drain(self) -> None:
        while self.read(256, 0.001):
            pass

    def flush(self, timeout_s: float) -> bool:
        # The printer has taken the bytes when its TCP stack acknowledged them all.
        return _wait_until_empty(lambda: _unsent(self._sock), timeout_s)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            if _unsent(self._sock):
                # Abort: a stalled printer must not get a late remainder (or a kick).
                self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_ABORT)
            self._sock.close()


def _unsent(sock: socket.socket) -> int:
    """Bytes written to a TCP socket and not yet acknowledged by the peer."""
    raw = fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0\0\0\0")
    return int(struct.unpack("i", raw)[0])


def _wait_until_empty(pending: Callable[[], int], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while pending():
        if time.monotonic() >= deadline:
            return False
        time.sleep(_FLUSH_POLL_S)  # the kernel offers no wait for an output queue to empty
    return True


class SerialTransport:
    """A serial port through pyserial, locked for this process (``exclusive``)."""

    can_read = True

    def __init__(self, config: PrinterConfig) -> None:
        self.where, self.timeout_s = config.path or "", config.timeout_s
        try:
            self._port: Any = serial.Serial(
                port=config.path,
                baudrate=config.baudrate,
                timeout=config.status_timeout_s,
                write_timeout=config.timeout_s,
                rtscts=config.flow == "rtscts",
                xonxoff=config.flow == "xonxoff",
                exclusive=True,
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise PrinterUnavailable(_serial_hint(self.where, exc)) from None

    def write(self, data: bytes) -> None:
        for chunk in chunks(data):
            try:
                self._port.write(chunk)
            except serial.SerialTimeoutException:
                raise PrinterTimeout(
                    f"{self.where} took no data for {self.timeout_s} s (stalled)"
                ) from None
            except (serial.SerialException, OSError) as exc:
                raise PrinterDisconnected(f"{self.where} went away: {exc}") from None

    def read(self, size: int, timeout_s: float) -> bytes:
        try:
            self._port.timeout = timeout_s
            return bytes(self._port.read(size))
        except (serial.SerialException, OSError) as exc:
            raise PrinterDisconnected(f"{self.where} went away: {exc}") from None

    def drain(self) -> None:
        try:
            self._port.reset_input_buffer()
        except (serial.SerialException, OSError) as exc:
            raise PrinterDisconnected(f"{self.where} went away: {exc}") from None

    def flush(self, timeout_s: float) -> bool:
        try:
            return _wait_until_empty(lambda: int(self._port.out_waiting), timeout_s)
        except (serial.SerialException, OSError) as exc:
            raise PrinterDisconnected(f"{self.where} went away: {exc}") from None

    def close(self) -> None:
        with contextlib.suppress(serial.SerialException, OSError):
            if self._port.out_waiting:
                # Only a job that failed leaves output behind (a done job was drained or
                # confirmed): drop it, or close() would wait for a stalled printer.
                self._port.reset_output_buffer()
        with contextlib.suppress(serial.SerialException, OSError):
            self._port.close()


def _serial_hint(path: str, exc: Exception) -> str:
    code = getattr(exc, "errno", None)
    if code == errno.EACCES:
        return f"permission denied on {path}: add the agent's user to the dialout group"
    if code in (errno.EBUSY, errno.EAGAIN, errno.EWOULDBLOCK):
        return f"{path} is in use by another program"
    if code == errno.ENOENT or not Path(path).exists():
        return f"no serial device at {path}: unplugged?"
    return f"cannot open {path}: {exc}"


class FileTransport:
    """A file (jobs are appended) or a device node such as ``/dev/usb/lp0``."""

    def __init__(self, path: Path, timeout_s: float) -> None:
        self.path, self.timeout_s = path, timeout_s
        try:
            self._device = path.exists() and stat.S_ISCHR(path.stat().st_mode)
            if self._device:
                self._fd = os.open(path, os.O_RDWR | os.O_NONBLOCK | os.O_NOCTTY)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except PermissionError:
            raise PrinterUnavailable(
                f"permission denied on {path}: see packaging/printers.md (udev rule, lp group)"
            ) from None
        except OSError as exc:
            raise PrinterUnavailable(f"cannot open {path}: {exc.strerror}") from None

    @property
    def can_read(self) -> bool:
        return self._device

    def write(self, data: bytes) -> None:
        if not self._device:
            try:  # one write: a job is appended whole, never interleaved
                os.write(self._fd, data)
            except OSError as exc:
                raise PrinterDisconnected(f"cannot write {self.path}: {exc.strerror}") from None
            return
        for chunk in chunks(data):
            view = memoryview(chunk)
            deadline = time.monotonic() + self.timeout_s
            while view:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([], [self._fd], [], left)[1]:
                    raise PrinterTimeout(f"{self.path} took no data for {self.timeout_s} s")
                try:
                    view = view[os.write(self._fd, view) :]
                except BlockingIOError:
                    continue
                except OSError as exc:
                    raise PrinterDisconnected(f"{self.path} went away: {exc.strerror}") from None

    def read(self, size: int, timeout_s: float) -> bytes:
        if not self._device or not select.select([self._fd], [], [], timeout_s)[0]:
            return b""
        try:
            return os.read(self._fd, size)
        except BlockingIOError:
            return b""
        except OSError as exc:
            raise PrinterDisconnected(f"{self.path} went away: {exc.strerror}") from None

    def drain(self) -> None:
        while self.read(256, 0):
            pass

    def flush(self, timeout_s: float) -> bool:
        # A file holds the whole job once write() returned; a device node's driver
        # (usblp) returns from write() once the printer took the bytes.
        return True

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)
