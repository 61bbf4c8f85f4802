"""Messages of a restored device's recovery: ``/sync/v1/successor`` and ``/sync/v1/known``.

A device whose log the hub proved different from what it holds (restored from a backup,
section 19 of ``docs/sync-protocol.md``) cannot push on under its identity: its next
sequences are taken. It asks for a **successor**: a new device of the same outlet, with
a new id (made by the device), a new device code and a new credential; the old device is
retired. It then asks which of its own ops the hub already holds (``known``) and re-issues
the others under the successor.

Both endpoints are new: older peers never see these messages, so they need no new
protocol version. They follow the same evolution rules as :mod:`sync_protocol.messages`.
"""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec

from sync_protocol.messages import MAX_BATCH, Message, Sequence

DeviceCode = Annotated[str, msgspec.Meta(min_length=1, max_length=16)]


class SuccessorRequest(Message, frozen=True, kw_only=True, tag="successor"):
    """A diverged device asks the hub for a successor identity.

    Sent with the old device's credential. The hub grants it only when it has proven
    the divergence itself (it answered ``reset_required``), when ``last_seq`` is below
    its ``last_applied_seq``, or when it holds another op than ``proof_op_id`` at
    ``proof_seq``; otherwise it answers ``not_diverged``.

    Attributes:
        device_id: the old device; must match the credential.
        successor_id: the id the device made for its successor; sending the same id
            again after a lost answer gets the same successor.
        last_seq: the highest ``device_seq`` in the device's op log.
        proof_seq: a sequence at which the device's log and the hub's differ (0: none).
        proof_op_id: the device's own op id at ``proof_seq``.
        agent_version: the agent's software version, for support.
    """

    device_id: uuid.UUID
    successor_id: uuid.UUID
    last_seq: Sequence
    proof_seq: Sequence = 0
    proof_op_id: uuid.UUID | None = None
    agent_version: Annotated[str, msgspec.Meta(max_length=64)] = ""


class SuccessorGranted(Message, frozen=True, kw_only=True, tag="successor_granted"):
    """The hub's answer: who the device is from now on.

    Attributes:
        device_id: the successor's id (the one the device proposed).
        device_code: the successor's device code, new in the outlet (e.g. ``D01R1``);
            receipt numbers are issued under it from 1.
        credential: the successor's credential (shown once; a retry after a lost answer
            gets a new one while the successor has not synced yet).
        hub_epoch: the hub's current epoch.
        previous_device_id: the retired device.
        previous_device_code: its code.
    """

    device_id: uuid.UUID
    device_code: DeviceCode
    credential: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    hub_epoch: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    previous_device_id: uuid.UUID
    previous_device_code: DeviceCode


class KnownOpsRequest(Message, frozen=True, kw_only=True, tag="known_ops"):
    """Which of these op ids does the hub hold (applied or quarantined) in the tenant?

    Attributes:
        op_ids: at most :data:`~sync_protocol.messages.MAX_BATCH` ids.
    """

    op_ids: Annotated[list[uuid.UUID], msgspec.Meta(max_length=MAX_BATCH)]


class KnownOpsResponse(Message, frozen=True, kw_only=True, tag="known_ops_result"):
    """The ids of the request that the hub holds, in the request's order.

    Attributes:
        known: the held ids.
    """

    known: list[uuid.UUID]


__all__ = [
    "KnownOpsRequest",
    "KnownOpsResponse",
    "SuccessorGranted",
    "SuccessorRequest",
]
