"""Annotated field types of the agent's answers: each says its unit once, for every
schema that uses it."""

from __future__ import annotations

from typing import Annotated

import msgspec

Money = Annotated[
    int,
    msgspec.Meta(
        description="Money in minor units of the outlet currency (KES cents: 35000 is 350.00).",
        examples=[35000],
    ),
]
Ms = Annotated[
    int,
    msgspec.Meta(
        description="A moment, in milliseconds since 1970-01-01 UTC.", examples=[1795645023795]
    ),
]
Text = Annotated[str, msgspec.Meta(description="Text as shown to people.")]
Ident = Annotated[
    str, msgspec.Meta(description="An identifier (a UUIDv7 for entities made on a till).")
]
Count = Annotated[int, msgspec.Meta(ge=0, description="A count of things.")]
BasisPoints = Annotated[
    int,
    msgspec.Meta(
        description="A rate in basis points: 1600 is 16%, 10000 is 100%.", examples=[1600]
    ),
]
ByKey = Annotated[
    dict[str, int],
    msgspec.Meta(description="Money in minor units, keyed by a code (tender method, tax code)."),
]
Denominations = Annotated[
    dict[str, int],
    msgspec.Meta(
        description=(
            "Counted notes and coins: the key is the denomination in minor units written as "
            "text (JSON keys are text), the value how many were counted."
        ),
        examples=[{"100000": 2, "5000": 3}],
    ),
]


def deprecated(description: str, instead: str) -> msgspec.Meta:
    """The Meta of a field kept for one release: marked deprecated in the schema."""
    return msgspec.Meta(
        description=f"Deprecated: use `{instead}`. {description}",
        extra_json_schema={"deprecated": True},
    )
