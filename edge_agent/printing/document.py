"""A printed document as plain data: styled lines, rules, QR codes, cuts, drawer pulses.

Layouts (:mod:`receipt`, :mod:`kitchen`) build a :class:`Document`; :mod:`render` turns
it into ESC/POS bytes and :mod:`plain` into text or HTML. :class:`Page` is the builder
the layouts share: it fits text to the paper's columns and to the printer's code page.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Literal

from edge_agent.printing.text import printable, visible

Align = Literal["left", "center", "right"]


@dataclass(frozen=True, slots=True)
class Text:
    """One printed line; ``width``/``height`` are 1 (normal) or 2 (double)."""

    text: str
    align: Align = "left"
    bold: bool = False
    width: int = 1
    height: int = 1


@dataclass(frozen=True, slots=True)
class Rule:
    """A line of dashes across the paper."""


@dataclass(frozen=True, slots=True)
class QRCode:
    """A QR code holding ``data``, printed by the printer itself."""

    data: str


@dataclass(frozen=True, slots=True)
class Cut:
    """Feed past the cutter and cut."""

    partial: bool = True


@dataclass(frozen=True, slots=True)
class Pulse:
    """Open the cash drawer on ``pin`` (2 or 5) with a pulse of ``on_ms``."""

    pin: int
    on_ms: int


Block = Text | Rule | QRCode | Cut | Pulse


@dataclass(frozen=True, slots=True)
class Document:
    """What to print, for a printer of ``columns`` characters in ``code_page``.

    ``code_page`` None means the text keeps all of Unicode (text and HTML views).
    """

    title: str
    columns: int
    code_page: str | None
    blocks: tuple[Block, ...]


@dataclass(slots=True)
class Page:
    """Builds a :class:`Document`, fitting every line to the width and code page."""

    title: str
    columns: int
    code_page: str | None
    blocks: list[Block] = field(default_factory=list)

    def fit(self, text: str) -> str:
        """``text`` as the printer can print it (transliterated, no control characters)."""
        clean = " ".join(visible(text).split())
        return printable(clean, self.code_page) if self.code_page else clean

    def line(
        self,
        text: str,
        *,
        align: Align = "left",
        bold: bool = False,
        big: bool = False,
        tall: bool = False,
        indent: int = 0,
    ) -> None:
        """Add text, wrapped to the width; ``big`` doubles both sizes, ``tall`` the height."""
        width = 2 if big else 1
        columns = max(8, self.columns // width - indent)
        for part in textwrap.wrap(self.fit(text), columns) or [""]:
            self.blocks.append(
                Text(" " * indent + part, align, bold, width, 2 if big or tall else 1)
            )

    def pair(
        self, left: str, right: str, *, bold: bool = False, tall: bool = False, indent: int = 0
    ) -> None:
        """Left text and right-aligned text (an amount) on one line.

        A long left part wraps and ends beside the right part; when the right part is too
        long to share a line, it goes on its own line, right-aligned.
        """
        left, right = " " * indent + self.fit(left), self.fit(right)
        height = 2 if tall else 1
        room = self.columns - len(right) - 1
        if room >= min(len(left), 12):
            parts = textwrap.wrap(left, room) or [""]
            rows = [*parts[:-1], f"{parts[-1]:<{room}} {right}"]
        else:
            rows = textwrap.wrap(left, self.columns) or [""]
            rows += [p.rjust(self.columns) for p in textwrap.wrap(right, self.columns)]
        self.blocks.extend(Text(row, bold=bold, height=height) for row in rows)

    def rule(self) -> None:
        self.blocks.append(Rule())

    def qr(self, data: str) -> None:
        self.blocks.append(QRCode(data))

    def cut(self, *, partial: bool = True) -> None:
        self.blocks.append(Cut(partial))

    def done(self) -> Document:
        """The finished document."""
        return Document(self.title, self.columns, self.code_page, tuple(self.blocks))
