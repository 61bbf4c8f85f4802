"""What every check of a pushed op speaks: who pushes it, and why it is set aside."""

from __future__ import annotations

import uuid
from typing import NamedTuple


class Refusal(NamedTuple):
    """Why an op is quarantined: a machine code and words for people."""

    code: str
    reason: str


class Writer(NamedTuple):
    """Who is pushing, as the credential says.

    Attributes:
        device_id: the device's id.
        tenant: its tenant's slug.
        outlet: its outlet's code.
        outlet_id: the hub's id of its outlet (the owner of what it writes).
    """

    device_id: uuid.UUID
    tenant: str
    outlet: str
    outlet_id: str = ""
