"""Field types the hub's API documents: units and meanings said once, used everywhere.

Each alias is an ``Annotated`` type whose ``msgspec.Meta`` becomes the field's
description (and bounds) in the OpenAPI document, so a figure's unit is written beside
its type and cannot drift from it.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

#: Money: an integer in minor units of the currency (cents), never a float.
Minor = Annotated[
    int, msgspec.Meta(description="Money in minor units of the currency (cents).", examples=[35000])
]
#: A count of things.
Count = Annotated[int, msgspec.Meta(ge=0, description="A count.")]
#: A moment: Unix milliseconds.
Millis = Annotated[
    int, msgspec.Meta(description="Unix time in milliseconds (UTC).", examples=[1772431200000])
]
#: A moment that may be unknown.
MaybeMillis = Annotated[
    int | None, msgspec.Meta(description="Unix time in milliseconds (UTC), if known.")
]
#: An ISO 4217 currency code.
Currency = Annotated[str, msgspec.Meta(description="ISO 4217 currency code.", examples=["KES"])]
#: An outlet's code within its tenant.
OutletCode = Annotated[
    str, msgspec.Meta(description="The outlet's code within the tenant.", examples=["NBO1"])
]
#: A local calendar day.
Day = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^\d{4}-\d{2}-\d{2}$",
        description="A calendar day (YYYY-MM-DD) in the outlet's time zone.",
        examples=["2026-03-02"],
    ),
]
#: An opaque paging cursor.
Cursor = Annotated[
    str | None,
    msgspec.Meta(
        description="Opaque cursor of the next page; null on the last page. Pass it back "
        "unchanged as `cursor`."
    ),
]
