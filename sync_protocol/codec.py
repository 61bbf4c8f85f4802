"""JSON and MessagePack codecs for sync messages and operations.

Both codecs carry the same structures and the same values; pick one by HTTP content type
with :func:`codec_for`. Decoding never raises anything but :class:`DecodeError`: wrong
types, missing fields, unknown tags, truncated or nested-to-death input all come out as
one error whose message says where the input went wrong.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import lru_cache
from typing import Annotated, Any, Final, NamedTuple, TypeVar

import msgspec

from sync_protocol.errors import DecodeError, UnsupportedMediaType
from sync_protocol.messages import MAX_BATCH, AnyMessage, PushRequest
from sync_protocol.operations import Op

T = TypeVar("T")

JSON_CONTENT_TYPE: Final = "application/json"
MSGPACK_CONTENT_TYPE: Final = "application/msgpack"


class Codec:
    """Encodes objects to bytes and decodes bytes to a given type.

    Args:
        content_type: the HTTP media type the codec speaks.
        encoder: msgspec's JSON or MessagePack encoder.
        decoder_for: makes a msgspec decoder for a target type.
    """

    def __init__(
        self,
        content_type: str,
        encoder: msgspec.json.Encoder | msgspec.msgpack.Encoder,
        decoder_for: Callable[[Any], Any],
    ) -> None:
        self.content_type = content_type
        self._encoder = encoder
        self._decoder_for = lru_cache(maxsize=64)(decoder_for)

    def encode(self, obj: Any) -> bytes:
        """Encode a message, an operation or plain data."""
        return self._encoder.encode(obj)

    def decode(self, data: bytes | bytearray | memoryview, target: type[T]) -> T:
        """Decode ``data`` as ``target``.

        Raises:
            DecodeError: if the bytes are not a valid ``target``; the message names the
                first problem and where it is (e.g. ``at `$.ops[3].hlc```).
        """
        try:
            result: T = self._decoder_for(target).decode(data)  # type: ignore[arg-type]
        except msgspec.ValidationError as exc:
            raise DecodeError(f"invalid message: {exc}") from exc
        except msgspec.DecodeError as exc:
            raise DecodeError(f"unreadable {self.content_type} body: {exc}") from exc
        except UnicodeDecodeError as exc:
            # msgspec reports invalid UTF-8 inside a string with the builtin error.
            raise DecodeError(f"{self.content_type} body is not valid UTF-8: {exc}") from exc
        except RecursionError as exc:
            raise DecodeError("message is nested too deeply") from exc
        return result

    def decode_message(self, data: bytes | bytearray | memoryview) -> AnyMessage:
        """Decode any sync message, dispatching on its ``type`` tag.

        Raises:
            DecodeError: as :meth:`decode`.
        """
        return self.decode(data, AnyMessage)  # type: ignore[arg-type]

    def decode_push(self, data: bytes | bytearray | memoryview) -> DecodedPush:
        """Decode a push so that one malformed op never sinks the rest of the batch.

        The envelope must be valid; each op is then decoded on its own, and a bad one
        becomes a :class:`DecodeError` in its place, for the hub to quarantine.

        Raises:
            DecodeError: if the envelope itself is not a valid push.
        """
        try:
            # The common case, a batch with nothing wrong, decodes in one pass.
            push = self.decode(data, PushRequest)
        except DecodeError:
            return self._decode_push_op_by_op(data)
        return DecodedPush(push.device_id, list(push.ops))

    def _decode_push_op_by_op(self, data: bytes | bytearray | memoryview) -> DecodedPush:
        envelope = self.decode(data, _RawPush)
        ops: list[Op | DecodeError] = []
        for index, raw in enumerate(envelope.ops):
            try:
                ops.append(self.decode(raw, Op))  # type: ignore[arg-type]
            except DecodeError as exc:
                ops.append(DecodeError(f"op {index}: {exc}"))
        return DecodedPush(envelope.device_id, ops)


class _RawPush(msgspec.Struct, frozen=True, kw_only=True, tag_field="type", tag="push"):
    device_id: uuid.UUID
    ops: Annotated[list[msgspec.Raw], msgspec.Meta(max_length=MAX_BATCH)]


class DecodedPush(NamedTuple):
    """A push whose ops were decoded one by one.

    Attributes:
        device_id: the sending device.
        ops: each op in the order sent, or the :class:`DecodeError` it raised.
    """

    device_id: uuid.UUID
    ops: list[Op | DecodeError]


JSON: Final = Codec(
    JSON_CONTENT_TYPE,
    msgspec.json.Encoder(),
    lambda target: msgspec.json.Decoder(target),
)
MSGPACK: Final = Codec(
    MSGPACK_CONTENT_TYPE,
    msgspec.msgpack.Encoder(),
    lambda target: msgspec.msgpack.Decoder(target),
)

_BY_MEDIA_TYPE: Final = {
    JSON_CONTENT_TYPE: JSON,
    MSGPACK_CONTENT_TYPE: MSGPACK,
    "application/x-msgpack": MSGPACK,
    "application/vnd.msgpack": MSGPACK,
}


def codec_for(content_type: str | None) -> Codec:
    """The codec for an HTTP ``Content-Type`` (parameters ignored); JSON when absent.

    Raises:
        UnsupportedMediaType: for any other media type.
    """
    if not content_type:
        return JSON
    media_type = content_type.split(";", 1)[0].strip().lower()
    try:
        return _BY_MEDIA_TYPE[media_type]
    except KeyError:
        raise UnsupportedMediaType(content_type) from None
