"""Printers without hardware: a TCP 9100 printer on 127.0.0.1 and a serial one on a pty.

Both answer ``DLE EOT n`` with the status bytes they are given (or stay silent), keep
every byte they took, and can misbehave on purpose: stall (stop reading), drop the
connection in the middle of a job, or be unplugged (the pty closed). What they printed
is read back with :func:`tests.escpos_decoder.jobs`.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import struct
import threading
import time
import tty
from dataclasses import dataclass, field
from pathlib import Path

from tests.escpos_decoder import Stream, jobs

ONLINE = {1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12}
PAPER_OUT = {1: 0x1A, 2: 0x32, 3: 0x12, 4: 0x7E}
SILENT: dict[int, int] = {}


@dataclass
class PrinterModel:
    """What a printer does with bytes: answer status queries, keep the rest.

    Attributes:
        status: the reply byte to each DLE EOT n (a missing n is not answered).
        hang_on_job: once a job starts, stop answering (a hung printer).
        drop_after: close the connection after this many bytes of a job, once.
    """

    status: dict[int, int] = field(default_factory=lambda: dict(ONLINE))
    hang_on_job: bool = False
    drop_after: int | None = None
    bytes_per_s: int | None = None
    kept: list[bytes] = field(default_factory=list)
    lost: list[bytes] = field(default_factory=list)
    live: dict[int, bytearray] = field(default_factory=dict)
    connections: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    reading: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.reading.set()

    def hang(self) -> None:
        """The printer stops reading (and answering); connections are still accepted."""
        self.reading.clear()

    def resume(self) -> None:
        """A hung printer comes back and reads what was sent to it."""
        self.reading.set()

    def read_size(self) -> int:
        """How much one read takes: all there is, or 1/20 s worth on a slow line."""
        return 65536 if self.bytes_per_s is None else max(1, self.bytes_per_s // 20)

    def pace(self, taken: int) -> None:
        """Model the line's speed: the bytes just read took their time on the wire."""
        if self.bytes_per_s is not None and taken:
            time.sleep(taken / self.bytes_per_s)

    @property
    def drawer_openings(self) -> int:
        """Times the drawer opened: at once for the real-time pulse, but the buffered
        ``ESC p`` only when the printer is not out of paper (it waits in the buffer)."""
        stream = self.printed
        paper_out = self.status.get(4, 0) & 0x60 == 0x60
        return len(stream.realtime_kicks) + (0 if paper_out else len(stream.kicks))

    def take(self, buffer: bytearray, chunk: bytes) -> None:
        """Add received bytes to a connection's buffer, seen by :attr:`printed` at once."""
        with self.lock:
            buffer += chunk
            self.live[id(buffer)] = buffer

    def replies(self, buffer: bytes, scanned: int) -> tuple[bytes, int, bool]:
        """Answer the status queries in ``buffer[scanned:]``.

        Returns:
            The replies, the new scan mark, and whether the printer hung on a job.
        """
        out, hung = bytearray(), False
        at = buffer.find(b"\x10\x04", scanned)
        while at != -1 and at + 2 < len(buffer):
            started = b"\x1b@" in buffer[:at] or b"\x1bp" in buffer[:at]
            n = buffer[at + 2]
            if self.hang_on_job and started:
                hung = True
            elif n in self.status:
                out.append(self.status[n])
            scanned = at + 3
            at = buffer.find(b"\x10\x04", scanned)
        return bytes(out), max(scanned, len(buffer) - 2), hung

    def job_bytes(self, buffer: bytes) -> int:
        start = buffer.find(b"\x1b@")
        return 0 if start == -1 else len(buffer) - start

    def finish(self, buffer: bytearray, *, dropped: bool) -> None:
        with self.lock:
            self.live.pop(id(buffer), None)
            (self.lost if dropped else self.kept).append(bytes(buffer))

    def forget(self, buffer: bytearray) -> None:
        """The connection hung or dropped: nothing of it printed."""
        with self.lock:
            self.live.pop(id(buffer), None)

    @property
    def printed(self) -> Stream:
        """Everything printed, cut into jobs (a hung or dropped connection printed nothing
        complete: its bytes are in ``lost``)."""
        with self.lock:
            return jobs(b"".join([*self.kept, *map(bytes, self.live.values())]))


class NetworkPrinter(PrinterModel):
    """A raw TCP printer on 127.0.0.1, one thread per connection."""

    def __init__(self, port: int = 0, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._server = socket.create_server(("127.0.0.1", port))
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        self._server.settimeout(0.05)
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buffer, scanned, dropped = bytearray(), 0, False
        conn.settimeout(0.05)
        with conn:
            while not self._stop.is_set():
                if not self.reading.wait(0.05):
                    continue
                try:
                    chunk = conn.recv(self.read_size())
                except TimeoutError:
                    continue
                except OSError:
                    dropped = True
                    break
                if not chunk:
                    break
                self.take(buffer, chunk)
                self.pace(len(chunk))
                if self.drop_after is not None and self.job_bytes(buffer) >= self.drop_after:
                    self.drop_after, dropped = None, True
                    # RST, not FIN: the sender sees the connection fail mid-job.
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    break
                reply, scanned, hung = self.replies(bytes(buffer), scanned)
                if hung:
                    dropped = True
                    self.forget(buffer)
                if reply:
                    with contextlib.suppress(OSError):
                        conn.sendall(reply)
        self.finish(buffer, dropped=dropped)

    def stop(self) -> None:
        self._stop.set()
        self._server.close()
        self._thread.join(2)


class StallingPrinter:
    """A TCP printer that takes a connection, answers status, then stops reading."""

    def __init__(self, status: dict[int, int] | None = None) -> None:
        self.status = dict(ONLINE if status is None else status)
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.port = self._server.getsockname()[1]
        self._conns: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            conn, _ = self._server.accept()
            self._conns.append(conn)
            for n in (1, 2, 3, 4):
                query = conn.recv(3)
                assert query == b"\x10\x04" + bytes((n,)), query
                conn.sendall(bytes((self.status[n],)))
            self._stop.wait()  # never reads again

    def stop(self) -> None:
        self._stop.set()
        for conn in self._conns:
            conn.close()
        self._server.close()
        self._thread.join(2)


class PtyPrinter(PrinterModel):
    """A serial printer at the far end of a pty, reached through a stable symlink.

    ``link`` plays the udev symlink (``/dev/receipt-printer``): re-plugging makes a
    new pty and points the link at it.
    """

    def __init__(self, link: Path, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.link = link
        self.unplug_after: int | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.plug()

    def plug(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        temporary = self.link.with_suffix(".new")
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(os.ttyname(self.slave))
        os.replace(temporary, self.link)
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        buffer, scanned, unplugged = bytearray(), 0, False
        while not self._stop.is_set():
            if not self.reading.wait(0.05):
                continue
            if not select.select([self.master], [], [], 0.05)[0]:
                continue
            try:
                chunk = os.read(self.master, self.read_size())
            except OSError:
                break
            self.take(buffer, chunk)
            self.pace(len(chunk))
            if self.unplug_after is not None and self.job_bytes(buffer) >= self.unplug_after:
                self.unplug_after, unplugged = None, True
                self._close()
                break
            reply, scanned, hung = self.replies(bytes(buffer), scanned)
            if hung:
                unplugged = True
                self.forget(buffer)
            if reply:
                os.write(self.master, reply)
        self.finish(buffer, dropped=unplugged)

    def _close(self) -> None:
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def unplug(self) -> None:
        """Pull the cable: the pty goes away and the link dangles."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(2)
        self._close()

    def wait_unplugged(self, timeout_s: float = 5) -> None:
        assert self._thread is not None
        self._thread.join(timeout_s)
        assert not self._thread.is_alive(), "the printer was not unplugged in time"


def eventually(predicate, timeout_s: float = 10.0, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout_s} s")
        time.sleep(0.02)  # polling another thread's progress, not waiting for a result
