"""The hub side of ``/sync/v1``: handshake, push and pull (``docs/sync-protocol.md``).

Each use case authenticates the device from its bearer credential, runs in one
transaction on the engine it is given, and returns the protocol's answer or raises a
:class:`~cloud_hub.services.errors.HubError` (or ``sync_protocol.DecodeError``) whose
``code`` is the ``ErrorMessage`` code. The clock is injected: a callable returning Unix
milliseconds.

Push, in one transaction: lock the device row, look up which outlet owns each entity
the new ops name (:func:`cloud_hub.store.owners.owners`, one query per entity kind),
plan every op in order
(:func:`cloud_hub.domain.push.plan_push`: duplicate, applied, quarantined, or stop at
a gap), commit the applied ops through :func:`cloud_hub.store.oplog.store_ops`, keep the
quarantined ones in ``quarantine``, and advance ``last_applied_seq`` with them.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from cloud_hub.domain.outlet_scope import EntityKey, named_entities
from cloud_hub.domain.push import PushItem, PushPlan, Quarantined, plan_push
from cloud_hub.domain.quarantine import Writer, refusal
from cloud_hub.services import quarantine as held_ops
from cloud_hub.services import sync_devices, verifiers
from cloud_hub.services.errors import (
    BatchTooLarge,
    ResetRequired,
    SchemaTooNew,
    UnsupportedProtocol,
)
from cloud_hub.services.live import Wakeups
from cloud_hub.services.sync_devices import SyncingDevice
from cloud_hub.store.meta import ensure_epoch
from cloud_hub.store.models import quarantine
from cloud_hub.store.oplog import (
    known_op_ids,
    outlet_scope,
    quarantine_scope,
    store_ops,
    take_sequences,
    tenant_scope,
)
from cloud_hub.store.owners import lock_named, owners
from cloud_hub.store.pages import Reader, read_page
from sync_protocol import (
    MSGPACK,
    PROTOCOL_VERSION,
    SCHEMA_VERSION,
    Handshake,
    HandshakeAccepted,
    PullRequest,
    PullResponse,
    PushResponse,
    decode_cursor,
    encode_cursor,
)
from sync_protocol.cursor import Cursor
from sync_protocol.errors import DecodeError
from sync_protocol.hlc import DEFAULT_MAX_DRIFT_MS
from sync_protocol.messages import MAX_BATCH

Clock = Callable[[], int]
_MAX_SEQ = (1 << 63) - 1


async def handshake(
    engine: AsyncEngine,
    token: str | None,
    request: Handshake,
    *,
    clock: Clock,
    max_batch: int = MAX_BATCH,
) -> HandshakeAccepted:
    """Open a sync session: measure the device's clock and say where to push from.

    The skew, the device's ``last_seq`` and its agent version are stored even when the
    handshake is then refused, so the outlet manager sees them. A device clock far
    ahead is not refused: its skew is shown, and its far-future ops are quarantined.

    Raises:
        Unauthorized, DeviceRevoked, WrongDevice: the credential or the body's device.
        UnsupportedProtocol: another ``protocol_version`` than the hub's.
        SchemaTooNew: a ``schema_version`` newer than the hub's.
        ResetRequired: the device's ``last_seq`` is below what the hub applied for it
            (it was restored from an older backup).
    """
    now = clock()
    skew = request.device_clock_ms - now
    # What the device stamps with can run ahead of its wall clock (a clock set right after
    # running ahead): the lead of its last stamp is measured too.
    hlc_skew = (request.device_hlc >> 16) - now if request.device_hlc else None
    async with engine.begin() as conn:
        device = await sync_devices.authenticate(conn, token)
        device.check_body(request.device_id)
        last_applied = await sync_devices.record_handshake(
            conn,
            device,
            now_ms=now,
            clock_skew_ms=skew,
            hlc_skew_ms=hlc_skew,
            last_seq=request.last_seq,
            agent_version=request.agent_version,
        )
        epoch = await ensure_epoch(conn)
        held_at_applied = await sync_devices.held_op_id(
            conn, device.tenant_id, device.device_id, last_applied
        )
        diverged = await _diverged(conn, device, request, last_applied)
        if diverged:
            await sync_devices.mark_diverged(conn, device, now_ms=now)
    if request.protocol_version != PROTOCOL_VERSION:
        raise UnsupportedProtocol(
            f"the hub speaks protocol {PROTOCOL_VERSION}, not {request.protocol_version}"
        )
    if request.schema_version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"the device writes op schema {request.schema_version}; the hub understands "
            f"up to {SCHEMA_VERSION}"
        )
    if diverged:
        raise ResetRequired(diverged)
    return HandshakeAccepted(
        protocol_version=PROTOCOL_VERSION,
        schema_version=SCHEMA_VERSION,
        hub_epoch=epoch,
        hub_clock_ms=now,
        clock_skew_ms=skew,
        last_applied_seq=last_applied,
        max_batch=max_batch,
        last_applied_op_id=uuid.UUID(held_at_applied) if held_at_applied else None,
    )


async def _diverged(
    conn: AsyncConnection, device: SyncingDevice, request: Handshake, last_applied: int
) -> str:
    """Why the device's log and the hub's differ at the boundary, or "" when they agree."""
    if request.last_seq < last_applied:
        return (
            f"the device's op log ends at {request.last_seq} but the hub applied up to "
            f"{last_applied}: it looks restored from an older backup"
        )
    seq, claimed = request.acked_seq, request.acked_op_id
    if claimed is None or not 1 <= seq <= last_applied:
        return ""
    held = await sync_devices.held_op_id(conn, device.tenant_id, device.device_id, seq)
    if held is None or held == str(claimed):
        return ""
    return (
        f"the device's op {seq} is {claimed} but the hub holds {held} there: its log is "
        "not the one the hub applied (restored from a backup)"
    )


async def push(
    engine: AsyncEngine,
    token: str | None,
    device_id: uuid.UUID,
    items: Sequence[PushItem],
    *,
    clock: Clock,
    max_batch: int = MAX_BATCH,
    max_drift_ms: int = DEFAULT_MAX_DRIFT_MS,
    wakeups: Wakeups | None = None,
) -> PushResponse:
    """Apply a device's next ops, as :func:`cloud_hub.domain.push.read_push` read them.

    Once ops are committed, the pulls waiting on the device's outlet are woken.

    Raises:
        Unauthorized, DeviceRevoked, WrongDevice: the credential or the body's device.
        BatchTooLarge: more than ``max_batch`` ops.
        DecodeError: no op's ``device_seq`` could be read.
    """
    now = clock()
    async with engine.begin() as conn:
        device = await sync_devices.authenticate(conn, token)
        device.check_body(device_id)
        if len(items) > max_batch:
            raise BatchTooLarge(f"{len(items)} ops in one push; the hub takes {max_batch}")
        last_applied, checkpoint = await sync_devices.lock_for_push(conn, device, now_ms=now)
        candidates = [str(item.op.op_id) for item in items if item.op is not None]
        writer = Writer(uuid.UUID(device.device_id), device.tenant, device.outlet, device.outlet_id)
        owned = await _owners(conn, device, items, last_applied)
        plan = plan_push(
            items,
            last_applied,
            known_op_ids=await known_op_ids(conn, device.tenant_id, candidates),
            refuse=lambda op: refusal(op, writer, now, max_drift_ms, owners=owned),
            held=await _held_below(conn, device, items, last_applied),
            verdicts=await held_ops.verdicts(
                conn, device.tenant_id, device.device_id, _first_seq(items), last_applied
            ),
        )
        if plan.diverged_at is not None:
            await sync_devices.mark_diverged(conn, device, now_ms=now)
        else:
            checkpoint = await _commit(conn, device, plan, checkpoint, now, _stamp_lead(items, now))
    if plan.diverged_at is not None:
        raise ResetRequired(
            f"op {plan.diverged_at} of this push is not the op the hub applied there: the "
            "device's log differs from the hub's (restored from a backup)"
        )
    if plan.apply and wakeups is not None:
        wakeups.notify([outlet_scope(device.outlet_id)])
    return PushResponse(
        results=plan.results,
        last_applied_seq=plan.last_applied_seq,
        resend_from=plan.resend_from,
        checkpoint=checkpoint,
    )


async def pull(
    engine: AsyncEngine,
    token: str | None,
    request: PullRequest,
    *,
    clock: Clock,
    wakeups: Wakeups | None = None,
    max_wait_s: float = 0.0,
    stored: bool = False,
) -> PullResponse | StoredPullResponse:
    """The next page of the device's outlet ops (not its own) and tenant reference data.

    Staff documents carry a PIN hash only for staff of the device's outlet
    (:mod:`cloud_hub.services.verifiers`). With ``stored``, the answer carries the ops
    as the hub stored them (:class:`StoredPullResponse`, for a MessagePack answer):
    nothing but staff documents is decoded.

    A cursor of another hub epoch is answered ``reset`` with a fresh cursor at the
    start of the current epoch and no ops.

    A long poll (``request.wait_ms`` above 0, with ``wakeups``) that finds no op listens
    on the device's outlet and tenant channels, reads again (an op committed between the
    first read and the listening is not missed), and then reads again at each wake-up
    until an op is there or the wait, bounded by ``max_wait_s``, runs out. No database
    connection is held while it waits.

    Raises:
        Unauthorized, DeviceRevoked: the credential.
        DecodeError: the cursor is not one the hub made.
    """
    answer, device = await _pull_page(engine, token, request, clock, stored)
    wait_s = min(request.wait_ms / 1000, max_wait_s)
    if wakeups is None or wait_s <= 0 or not _nothing_new(answer):
        return answer
    deadline = time.monotonic() + wait_s
    channels = [outlet_scope(device.outlet_id), tenant_scope(device.tenant_id)]
    async with wakeups.listen(channels) as listener:
        while True:
            answer, _ = await _pull_page(engine, token, request, clock, stored)
            left = deadline - time.monotonic()
            if not _nothing_new(answer) or left <= 0 or not await listener.wait(left):
                return answer


class StoredPullResponse(
    msgspec.Struct, frozen=True, kw_only=True, tag_field="type", tag="pull_result"
):
    """A ``PullResponse`` whose ops are MessagePack as stored: it encodes to the very
    bytes ``PullResponse`` does with the ops decoded, without decoding them."""

    ops: list[msgspec.Raw]
    cursor: str
    has_more: bool
    reset: bool = False
    checkpoint: int = 0
    remaining: int = 0


def _nothing_new(answer: PullResponse | StoredPullResponse) -> bool:
    return not (answer.ops or answer.has_more or answer.reset)


async def _pull_page(
    engine: AsyncEngine, token: str | None, request: PullRequest, clock: Clock, stored: bool
) -> tuple[PullResponse | StoredPullResponse, SyncingDevice]:
    """One read of the next page, in one transaction."""
    now = clock()
    async with engine.begin() as conn:
        device = await sync_devices.authenticate(conn, token)
        epoch = await ensure_epoch(conn)
        cursor = _cursor(request.cursor) if request.cursor is not None else None
        if cursor is not None and cursor.epoch != epoch:
            await sync_devices.record_pull(conn, device, now_ms=now, pulled_seq=0)
            reset = PullResponse(
                ops=[], cursor=encode_cursor(epoch, 0, 0), has_more=True, reset=True
            )
            return reset, device
        reader = Reader(device.tenant_id, device.outlet_id, device.device_id)
        page = await read_page(
            conn,
            reader,
            outlet_after=cursor.outlet_seq if cursor else 0,
            tenant_after=cursor.tenant_seq if cursor else 0,
            limit=request.limit,
        )
        if stored:
            bodies = await verifiers.stored_for_device(
                conn, device.tenant_id, device.outlet, page.bodies
            )
        else:
            ops = await verifiers.for_device(conn, device.tenant_id, device.outlet, page.ops)
        await sync_devices.record_pull(conn, device, now_ms=now, pulled_seq=page.outlet_seq)
    cursor_after = encode_cursor(epoch, page.outlet_seq, page.tenant_seq)
    more, at, left = page.remaining > 0, page.outlet_seq, page.remaining
    if stored:
        answer: PullResponse | StoredPullResponse = StoredPullResponse(
            ops=bodies, cursor=cursor_after, has_more=more, checkpoint=at, remaining=left
        )
    else:
        answer = PullResponse(
            ops=ops, cursor=cursor_after, has_more=more, checkpoint=at, remaining=left
        )
    return answer, device


async def _commit(
    conn: AsyncConnection,
    device: SyncingDevice,
    plan: PushPlan,
    checkpoint: int,
    now_ms: int,
    stamp_lead_ms: int | None,
) -> int:
    """Store a push's applied and quarantined ops; return the device's new checkpoint."""
    if plan.apply:
        checkpoint = await store_ops(
            conn,
            tenant_id=device.tenant_id,
            outlet_id=device.outlet_id,
            scope=outlet_scope(device.outlet_id),
            ops=[(op, MSGPACK.encode(op)) for op in plan.apply],
            now_ms=now_ms,
        )
    await _quarantine(conn, device, plan.quarantine, now_ms)
    await sync_devices.record_push(
        conn,
        device,
        last_applied_seq=plan.last_applied_seq,
        checkpoint=checkpoint,
        hlc_skew_ms=stamp_lead_ms,
    )
    return checkpoint


async def _owners(
    conn: AsyncConnection, device: SyncingDevice, items: Sequence[PushItem], last_applied: int
) -> dict[EntityKey, str | None]:
    """Who owns each entity the push's new ops name: one lookup per entity kind."""
    named = {
        key
        for item in items
        if item.op is not None and item.op.device_seq > last_applied
        for key, _ in named_entities(item.op)
    }
    if not named:
        return {}
    await lock_named(conn, device.tenant_id, named)
    return await owners(conn, device.tenant_id, named)


async def _held_below(
    conn: AsyncConnection, device: SyncingDevice, items: Sequence[PushItem], last_applied: int
) -> dict[int, str | None]:
    """What the hub holds at the sequences a push repeats (at or below ``last_applied``)."""
    repeated = [
        item.op.device_seq
        for item in items
        if item.op is not None and item.op.device_seq <= last_applied
    ]
    if not repeated:
        return {}
    return await sync_devices.held_op_ids(
        conn, device.tenant_id, device.device_id, min(repeated), max(repeated)
    )


def _stamp_lead(items: Sequence[PushItem], now_ms: int) -> int | None:
    """How far the furthest-ahead stamp of a push is from the hub's clock (None: no op
    decoded). Ops made before a device re-based its clock carry the lead it had then."""
    stamps = [item.op.hlc for item in items if item.op is not None]
    return (max(stamps) >> 16) - now_ms if stamps else None


def _first_seq(items: Sequence[PushItem]) -> int:
    """The lowest ``device_seq`` readable in a push (a resend starts at or below the hub's
    ``last_applied_seq``)."""
    seqs = [item.op.device_seq if item.op is not None else item.seq_hint for item in items]
    return min((seq for seq in seqs if seq is not None), default=_MAX_SEQ)


def _cursor(token: str) -> Cursor:
    cursor = decode_cursor(token)
    # A cursor is not signed: a position past any commit sequence (BIGINT) is forged.
    if max(cursor.outlet_seq, cursor.tenant_seq) > _MAX_SEQ:
        raise DecodeError("invalid cursor: position out of range")
    return cursor


async def _quarantine(
    conn: AsyncConnection, device: SyncingDevice, held: list[Quarantined], now_ms: int
) -> None:
    if not held:
        return
    # Numbered per tenant, after the outlet's commit sequences (the order a push locks).
    last = await take_sequences(
        conn, device.tenant_id, quarantine_scope(device.tenant_id), len(held)
    )
    await conn.execute(
        sa.insert(quarantine),
        [
            {
                "id": last - len(held) + 1 + index,
                "tenant_id": device.tenant_id,
                "outlet_id": device.outlet_id,
                "device_id": device.device_id,
                "device_seq": entry.device_seq,
                "op_id": str(entry.op_id) if entry.op_id else None,
                "code": entry.code,
                # An op that decoded is kept as MessagePack, one that did not as received.
                "body": MSGPACK.encode(entry.op) if entry.op is not None else entry.raw,
                "reason": entry.reason.replace("\x00", "\\x00"),
                "received_ms": now_ms,
                "hlc": entry.op.hlc if entry.op is not None else None,
            }
            for index, entry in enumerate(held)
        ],
    )
