"""Operations: the unit of replication.

Every change on a device is written as one or more operations in its op log, in the same
transaction as the change. An operation is a frozen, tagged msgspec Struct; the ``kind``
tag selects one of five shapes, each merged by its own rule (:mod:`sync_protocol.merge`):

=============== ================= ===============================================
kind            struct            merged as
=============== ================= ===============================================
``field``       :class:`FieldEdit`     per-field last-writer-wins with conflicts
``event``       :class:`Event`         append-only fact (lines, payments, ...)
``status``      :class:`StatusChange`  monotone lifecycle status
``counter``     :class:`CounterDelta`  summed delta (stock, covers, ...)
``tombstone``   :class:`Tombstone`     the entity is deleted, for good
=============== ================= ===============================================

Schema evolution: new fields get defaults and go last; a field never changes its type;
a tag is never reused. See ``docs/sync-protocol.md``.
"""

from __future__ import annotations

import functools
import uuid
from typing import Annotated, Any, TypeAlias

import msgspec

from sync_protocol.hlc import MAX_WALL_MS
from sync_protocol.values import check_mapping, check_value

#: Schema version of the operation payloads this package writes.
SCHEMA_VERSION = 1

# msgspec matches patterns with ``re.search``, where ``$`` also matches before a final
# newline; ``(?!\n)`` refuses it, and unlike ``\Z`` still reads the same in JSON Schema.
Slug = Annotated[
    str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_-]*$(?!\n)")
]
Code = Annotated[
    str, msgspec.Meta(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$(?!\n)")
]
Name = Annotated[
    str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_.]*$(?!\n)")
]
# Control characters are refused: they separate the parts of conflict ids and hashes.
EntityId = Annotated[
    str, msgspec.Meta(min_length=1, max_length=128, pattern=r"^[^\x00-\x1f\x7f]+$(?!\n)")
]
DeviceSeq = Annotated[int, msgspec.Meta(ge=1, le=(1 << 63) - 1)]
HLCStamp = Annotated[int, msgspec.Meta(ge=0, le=(MAX_WALL_MS << 16) | 0xFFFF)]
SchemaVersion = Annotated[int, msgspec.Meta(ge=1, le=65535)]


@functools.cache
def _tag(kind: type[msgspec.Struct]) -> str:
    # Reading __struct_config__ builds a new config object on every access.
    return str(kind.__struct_config__.tag)


class Operation(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind"):
    """Fields every operation carries, whatever its kind.

    Attributes:
        op_id: UUIDv7 made on the device; the operation's identity everywhere.
        tenant: the tenant slug.
        outlet: the outlet code.
        device_id: the device that made the operation.
        device_seq: position in the device's op log, gapless from 1.
        hlc: the device's hybrid-logical timestamp when it made the operation.
        entity: the kind of thing changed, e.g. ``ticket``.
        entity_id: which one.
        schema_version: version of the payload schema the device wrote.
    """

    op_id: uuid.UUID
    tenant: Slug
    outlet: Code
    device_id: uuid.UUID
    device_seq: DeviceSeq
    hlc: HLCStamp
    entity: Name
    entity_id: EntityId
    schema_version: SchemaVersion = SCHEMA_VERSION

    def __post_init__(self) -> None:
        if self.op_id.version != 7:
            raise ValueError("op_id must be a version 7 UUID")
        self._check_payload()

    def _check_payload(self) -> None:
        """Check the kind-specific payload; raise ValueError when it is invalid."""

    @property
    def kind(self) -> str:
        """The operation's wire tag: ``field``, ``event``, ``status``, ``counter``..."""
        return _tag(type(self))

    @property
    def order_key(self) -> tuple[int, str, str]:
        """Total order used to pick a winner: HLC, then device id, then op id."""
        return (self.hlc, str(self.device_id), str(self.op_id))


class FieldEdit(Operation, frozen=True, kw_only=True, tag="field"):
    """Set one or more fields of an entity header (table, covers, name, notes, ...).

    Attributes:
        changes: field name -> new value.
        base: field name -> op id of the write the editor saw for that field; a field
            absent here had never been written when the editor changed it.
        resolves: ids of conflicts this edit settles (a manager's resolution).
    """

    changes: dict[Name, Any]
    base: dict[Name, uuid.UUID] = {}
    resolves: tuple[str, ...] = ()

    def _check_payload(self) -> None:
        if not self.changes:
            raise ValueError("a field edit must change at least one field")
        check_mapping(self.changes, "changes")
        stray = set(self.base) - set(self.changes)
        if stray:
            raise ValueError(f"base names fields the edit does not change: {sorted(stray)}")


class Event(Operation, frozen=True, kw_only=True, tag="event"):
    """An append-only fact: a line added, a payment taken, a drawer movement, ...

    Attributes:
        name: what happened, e.g. ``line_added``.
        data: the fact's details.
    """

    name: Name
    data: dict[str, Any] = {}

    def _check_payload(self) -> None:
        check_mapping(self.data, "data")


class StatusChange(Operation, frozen=True, kw_only=True, tag="status"):
    """Move an entity along its lifecycle; merged so the status never moves back.

    Attributes:
        status: the status reached, one of the entity lifecycle's statuses.
    """

    status: Name


class CounterDelta(Operation, frozen=True, kw_only=True, tag="counter"):
    """Add ``delta`` to a named counter of the entity (stock on hand, covers, ...).

    Attributes:
        counter: the counter's name.
        delta: the signed amount to add.
    """

    counter: Name
    delta: int

    def _check_payload(self) -> None:
        check_value(self.delta, "delta")


class Tombstone(Operation, frozen=True, kw_only=True, tag="tombstone"):
    """Delete the entity. A deletion is final: later edits are kept but hidden.

    Attributes:
        reason: why, for the audit trail.
    """

    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""


#: Any operation, as decoded from the wire.
Op: TypeAlias = FieldEdit | Event | StatusChange | CounterDelta | Tombstone
