"""A small ESC/POS decoder for tests: bytes back into lines, styles, cuts, QR codes, pulses.

It knows the commands our renderer and python-escpos emit and refuses everything else
(an unknown command or a stray control byte raises :class:`DecodeError`), so a test
that decodes a job also proves the job holds nothing unexpected. Text is decoded with
the code page selected by ``ESC t`` at that point of the stream (CP437 after a reset).

:func:`jobs` cuts a printer's byte stream into print jobs (``ESC @`` ... cut) with their
exact bytes, and tells drawer pulses sent outside a job and status queries apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

ESC, GS, DLE, LF, CR = 0x1B, 0x1D, 0x10, 0x0A, 0x0D
CODE_PAGES = {0: "cp437", 2: "cp850", 16: "cp1252", 19: "cp858"}
ALIGN = {0: "left", 48: "left", 1: "center", 49: "center", 2: "right", 50: "right"}


class DecodeError(ValueError):
    """The bytes hold a command this decoder does not know, or a truncated one."""


@dataclass(frozen=True)
class Style:
    align: str = "left"
    bold: bool = False
    width: int = 1
    height: int = 1
    underline: int = 0
    font: int = 0


@dataclass(frozen=True)
class Line:
    """One printed line, with the style in force when its first character came."""

    text: str
    align: str = "left"
    bold: bool = False
    width: int = 1
    height: int = 1


@dataclass(frozen=True)
class Event:
    """Something the printer does, with the byte range of the stream that made it."""

    kind: str  # reset, code_page, line, qr, cut, pulse, status, feed
    value: object
    start: int
    end: int


@dataclass
class Decoded:
    """A decoded stream; ``truncated`` when it ended inside a command or a line."""

    events: list[Event] = field(default_factory=list)
    truncated: bool = False

    def of(self, kind: str) -> list[object]:
        return [e.value for e in self.events if e.kind == kind]

    @property
    def lines(self) -> list[Line]:
        return [e.value for e in self.events if isinstance(e.value, Line)]

    @property
    def text(self) -> list[str]:
        return [line.text for line in self.lines]

    @property
    def qr(self) -> list[str]:
        return [str(v) for v in self.of("qr")]

    @property
    def cuts(self) -> list[str]:
        return [str(v) for v in self.of("cut")]

    @property
    def pulses(self) -> list[tuple[int, int, int]]:
        return [v for v in self.of("pulse") if isinstance(v, tuple)]

    @property
    def code_pages(self) -> list[int]:
        return [int(v) for v in self.of("code_page")]  # type: ignore[call-overload]


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise _Truncated
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def byte(self) -> int:
        return self.take(1)[0]


class _Truncated(Exception):
    pass


def decode(data: bytes, *, allow_truncated: bool = False) -> Decoded:
    """Decode a byte stream.

    Raises:
        DecodeError: an unknown command or control byte, or (unless ``allow_truncated``)
            a stream that ends inside a command or with an unfinished line.
    """
    state = _State(data)
    try:
        while state.reader.pos < len(data):
            state.step()
    except _Truncated:
        state.out.truncated = True
    if state.pending:
        state.out.truncated = True
    if state.out.truncated and not allow_truncated:
        raise DecodeError("the stream ends in the middle of a command or a line")
    return state.out


class _State:
    def __init__(self, data: bytes) -> None:
        self.reader = _Reader(data)
        self.out = Decoded()
        self.style = Style()
        self.code_page = 0
        self.pending = bytearray()
        self.line_start = 0
        self.line_style = Style()
        self.qr_data = b""

    def emit(self, kind: str, value: object, start: int) -> None:
        self.out.events.append(Event(kind, value, start, self.reader.pos))

    def flush(self, start: int) -> None:
        codec = CODE_PAGES.get(self.code_page)
        if codec is None:
            raise DecodeError(f"unknown code page {self.code_page}")
        s = self.line_style
        text = bytes(self.pending).decode(codec)
        self.out.events.append(
            Event(
                "line",
                Line(text, s.align, s.bold, s.width, s.height),
                self.line_start,
                self.reader.pos,
            )
        )
        self.pending.clear()

    def step(self) -> None:
        start = self.reader.pos
        b = self.reader.byte()
        if b == LF:
            if not self.pending:
                self.line_start, self.line_style = start, self.style
            self.flush(start)
        elif b == CR:
            pass
        elif b == ESC:
            self.esc(start)
        elif b == GS:
            self.gs(start)
        elif b == DLE:
            command = self.reader.byte()
            if command == 0x04:
                self.emit("status", self.reader.byte(), start)
            elif command == 0x14 and self.reader.byte() == 0x01:
                # DLE DC4 1 m t: real-time drawer pulse, t x 100 ms on and off.
                m, t = self.reader.take(2)
                self.emit("realtime_pulse", (2 if m == 0 else 5, t * 100, t * 100), start)
            else:
                raise DecodeError(f"unknown DLE command at {start}")
        elif b < 0x20 or b == 0x7F:
            raise DecodeError(f"stray control byte 0x{b:02x} at {start}")
        else:
            if not self.pending:
                self.line_start, self.line_style = start, self.style
            self.pending.append(b)

    def esc(self, start: int) -> None:
        r, c = self.reader, self.reader.byte()
        if c == ord("@"):
            self.style, self.code_page = Style(), 0
            self.emit("reset", None, start)
        elif c == ord("t"):
            self.code_page = r.byte()
            self.emit("code_page", self.code_page, start)
        elif c == ord("!"):
            n = r.byte()
            self.style = replace(
                self.style,
                font=n & 1,
                bold=bool(n & 8),
                height=2 if n & 0x10 else 1,
                width=2 if n & 0x20 else 1,
                underline=1 if n & 0x80 else 0,
            )
        elif c == ord("E"):
            self.style = replace(self.style, bold=bool(r.byte() & 1))
        elif c == ord("-"):
            self.style = replace(self.style, underline=r.byte() % 48)
        elif c == ord("a"):
            self.style = replace(self.style, align=ALIGN[r.byte()])
        elif c == ord("M"):
            self.style = replace(self.style, font=r.byte() % 48)
        elif c in (ord("G"), ord("{"), ord("3"), ord("J")):
            r.byte()
        elif c == ord("2"):
            pass
        elif c == ord("d"):
            self.emit("feed", r.byte(), start)
        elif c == ord("p"):
            m, t1, t2 = r.take(3)
            self.emit("pulse", (2 if m in (0, 48) else 5, t1 * 2, t2 * 2), start)
        else:
            raise DecodeError(f"unknown command ESC 0x{c:02x} at {start}")

    def gs(self, start: int) -> None:
        r, c = self.reader, self.reader.byte()
        if c == ord("!"):
            n = r.byte()
            self.style = replace(self.style, width=(n >> 4) + 1, height=(n & 0x0F) + 1)
        elif c in (ord("B"), ord("b")):
            r.byte()
        elif c == ord("V"):
            m = r.byte()
            if m in (65, 66):
                r.byte()
            self.emit("cut", "full" if m in (0, 48, 65) else "partial", start)
        elif c == ord("("):
            if r.byte() != ord("k"):
                raise DecodeError(f"unknown command GS ( at {start}")
            low, high = r.take(2)
            body = r.take(low + high * 256)
            self.two_d(body, start)
        else:
            raise DecodeError(f"unknown command GS 0x{c:02x} at {start}")

    def two_d(self, body: bytes, start: int) -> None:
        cn, fn = body[0], body[1]
        if cn != ord("1"):
            raise DecodeError(f"2D code type {cn} is not QR")
        if fn == 80:
            self.qr_data = body[3:]
        elif fn == 81:
            self.emit("qr", self.qr_data.decode("utf-8"), start)
        elif fn not in (65, 67, 69):
            raise DecodeError(f"unknown QR function {fn}")


@dataclass(frozen=True)
class Job:
    """A complete print job as the printer received it."""

    data: bytes
    decoded: Decoded


@dataclass
class Stream:
    """A printer's byte stream cut into complete jobs, kicks and status queries."""

    jobs: list[Job] = field(default_factory=list)
    kicks: list[tuple[int, int, int]] = field(default_factory=list)
    realtime_kicks: list[tuple[int, int, int]] = field(default_factory=list)
    status_queries: list[int] = field(default_factory=list)
    incomplete: bool = False


def jobs(data: bytes) -> Stream:
    """Cut a stream into jobs (from ``ESC @`` to the cut), kicks outside jobs and queries.

    Status queries inside a job are real-time commands: they are counted, and removed
    from the job's bytes. A job with no cut at the end of the stream is ``incomplete``.
    """
    stream = Stream()
    decoded = decode(data, allow_truncated=True)
    job_start: int | None = None
    job_bytes = bytearray()
    last = 0
    for event in decoded.events:
        if event.kind == "status":
            stream.status_queries.append(int(event.value))  # type: ignore[call-overload]
            if job_start is not None:
                job_bytes += data[last : event.start]
                last = event.end
            continue
        if event.kind == "realtime_pulse":
            stream.realtime_kicks.append(event.value)  # type: ignore[arg-type]
            if job_start is not None:
                job_bytes += data[last : event.start]
                last = event.end
            continue
        if event.kind == "reset":
            job_start, last, job_bytes = event.start, event.start, bytearray()
        elif event.kind == "pulse" and job_start is None:
            stream.kicks.append(event.value)  # type: ignore[arg-type]
        elif event.kind == "cut" and job_start is not None:
            job_bytes += data[last : event.end]
            raw = bytes(job_bytes)
            stream.jobs.append(Job(raw, decode(raw)))
            job_start = None
    stream.incomplete = job_start is not None or decoded.truncated
    return stream
