"""``GET /api/v1/sync/status``: whether the device is in sync with its hub."""

from __future__ import annotations

from typing import Annotated

import msgspec

from edge_agent.http.schemas.units import Count, Ident, Ms, Text


class LastError(msgspec.Struct, kw_only=True):
    """The last sync failure."""

    code: Text
    message: Annotated[str | None, msgspec.Meta(description="What failed, in words.")]
    at_ms: Ms | None


class ClockProblem(msgspec.Struct, kw_only=True):
    """The device clock disagrees with the hub's."""

    message: Text
    at_ms: Ms | None


class Rebase(msgspec.Struct, kw_only=True):
    """The last time the device's logical clock was pulled back to trusted time."""

    from_hlc: Annotated[int | None, msgspec.Meta(description="Packed 64-bit HLC before.")]
    to_hlc: Annotated[int | None, msgspec.Meta(description="Packed 64-bit HLC after.")]
    ahead_ms: Annotated[int | None, msgspec.Meta(description="How far ahead it was, in ms.")]
    at_ms: Ms


class Quarantined(msgspec.Struct, kw_only=True):
    """An op of this device the hub kept aside."""

    op_id: Ident
    device_seq: Annotated[int, msgspec.Meta(description="The op's sequence on this device.")]
    code: Text
    reason: Text
    recorded_ms: Ms
    state: Text
    settled_ms: Ms | None
    settled_by: Annotated[
        str | None, msgspec.Meta(description="Who released or dropped it at the hub.")
    ]


class Conflict(msgspec.Struct, kw_only=True):
    """An open conflict: concurrent writes of one field, or a ticket's money."""

    conflict_id: Ident
    entity: Text
    entity_id: Ident
    field: Text
    kind: Text
    amount: Annotated[int, msgspec.Meta(description="Money at stake, in minor units.")]


class PreviousIdentity(msgspec.Struct, kw_only=True):
    """An identity the device had before a restore."""

    device_id: Ident
    device_code: Text
    reason: Text


class Restore(msgspec.Struct, kw_only=True):
    """A restore from backup and its recovery."""

    restored_ms: Ms | None
    pending: Annotated[bool, msgspec.Meta(description="Restored and not yet checked with the hub.")]
    recovered_ms: Ms | None
    note: Annotated[str | None, msgspec.Meta(description="What the recovery did.")]
    previous_identities: list[PreviousIdentity]


class Progress(msgspec.Struct, kw_only=True):
    """A sync run in progress."""

    phase: Text
    done: Count
    remaining: Count


class SyncStatus(msgspec.Struct, kw_only=True):
    """Online or offline, what is pending or wrong, and the clock."""

    enrolled: Annotated[bool, msgspec.Meta(description="The device has a hub and a credential.")]
    online: Annotated[bool, msgspec.Meta(description="The hub answered within the online window.")]
    hub_url: Annotated[str | None, msgspec.Meta(description="The hub it syncs with.")]
    hub_epoch: Annotated[
        str | None,
        msgspec.Meta(description="The hub database's identity (changes on a hub restore)."),
    ]
    last_seq: Annotated[int, msgspec.Meta(description="The device's last op sequence.")]
    acked_seq: Annotated[int, msgspec.Meta(description="The last sequence the hub holds.")]
    pending_ops: Count
    last_attempt_ms: Ms | None
    last_success_ms: Ms | None
    last_error: LastError | None
    held_by_hub: Count
    summary: Text
    clock_skew_ms: Annotated[int | None, msgspec.Meta(description="Device minus hub clock, ms.")]
    hlc_skew_ms: Annotated[int | None, msgspec.Meta(description="Stamps ahead of the clock, ms.")]
    clock_measured_ms: Ms | None
    hlc_rebased: Rebase | None
    clock_problem: ClockProblem | None
    push_checkpoint: Annotated[
        int, msgspec.Meta(description="Last own op sequence the hub acknowledged.")
    ]
    pulled_checkpoint: Annotated[int, msgspec.Meta(description="Last hub commit sequence pulled.")]
    quarantined_ops: Count
    quarantined: list[Quarantined]
    open_conflicts: Count
    conflicts: list[Conflict]
    printer_alerts: Annotated[
        list[str], msgspec.Meta(description="Printers that need attention, in words.")
    ]
    restore: Restore
    sync_progress: Progress | None
