"""Staff PINs, hashed exactly as the edge agent verifies them.

Format ``scrypt$n$r$p$<salt hex>$<key hex>`` with a 32-byte key: the same string
``edge_agent.domain.rbac.verify_pin`` reads (copied, not imported: the hub and the agent
never import each other). New hashes take n=2**13, r=8, p=1, chosen for the tills that
verify them offline (ADR 0019); hashes made with other parameters still verify, and are
made again with these when their PIN is set. The hub never stores or returns a PIN.
scrypt is slow on purpose, so callers in the event loop run these in a thread.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cloud_hub.services.errors import InvalidInput

SCRYPT_N, SCRYPT_R, SCRYPT_P, KEY_BYTES, SALT_BYTES = 2**13, 8, 1, 32, 16
MIN_LENGTH, MAX_LENGTH = 4, 12


def check_pin(pin: str) -> str:
    """A PIN: 4 to 12 ASCII digits.

    Raises:
        InvalidInput: anything else.
    """
    if not (MIN_LENGTH <= len(pin) <= MAX_LENGTH and pin.isascii() and pin.isdigit()):
        raise InvalidInput(f"a PIN is {MIN_LENGTH} to {MAX_LENGTH} digits")
    return pin


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """Hash a PIN for a staff document; a fresh random salt unless one is given.

    Raises:
        InvalidInput: the PIN is not 4 to 12 digits.
    """
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    key = _scrypt(check_pin(pin), salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, KEY_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${key.hex()}"


def is_current(encoded: str) -> bool:
    """Whether a stored hash was made with today's parameters (else it is made again)."""
    return encoded.startswith(f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}$")


def verify_pin(pin: str, encoded: str) -> bool:
    """Whether ``pin`` matches a stored hash; a malformed hash matches nothing."""
    try:
        scheme, n, r, p, salt_hex, key_hex = encoded.split("$")
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(key_hex)
        params = int(n), int(r), int(p)
    except ValueError:
        return False
    sane = (
        2 <= params[0] <= 2**20
        and params[0] & (params[0] - 1) == 0
        and 1 <= params[1] <= 32
        and 1 <= params[2] <= 16
    )
    if scheme != "scrypt" or not sane or not expected:
        return False
    key = _scrypt(pin, salt, *params, len(expected))
    return hmac.compare_digest(key, expected)


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(
        pin.encode(), salt=salt, n=n, r=r, p=p, maxmem=256 * r * n + 2**20, dklen=dklen
    )
