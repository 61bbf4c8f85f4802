"""Pairing a LAN device (a waiter's tablet) with the till: requests and answers."""

from __future__ import annotations

from typing import Annotated

import msgspec

from edge_agent.domain import pairing as rules
from edge_agent.http.schemas.units import Ident, Ms, Text

CLIENT_HEADER = "X-Pos-Client"

Fingerprint = Annotated[
    str | None,
    msgspec.Meta(
        description=(
            "SHA-256 fingerprint of the LAN listener's TLS certificate, for the device to pin; "
            "null when the agent serves no LAN listener."
        )
    ),
]


class Claim(msgspec.Struct, forbid_unknown_fields=True):
    """A device's claim of a pairing code."""

    code: Annotated[
        str,
        msgspec.Meta(min_length=1, max_length=32, description="The one-time code a manager made."),
    ]
    name: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=rules.NAME_MAX,
            description="What to call the device in the list of paired devices.",
        ),
    ]


Kiosk = Annotated[
    bool,
    msgspec.Meta(
        description=(
            "A self-order kiosk: its client token alone is its credential, under the kiosk "
            "role (browse, order, pay; nothing else)."
        )
    ),
]


class PairingCode(msgspec.Struct):
    """A one-time pairing code, shown once: good for five minutes and one device."""

    id: Ident
    code: Annotated[str, msgspec.Meta(description="The code to type on the device.")]
    expires_ms: Ms
    claim_url: Annotated[
        str | None,
        msgspec.Meta(description="Where the device claims it; null without a LAN listener."),
    ]
    certificate_sha256: Fingerprint
    kiosk: Kiosk = False


class Paired(msgspec.Struct):
    """A device just paired: send ``client_token`` in ``header`` with every request."""

    id: Ident
    name: Text
    client_token: Annotated[
        str, msgspec.Meta(description="The paired device's secret, shown this once.")
    ]
    header: Annotated[
        str, msgspec.Meta(description="The header that carries the client token.")
    ] = CLIENT_HEADER
    kiosk: Kiosk = False


class PairedDevice(msgspec.Struct, kw_only=True):
    """A paired device as a manager sees it."""

    id: Ident
    name: Text
    paired_ms: Ms
    last_seen_ms: Annotated[
        int | None, msgspec.Meta(description="Its last request (ms since epoch, UTC); or null.")
    ]
    revoked_ms: Annotated[
        int | None, msgspec.Meta(description="When it was revoked (ms since epoch, UTC); or null.")
    ]
    revoked_by: Annotated[
        str | None, msgspec.Meta(description="Who revoked it (a staff id or `service`); or null.")
    ]
    kiosk: Kiosk = False


class Pairings(msgspec.Struct, kw_only=True):
    """The paired devices, revoked ones included, and where they reach the agent."""

    url: Annotated[
        str | None, msgspec.Meta(description="The LAN listener's URL; null: loopback only.")
    ]
    certificate_sha256: Fingerprint
    clients: list[PairedDevice]
