"""What the agent API accepts: bounded values for the request schemas, and one strict
check of every JSON body before a handler sees it.

Every integer a request carries has bounds that keep money and quantities far inside a
signed 64-bit column (a line is at most 9,999 units of at most 1,000,000,000.00), and
every string a length. The check runs once per request (:func:`check_body`, a
``before_request`` hook):

- an ``Idempotency-Key`` longer than :data:`MAX_IDEMPOTENCY_KEY` characters is refused
  (it would be stored with the answer);
- nesting deeper than :data:`MAX_DEPTH` is refused before the body is parsed;
- text holding a control character (NUL, escape, ...) is refused with
  ``control_character``: such text would reach a printer or a PostgreSQL column that
  cannot hold it;
- the body is decoded strictly against the handler's schema: ``"2"`` is not a number
  and ``1`` is not a boolean (litestar's own decoding would accept both).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import msgspec
from litestar import Request

from edge_agent.services.errors import ControlCharacter, InvalidBody, MalformedBody

#: The largest amount of money in one request, in minor units (1,000,000,000.00).
MAX_AMOUNT = 100_000_000_000
#: The deepest nesting of arrays and objects a body may have.
MAX_DEPTH = 16
#: The longest ``Idempotency-Key``, in characters.
MAX_IDEMPOTENCY_KEY = 200

Amount = Annotated[int, msgspec.Meta(ge=0, le=MAX_AMOUNT)]
#: Signed money (the domain says which signs it takes, with its own error codes).
SignedAmount = Annotated[int, msgspec.Meta(ge=-MAX_AMOUNT, le=MAX_AMOUNT)]
Quantity = Annotated[int, msgspec.Meta(ge=-9_999, le=9_999)]
Seat = Annotated[int, msgspec.Meta(ge=1, le=999)]
Course = Annotated[int, msgspec.Meta(ge=1, le=99)]
Covers = Annotated[int, msgspec.Meta(ge=1, le=999)]
Parts = Annotated[int, msgspec.Meta(ge=1, le=50)]
Denomination = Annotated[int, msgspec.Meta(ge=1, le=MAX_AMOUNT)]
Count = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
Pin = Annotated[str, msgspec.Meta(min_length=4, max_length=12, pattern=r"^[0-9]+$")]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Reason = Annotated[str, msgspec.Meta(max_length=500)]
Note = Annotated[str, msgspec.Meta(max_length=200)]
Reference = Annotated[str, msgspec.Meta(max_length=64)]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_WRITES = frozenset({"POST", "PUT", "PATCH"})


def too_deep(body: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether JSON text nests arrays and objects deeper than ``limit`` (strings skipped)."""
    depth, in_string, escaped = 0, False, False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def control_path(value: Any, path: str = "$") -> str | None:
    """Where the first text with a control character is (keys included), or None."""
    if isinstance(value, str):
        return path if _CONTROL.search(value) else None
    if isinstance(value, list):
        for n, item in enumerate(value):
            found = control_path(item, f"{path}[{n}]")
            if found:
                return found
    if isinstance(value, dict):
        for key, item in value.items():
            if _CONTROL.search(key):
                return f"{path} (a key)"
            found = control_path(item, f"{path}.{key}")
            if found:
                return found
    return None


def _schema(request: Request[Any, Any, Any]) -> Any | None:
    parameter = request.route_handler.parsed_fn_signature.parameters.get("data")
    return None if parameter is None else parameter.annotation


async def check_body(request: Request[Any, Any, Any]) -> None:
    """Refuse a JSON body that is too deep, holds control characters, or does not match
    the handler's schema with strict types.

    Raises:
        MalformedBody: not JSON.
        InvalidBody: too deep, or not the schema (wrong type, out of bounds), or an
            ``Idempotency-Key`` that is too long.
        ControlCharacter: a control character in any text.
    """
    if request.method not in _WRITES:
        return
    if len(request.headers.get("idempotency-key", "")) > MAX_IDEMPOTENCY_KEY:
        raise InvalidBody(f"an Idempotency-Key is at most {MAX_IDEMPOTENCY_KEY} characters")
    schema = _schema(request)
    body = await request.body()
    if schema is None or not body.strip():
        return
    if too_deep(body):
        raise InvalidBody(f"the body nests deeper than {MAX_DEPTH} levels")
    try:
        document = msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise MalformedBody(f"the body is not valid JSON: {exc}") from None
    where = control_path(document)
    if where is not None:
        raise ControlCharacter(f"text at {where} holds a control character; remove it")
    try:
        # Object keys are text in JSON: str_keys lets {"1000": 3} be a denomination.
        msgspec.convert(document, type=schema, strict=True, str_keys=True)
    except msgspec.ValidationError as exc:
        raise InvalidBody(str(exc)) from None
