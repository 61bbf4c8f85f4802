"""Re-issuing a restored device's unsent ops under its successor identity.

The hub never got these ops, and the sequences and receipt numbers they carry may be
taken already by ops the old identity made before the backup was restored. So each one
is issued again, in its original order, as a new op of the successor:

- a new op id (UUIDv7 of the op's own time), the successor's device id and its gapless
  ``device_seq`` from ``first_seq``; the HLC stamp is kept, so what happened first still
  wins where an order decides;
- a field edit's ``base`` naming another re-issued op names its new id, and a
  ``resolves`` naming a conflict whose base was re-issued names that conflict's new id;
- a ticket opened by these ops (its header sets ``receipt_no``) gets the successor's next
  receipt number, and keeps the number it was printed with as ``restored_receipt_no``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import msgspec

from edge_agent.domain.numbering import receipt_number
from sync_protocol import FieldEdit, Op, uuid7
from sync_protocol.merge import conflict_id

RECEIPT = "receipt_no"
RESTORED_RECEIPT = "restored_receipt_no"


@dataclass(frozen=True, slots=True)
class Renumbered:
    """A ticket's receipt number before and after the re-issue."""

    ticket_id: str
    before: str
    after: str


@dataclass(slots=True)
class Reissued:
    """The new ops, each original with the op that replaces it, and renumbered tickets."""

    ops: list[Op] = field(default_factory=list)
    links: list[tuple[Op, Op]] = field(default_factory=list)
    receipts: list[Renumbered] = field(default_factory=list)


def reissue(
    unsent: Sequence[Op],
    *,
    device_id: uuid.UUID,
    outlet: str,
    device_code: str,
    first_seq: int = 1,
    first_receipt: int = 1,
) -> Reissued:
    """Issue ``unsent`` (in ``device_seq`` order) again as ops of ``device_id``.

    Raises:
        InvalidValue: the device or outlet code cannot be part of a receipt number.
    """
    new_ids = {op.op_id: uuid7(op.hlc >> 16) for op in unsent}
    conflicts = _moved_conflicts(unsent, new_ids)
    done = Reissued()
    receipt = first_receipt
    for seq, op in enumerate(unsent, start=first_seq):
        changes: dict[str, object] = {
            "op_id": new_ids[op.op_id],
            "device_id": device_id,
            "device_seq": seq,
        }
        if isinstance(op, FieldEdit):
            changes["base"] = {f: new_ids.get(b, b) for f, b in op.base.items()}
            changes["resolves"] = tuple(conflicts.get(c, c) for c in op.resolves)
            if op.entity == "ticket" and isinstance(op.changes.get(RECEIPT), str):
                before = str(op.changes[RECEIPT])
                after = receipt_number(outlet, device_code, receipt)
                receipt += 1
                changes["changes"] = {**op.changes, RECEIPT: after, RESTORED_RECEIPT: before}
                done.receipts.append(Renumbered(op.entity_id, before, after))
        new = msgspec.structs.replace(op, **changes)
        done.ops.append(new)
        done.links.append((op, new))
    return done


def _moved_conflicts(unsent: Sequence[Op], new_ids: dict[uuid.UUID, uuid.UUID]) -> dict[str, str]:
    """Conflict ids whose base is a re-issued op, mapped to the ids they get."""
    moved: dict[str, str] = {}
    for op in unsent:
        if not isinstance(op, FieldEdit):
            continue
        for name, base in op.base.items():
            if base in new_ids:
                before = conflict_id(op.entity, op.entity_id, name, str(base))
                moved[before] = conflict_id(op.entity, op.entity_id, name, str(new_ids[base]))
    return moved
