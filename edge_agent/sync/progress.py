"""A text progress bar for long catch-ups: ``pull  12,400/50,000 ops  24%  [#####.....]``.

:func:`render` is pure; :class:`TextProgress` writes it to a stream, redrawing one line on
a terminal and printing a line per tenth otherwise (logs stay short).
"""

from __future__ import annotations

from typing import TextIO

BAR_WIDTH = 20


def percent(done: int, remaining: int) -> int:
    """Whole percent done, 100 when there is nothing to do."""
    total = done + remaining
    return 100 if total <= 0 else done * 100 // total


def render(phase: str, done: int, remaining: int, width: int = BAR_WIDTH) -> str:
    """One progress line, e.g. ``pull  12,400/50,000 ops  24%  [####................]``."""
    total = done + remaining
    share = percent(done, remaining)
    filled = width * share // 100
    bar = "#" * filled + "." * (width - filled)
    return f"{phase:<5} {done:,}/{total:,} ops  {share}%  [{bar}]"


class TextProgress:
    """Reports sync progress on a stream (stderr for ``pos-agent sync``).

    Args:
        stream: where to write.
        interactive: redraw one line with carriage returns (a terminal).
    """

    def __init__(self, stream: TextIO, *, interactive: bool) -> None:
        self._stream = stream
        self._interactive = interactive
        self._phase = ""
        self._tenth = -1
        self._width = 0

    def __call__(self, phase: str, done: int, remaining: int) -> None:
        """Show that ``done`` ops of ``phase`` are through and ``remaining`` are left."""
        if phase != self._phase:
            self.finish()
            self._phase, self._tenth = phase, -1
        line = render(phase, done, remaining)
        if self._interactive:
            self._stream.write("\r" + line.ljust(self._width))
            self._width = len(line)
        else:
            tenth = percent(done, remaining) // 10
            if tenth == self._tenth:
                return
            self._tenth = tenth
            self._stream.write(line + "\n")
        self._stream.flush()

    def finish(self) -> None:
        """End the current line (on a terminal)."""
        if self._interactive and self._width:
            self._stream.write("\n")
            self._stream.flush()
        self._width = 0
