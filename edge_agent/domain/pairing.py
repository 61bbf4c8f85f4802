"""Pairing a device of the outlet's LAN (a waiter's tablet) with this agent.

A manager makes a one-time **pairing code**: ``CODE_DIGITS`` digits, good for
``CODE_LIFE_MS`` and for one claim. The tablet trades it for a **client token** (random,
kept on the agent as its SHA-256 only) that it sends with every request on the LAN
listener. Codes are guessable only by trying: after ``MAX_FAILURES`` wrong claims within
``FAILURE_WINDOW_MS`` every open code is cancelled and claims are refused until the
oldest of those failures is out of the window, so no code ever meets more than
``MAX_FAILURES`` guesses (a chance of 5 in 10^8 for 8 digits).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

CODE_DIGITS = 8
CODE_LIFE_MS = 5 * 60_000
MAX_FAILURES = 5
FAILURE_WINDOW_MS = 5 * 60_000
NAME_MAX = 64


def code_from_number(number: int) -> str:
    """A pairing code of ``CODE_DIGITS`` digits from a random number below 10**digits."""
    return f"{number % 10**CODE_DIGITS:0{CODE_DIGITS}d}"


def normalise_code(raw: str) -> str | None:
    """The digits of a code as typed (``1234 5678``, ``1234-5678``), or None if it
    cannot be a code."""
    digits = "".join(ch for ch in raw if ch not in " -")
    if len(digits) != CODE_DIGITS or not (digits.isascii() and digits.isdigit()):
        return None
    return digits


def digest(secret: str) -> str:
    """What is stored of a code or a client token: its SHA-256, hex."""
    return hashlib.sha256(secret.encode()).hexdigest()


def refused_until(failures_ms: Iterable[int], now_ms: int) -> int | None:
    """When claims may be tried again, or None if they may now.

    Claims are refused while ``MAX_FAILURES`` failures lie within the window before now.
    """
    recent = sorted(at for at in failures_ms if now_ms - at < FAILURE_WINDOW_MS)
    if len(recent) < MAX_FAILURES:
        return None
    return recent[-MAX_FAILURES] + FAILURE_WINDOW_MS
