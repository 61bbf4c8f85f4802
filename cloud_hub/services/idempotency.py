"""Admin creating requests run once per ``Idempotency-Key`` (a double tap, a lost answer).

The first answer is stored in the transaction of the request's effects, so a repeat of
the same request with the same key gets that answer back and changes nothing; the key
with another request is refused. Keys are scoped by caller (a tenant, the operator,
enrolling devices) and kept :data:`KEPT_MS`. Only a hash of the key is stored, and the
answer is encrypted under the key with AES-256-GCM (``cryptography``; the AES key is
derived from the scope and the idempotency key by HKDF-SHA256, a fresh nonce per
answer): answers that show a secret once (an admin token, an enrollment code, a device
credential) are no easier to read from the database than the secrets' own digests.
Keys should be random (a UUID), as for any bearer secret.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

import sqlalchemy as sa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.services.errors import IdempotencyKeyReused, Malformed
from cloud_hub.store.models import admin_idempotency

MAX_KEY_LENGTH = 200
_NONCE_BYTES = 12
#: How long a key's answer is kept: a repeat after that runs the request again.
KEPT_MS = 24 * 3600 * 1000


@dataclass(frozen=True, slots=True)
class Answer:
    """A stored answer: HTTP status and JSON body."""

    status: int
    body: bytes


def request_hash(method: str, path: str, body: bytes) -> str:
    """What identifies a request for its key: method, path and body."""
    return hashlib.sha256(b"\x1f".join((method.encode(), path.encode(), body))).hexdigest()


async def recall(
    conn: AsyncConnection, scope: str, key: str, fingerprint: str, *, now_ms: int
) -> Answer | None:
    """The first answer to ``key`` in ``scope``, if the request was seen in time.

    Raises:
        Malformed: an empty key, or one longer than 200 characters.
        IdempotencyKeyReused: the key came with another request.
    """
    if not 0 < len(key) <= MAX_KEY_LENGTH:
        raise Malformed(f"an Idempotency-Key is 1-{MAX_KEY_LENGTH} characters")
    row = (
        await conn.execute(
            sa.select(admin_idempotency).where(
                admin_idempotency.c.scope == scope,
                admin_idempotency.c.key_hash == _key_hash(scope, key),
                admin_idempotency.c.created_ms > now_ms - KEPT_MS,
            )
        )
    ).first()
    if row is None:
        return None
    if row.request_hash != fingerprint:
        raise IdempotencyKeyReused(f"Idempotency-Key {key!r} was used for another request")
    return Answer(row.status, _unseal(scope, key, bytes(row.answer)))


async def remember(
    conn: AsyncConnection, scope: str, key: str, fingerprint: str, answer: Answer, *, now_ms: int
) -> None:
    """Store the first answer to ``key`` (and drop the scope's expired keys)."""
    key_hash = _key_hash(scope, key)
    await conn.execute(
        sa.delete(admin_idempotency).where(
            admin_idempotency.c.scope == scope,
            sa.or_(
                admin_idempotency.c.created_ms <= now_ms - KEPT_MS,
                admin_idempotency.c.key_hash == key_hash,
            ),
        )
    )
    await conn.execute(
        sa.insert(admin_idempotency).values(
            scope=scope,
            key_hash=key_hash,
            request_hash=fingerprint,
            status=answer.status,
            answer=_seal(scope, key, answer.body),
            created_ms=now_ms,
        )
    )


def _key_hash(scope: str, key: str) -> str:
    return hashlib.sha256(b"pos-hub idempotency key\x00" + _tag(scope, key)).hexdigest()


def _seal(scope: str, key: str, data: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return nonce + AESGCM(_answer_key(scope, key)).encrypt(nonce, data, None)


def _unseal(scope: str, key: str, sealed: bytes) -> bytes:
    nonce, ciphertext = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
    return AESGCM(_answer_key(scope, key)).decrypt(nonce, ciphertext, None)


def _answer_key(scope: str, key: str) -> bytes:
    derive = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"pos-hub answer")
    return derive.derive(_tag(scope, key))


def _tag(scope: str, key: str) -> bytes:
    return scope.encode() + b"\x00" + key.encode()
