"""Text for a printer's code page: transliterated, never a "?".

A receipt printer knows one 8-bit code page at a time. Every character is printed as
itself when the page has it (CP858 has "€" at 0xD5; CP437 does not), else as a close
ASCII spelling ("€" -> "EUR", "é" -> "e", "“" -> '"'), else left out. Control characters
are always left out, so a note typed by a customer can never smuggle in an ESC/POS
command (a drawer kick, a cut).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from functools import cache

#: Python codec of each code page we print in.
CODECS: Mapping[str, str] = {"CP437": "cp437", "CP858": "cp858"}

#: Spellings for characters that have no decomposition to ASCII.
SPELLINGS: Mapping[str, str] = {
    "\u20ac": "EUR",  # euro sign
    "£": "GBP",
    "¥": "JPY",
    "\u20a6": "NGN",  # naira sign
    "\u20b9": "INR",  # indian rupee sign
    "¢": "c",
    "\u2018": "'",  # left single quotation mark
    "\u2019": "'",  # right single quotation mark
    "\u201a": "'",  # single low-9 quotation mark
    "\u2032": "'",  # prime
    "\u02bc": "'",  # modifier letter apostrophe
    "\u201c": '"',  # left double quotation mark
    "\u201d": '"',  # right double quotation mark
    "\u201e": '"',  # double low-9 quotation mark
    "\u2033": '"',  # double prime
    "«": '"',
    "»": '"',
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2012": "-",  # figure dash
    "\u2212": "-",  # minus sign
    "\u2010": "-",  # hyphen
    "\u2026": "...",  # horizontal ellipsis
    "\u2022": "*",  # bullet
    "·": ".",
    "\u00d7": "x",  # multiplication sign
    "÷": "/",
    "\u2122": "TM",  # trade mark sign
    "©": "(C)",
    "®": "(R)",
    "°": "o",
    "ß": "ss",
    "æ": "ae",
    "Æ": "AE",
    "œ": "oe",
    "Œ": "OE",
    "ø": "o",
    "Ø": "O",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ð": "d",
    "Ð": "D",
    "þ": "th",
    "Þ": "Th",
    "\u0131": "i",  # latin small letter dotless i
    "\u00a0": " ",
    "\u2009": " ",  # thin space
    "\u202f": " ",  # narrow no-break space
}


def supported(code_page: str) -> bool:
    """Whether we can print in this code page."""
    return code_page in CODECS


@cache
def _encodable(code_page: str, char: str) -> bool:
    try:
        char.encode(CODECS[code_page])
    except UnicodeEncodeError:
        return False
    return True


def _spell(char: str, fits: Callable[[str], bool]) -> str:
    spelling = SPELLINGS.get(char)
    if spelling is not None and all(fits(c) for c in spelling):
        return spelling
    decomposed = unicodedata.normalize("NFKD", char)
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    if kept != char and kept and all(fits(c) for c in kept):
        return kept
    return ""


def printable(text: str, code_page: str) -> str:
    """``text`` with only characters the code page has, spelled out where needed.

    Raises:
        KeyError: the code page is not one of :data:`CODECS`.
    """
    CODECS[code_page]
    out = []
    for char in unicodedata.normalize("NFC", text):
        if unicodedata.category(char) == "Cc":
            continue
        if _encodable(code_page, char):
            out.append(char)
        else:
            out.append(_spell(char, lambda c: _encodable(code_page, c)))
    return "".join(out)


def encode(text: str, code_page: str) -> bytes:
    """The bytes of ``text`` in the code page, after :func:`printable`.

    Raises:
        KeyError: the code page is not one of :data:`CODECS`.
    """
    return printable(text, code_page).encode(CODECS[code_page])


def visible(text: str) -> str:
    """``text`` without control characters, for views that keep all of Unicode."""
    return "".join(c for c in text if unicodedata.category(c) != "Cc")
