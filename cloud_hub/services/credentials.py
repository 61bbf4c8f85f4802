"""Bearer secrets: made once, shown once, stored only as their SHA-256 digest."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """A fresh credential: 32 random bytes, URL-safe base64."""
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The hex SHA-256 of a secret, as the hub stores it."""
    return hashlib.sha256(secret.encode()).hexdigest()
