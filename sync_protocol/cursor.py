"""Pull cursors: opaque to devices, meaningful to the hub.

A cursor records how far a device has pulled in each commit-sequence scope (its outlet,
and tenant-wide reference data) and the hub epoch those positions belong to. It travels
as URL-safe base64 of a small MessagePack array, so a device stores and sends it back
without looking inside.
"""

from __future__ import annotations

import base64
import binascii

import msgspec

from sync_protocol.errors import DecodeError

_VERSION = 1


class Cursor(msgspec.Struct, frozen=True, array_like=True):
    """A device's pull position.

    Attributes:
        version: cursor format version.
        epoch: the hub history the positions belong to.
        outlet_seq: last outlet-scope commit sequence delivered.
        tenant_seq: last tenant-scope (reference data) commit sequence delivered.
    """

    version: int
    epoch: str
    outlet_seq: int
    tenant_seq: int


_decoder = msgspec.msgpack.Decoder(Cursor)
_encoder = msgspec.msgpack.Encoder()


def encode_cursor(epoch: str, outlet_seq: int, tenant_seq: int) -> str:
    """Make the opaque cursor for a position in a hub epoch."""
    packed = _encoder.encode(Cursor(_VERSION, epoch, outlet_seq, tenant_seq))
    return base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def decode_cursor(token: str) -> Cursor:
    """Read a cursor made by :func:`encode_cursor`.

    Raises:
        DecodeError: if the token is not a cursor of a known version.
    """
    try:
        packed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        cursor = _decoder.decode(packed)
    except (binascii.Error, ValueError, msgspec.DecodeError) as exc:
        raise DecodeError(f"invalid cursor: {exc}") from exc
    if cursor.version != _VERSION or cursor.outlet_seq < 0 or cursor.tenant_seq < 0:
        raise DecodeError("invalid cursor: unknown version or negative position")
    return cursor
