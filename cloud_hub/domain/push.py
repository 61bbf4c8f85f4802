"""A push, op by op: read it so one bad op never sinks the batch, then plan each verdict.

:func:`read_push` decodes the envelope whole and each op on its own
(``Codec.decode_push``); an op that does not decode keeps its bytes and, read
leniently, its ``device_seq`` and ``op_id`` when they are there. :func:`plan_push` then
walks the batch in order against the device's ``last_applied_seq`` (section 10 of
``docs/sync-protocol.md``)::

    seq <= last_applied        duplicate, no effect; or, for an op the hub holds in
                               quarantine, its quarantine verdict again; but an op
                               whose id is not the one the hub holds at that seq stops
                               the plan: the device's log diverged (diverged_at),
                               nothing is applied
    seq == last_applied + 1    applied, or quarantined (malformed or refused); the
                               device's last_applied_seq moves to it either way
    seq >  last_applied + 1    a gap: stop, resend_from = last_applied + 1

An op whose ``device_seq`` cannot be read takes its place from the nearest op that
can be (the batch is consecutive); a batch where no op's place can be read at all is
refused whole as ``malformed``.
"""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from cloud_hub.domain.quarantine import Refusal
from sync_protocol import Codec, DecodeError, Op, OpResult, OpStatus

#: Stands for the op id of an op whose id could not be read.
UNKNOWN_OP_ID = uuid.UUID(int=0)
#: Longest reason an ``OpResult`` may carry.
MAX_REASON = 2000
_MAX_SEQ = (1 << 63) - 1


@dataclass(frozen=True, slots=True)
class PushItem:
    """One op of a push as received.

    Attributes:
        op: the decoded op, or None when it did not decode.
        error: why it did not decode.
        raw: its bytes as received, kept only when it did not decode.
        seq_hint: its ``device_seq``, read leniently from an op that did not decode.
        op_id_hint: its ``op_id``, read the same way.
    """

    op: Op | None
    error: str | None = None
    raw: bytes = b""
    seq_hint: int | None = None
    op_id_hint: uuid.UUID | None = None


@dataclass(frozen=True, slots=True)
class Quarantined:
    """An op set aside: where it was in the device's log and why."""

    device_seq: int
    op_id: uuid.UUID | None
    code: str
    reason: str
    op: Op | None
    raw: bytes


@dataclass(slots=True)
class PushPlan:
    """What to do with a push, decided before anything is written.

    Attributes:
        results: one result per op considered, in order.
        apply: the ops to merge and commit, in order.
        quarantine: the ops to set aside.
        last_applied_seq: the device's last applied sequence after this push.
        resend_from: set when the batch stopped at a gap.
        diverged_at: set when an op at or below the device's ``last_applied_seq`` is not
            the op the hub holds there; the push must then be refused whole.
    """

    results: list[OpResult] = field(default_factory=list)
    apply: list[Op] = field(default_factory=list)
    quarantine: list[Quarantined] = field(default_factory=list)
    last_applied_seq: int = 0
    resend_from: int | None = None
    diverged_at: int | None = None


class _LoosePush(msgspec.Struct):
    ops: list[msgspec.Raw]


class _LooseOp(msgspec.Struct):
    device_seq: Any = None
    op_id: Any = None


def read_push(codec: Codec, body: bytes) -> tuple[uuid.UUID, list[PushItem]]:
    """Decode a push body into its sender and its items.

    Raises:
        DecodeError: if the envelope is not a push (more than 5000 ops included).
    """
    decoded = codec.decode_push(body)
    if not any(isinstance(op, DecodeError) for op in decoded.ops):
        return decoded.device_id, [PushItem(op) for op in decoded.ops]  # type: ignore[arg-type]
    raws = codec.decode(body, _LoosePush).ops
    items = [
        _malformed(codec, bytes(raw), op) if isinstance(op, DecodeError) else PushItem(op)
        for op, raw in zip(decoded.ops, raws, strict=True)
    ]
    return decoded.device_id, items


def _malformed(codec: Codec, raw: bytes, error: DecodeError) -> PushItem:
    try:
        loose = codec.decode(raw, _LooseOp)
    except DecodeError:
        loose = _LooseOp()
    seq = loose.device_seq
    if not (type(seq) is int and 1 <= seq <= _MAX_SEQ):
        seq = None
    return PushItem(None, str(error), raw, seq, _uuid_or_none(loose.op_id))


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        if isinstance(value, str):
            return uuid.UUID(value)
        if isinstance(value, bytes) and len(value) == 16:
            return uuid.UUID(bytes=value)
    except ValueError:
        return None
    return None


def plan_push(
    items: Sequence[PushItem],
    last_applied_seq: int,
    *,
    known_op_ids: Collection[str],
    refuse: Callable[[Op], Refusal | None],
    held: Mapping[int, str | None] | None = None,
    verdicts: Mapping[int, Refusal] | None = None,
) -> PushPlan:
    """Decide, in order, what happens to each op of a push.

    Args:
        items: the push, as :func:`read_push` read it.
        last_applied_seq: the device's last applied sequence before the push.
        known_op_ids: ids (canonical text) of ops the hub already holds; an op pushed
            again under a new sequence is answered ``duplicate`` and has no effect.
        refuse: says why an op must be quarantined, or None to merge it.
        held: the op id the hub holds for the device at each sequence at or below
            ``last_applied_seq`` that the push repeats (None: held, id unknown); an op
            there that is not the held one (nor, where nothing is held, any op the hub
            holds) sets ``diverged_at``. None: repeats are not checked.
        verdicts: ``device_seq`` -> verdict of the device's ops the hub holds in
            quarantine (or discarded): a resent one is answered with that verdict, not
            ``duplicate``.

    Raises:
        DecodeError: if no op's ``device_seq`` can be read, so none can be placed.
    """
    plan = PushPlan(last_applied_seq=last_applied_seq)
    seen: set[str] = set()
    for item, seq in zip(items, _sequences(items), strict=True):
        op_id = item.op.op_id if item.op is not None else item.op_id_hint
        if seq <= plan.last_applied_seq:
            repeated = held is not None and seq <= last_applied_seq
            if repeated and _differs(op_id, seq, held or {}, known_op_ids):
                return PushPlan(last_applied_seq=last_applied_seq, diverged_at=seq)
            kept = (verdicts or {}).get(seq)
            if kept is None:
                plan.results.append(_result(op_id, seq, OpStatus.DUPLICATE))
            else:
                plan.results.append(_result(op_id, seq, OpStatus.QUARANTINED, *kept))
            continue
        if seq != plan.last_applied_seq + 1:
            plan.resend_from = plan.last_applied_seq + 1
            break
        plan.last_applied_seq = seq
        verdict = _verdict(item, refuse, known_op_ids, seen)
        if isinstance(verdict, Refusal):
            reason = verdict.reason[:MAX_REASON]
            plan.quarantine.append(Quarantined(seq, op_id, verdict.code, reason, item.op, item.raw))
            plan.results.append(_result(op_id, seq, OpStatus.QUARANTINED, verdict.code, reason))
            continue
        if verdict is OpStatus.APPLIED:
            assert item.op is not None
            seen.add(str(item.op.op_id))
            plan.apply.append(item.op)
        plan.results.append(_result(op_id, seq, verdict))
    return plan


def _differs(
    pushed: uuid.UUID | None,
    seq: int,
    held: Mapping[int, str | None],
    known_op_ids: Collection[str],
) -> bool:
    """Whether a repeated op is provably not the one the hub holds at its sequence.

    The hub holds nothing at a sequence whose op it answered ``duplicate`` (its id was
    held under another sequence): there, an op whose id the hub does not hold at all is
    another op. An op that did not decode, or a quarantined op with no readable id,
    proves nothing.
    """
    if pushed is None:
        return False
    if seq not in held:
        return str(pushed) not in known_op_ids
    theirs = held[seq]
    return theirs is not None and str(pushed) != theirs


def _verdict(
    item: PushItem,
    refuse: Callable[[Op], Refusal | None],
    known_op_ids: Collection[str],
    seen: set[str],
) -> Refusal | OpStatus:
    if item.op is None:
        return Refusal("malformed", item.error or "op did not decode")
    refused = refuse(item.op)
    if refused is not None:
        return refused
    op_id = str(item.op.op_id)
    if op_id in known_op_ids or op_id in seen:
        return OpStatus.DUPLICATE
    return OpStatus.APPLIED


def _sequences(items: Sequence[PushItem]) -> list[int]:
    """Each item's ``device_seq``, inferred from its neighbours where unreadable."""
    known = [item.op.device_seq if item.op is not None else item.seq_hint for item in items]
    anchors = [index for index, seq in enumerate(known) if seq is not None]
    if not anchors and items:
        first = items[0].error or "op did not decode"
        raise DecodeError(f"no op's device_seq can be read; {first}")
    sequences = []
    for index, seq in enumerate(known):
        if seq is None:
            at = bisect.bisect_left(anchors, index)
            nearest = min(anchors[max(at - 1, 0) : at + 1], key=lambda a: abs(a - index))
            anchor_seq = known[nearest]
            assert anchor_seq is not None
            seq = anchor_seq + index - nearest
            if seq < 1:
                raise DecodeError(f"op {index}: its device_seq cannot be placed in the batch")
        sequences.append(seq)
    return sequences


def _result(
    op_id: uuid.UUID | None,
    seq: int,
    status: OpStatus,
    code: str | None = None,
    reason: str | None = None,
) -> OpResult:
    return OpResult(
        op_id=op_id or UNKNOWN_OP_ID, device_seq=seq, status=status, code=code, reason=reason
    )
