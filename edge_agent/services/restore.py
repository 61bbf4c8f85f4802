"""A restored device recovers under a successor identity, losing no sale made since.

When the hub proves that this device's log is not the one it applied (``reset_required``
at the handshake or a push, or the device finds the hub's op at ``last_applied_seq`` is
not its own), the device was restored from a backup: the sequences it would push next,
and the receipt numbers it would print, may be taken by what the old identity did after
the backup. The runner then calls :func:`recover`, which

1. marks the device restored and keeps the successor id it proposes (a retry after a
   lost answer proposes the same one, and gets the same successor);
2. asks the hub for a successor with the old credential (``/sync/v1/successor``);
3. asks the hub which of its own ops it already holds (``/sync/v1/known``, new
   credential);
4. in one transaction (:func:`adopt`): re-issues the others under the successor (new op
   ids, gapless sequences from 1, receipt numbers under the new device code, a link from
   each original, which leaves the op log), keeps the ops the hub holds as pulled ones,
   takes the new identity and credential, drops the pull cursor (the outlet is pulled
   again, with the old identity's ops the backup lacked), clears the quarantine verdicts
   of the old identity, and writes an ``audit`` op saying what happened.

``pos-agent enroll`` on an enrolled data directory uses :func:`adopt` too.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from edge_agent.domain.reissue import reissue
from edge_agent.store import identities, oplog, sync_state
from edge_agent.store.device import DeviceIdentity, identity
from edge_agent.store.gateway import Store
from edge_agent.sync.access import HubAccess
from edge_agent.sync.client import HubClient
from edge_agent.sync.errors import HubBadAnswer, HubRefused, LogDiverged, SyncError
from sync_protocol import MSGPACK, ErrorCode, HandshakeAccepted, uuid7
from sync_protocol.messages import MAX_BATCH
from sync_protocol.recovery import KnownOpsRequest, SuccessorRequest

AUDIT_ENTITY = "audit"
REPLACED = "identity_replaced"


@dataclass(frozen=True, slots=True)
class Adopted:
    """What a change of identity did."""

    previous: DeviceIdentity
    current: DeviceIdentity
    reissued: int
    renumbered: int
    note: str


def is_divergence(exc: SyncError) -> bool:
    """Whether a sync failure means this device's log is not the one the hub applied."""
    if isinstance(exc, LogDiverged):
        return True
    return isinstance(exc, HubRefused) and exc.code == ErrorCode.RESET_REQUIRED


def check_boundary(
    conn: sqlite3.Connection, device_id: str, accepted: HandshakeAccepted, now_ms: int
) -> None:
    """Check the hub's op at ``last_applied_seq`` is this device's own; call in a write.

    A device marked restored whose log the hub holds as it is has nothing to recover:
    the mark is cleared, with a note.

    Raises:
        LogDiverged: the hub holds another op there (this device was restored).
    """
    seq, theirs = accepted.last_applied_seq, accepted.last_applied_op_id
    mine = identities.own_op_id(conn, device_id, seq)
    if theirs is not None and mine is not None and str(theirs) != mine:
        raise LogDiverged(
            seq,
            mine,
            f"the hub applied op {theirs} at {seq} where this device holds {mine}: "
            "it was restored from a backup",
        )
    if identities.recovery(conn).restored_ms is not None:
        identities.clear_restored(
            conn, now_ms, f"checked against the hub at {seq}: its log is this device's"
        )


def interrupted(store: Store) -> bool:
    """Whether a recovery was started and not finished (e.g. its answer was lost)."""
    with store.read() as conn:
        found = identities.recovery(conn)
    return found.restored_ms is not None and found.proposed_device_id is not None


def recover(
    store: Store,
    access: HubAccess,
    client: HubClient,
    clock: Callable[[], int],
    cause: SyncError | None,
    *,
    agent_version: str = "",
) -> Adopted | None:
    """Take a successor identity from the hub; None when the hub sees no divergence.

    Raises:
        SyncError: the hub could not be asked or refused (the next run tries again).
    """
    with store.write() as conn:
        me = identity(conn)
        position = sync_state.positions(conn)
        found = identities.recovery(conn)
        successor_id = found.proposed_device_id or str(uuid7(clock()))
        identities.propose_device_id(conn, successor_id)
        if found.restored_ms is None:
            identities.mark_restored(conn, clock())
        proof_seq, proof_op = _proof(conn, me, cause, position.acked_seq)
    try:
        grant = client.successor(
            SuccessorRequest(
                device_id=me.device_id,
                successor_id=uuid.UUID(successor_id),
                last_seq=position.last_seq,
                proof_seq=proof_seq,
                proof_op_id=uuid.UUID(proof_op) if proof_op else None,
                agent_version=agent_version,
            )
        )
    except HubRefused as exc:
        if exc.code != ErrorCode.NOT_DIVERGED:
            raise
        with store.write() as conn:
            identities.propose_device_id(conn, None)
            identities.clear_restored(conn, clock(), f"checked against the hub: {exc}")
        return None
    if str(grant.device_id) != successor_id or grant.previous_device_id != me.device_id:
        raise HubBadAnswer(f"the hub granted successor {grant.device_id}, not {successor_id}")
    url = client.base_url
    with HubClient(url, grant.credential, transport=access.transport) as successor:
        known = known_ops(store, successor, me)
    with store.write() as conn:
        adopted = adopt(
            conn,
            device_id=grant.device_id,
            device_code=grant.device_code,
            hub_epoch=grant.hub_epoch,
            known=known,
            clock=clock,
            reason="restore",
        )
        # Saved inside the transaction: if the credential cannot be kept, nothing changes.
        access.credentials.save(str(grant.device_id), grant.credential)
    return adopted


def adopt(
    conn: sqlite3.Connection,
    *,
    device_id: uuid.UUID,
    device_code: str,
    hub_epoch: str,
    known: set[str],
    clock: Callable[[], int],
    reason: str,
) -> Adopted:
    """Become ``device_id``: re-issue the ops the hub does not hold; call in one transaction.

    Args:
        device_id, device_code: the new identity the hub granted.
        hub_epoch: the hub's epoch.
        known: ids of this identity's own ops that the hub holds (kept as pulled ops).
        clock: Unix ms.
        reason: ``restore`` or ``enroll``, for the record.
    """
    now_ms = clock()
    before = identity(conn)
    last_seq = sync_state.positions(conn).last_seq
    unsent = [
        op for op in identities.own_ops(conn, str(before.device_id)) if str(op.op_id) not in known
    ]
    done = reissue(unsent, device_id=device_id, outlet=before.outlet, device_code=device_code)
    for original, new in done.links:
        identities.supersede(conn, original, str(new.op_id), now_ms)
    conn.execute("UPDATE ops SET local = 0 WHERE local = 1")
    for new in done.ops:
        body = MSGPACK.encode(new)
        oplog.insert(conn, oplog.decode(body), body, local=True)
    for ticket in done.receipts:
        conn.execute(
            "UPDATE tickets SET receipt_no = ? WHERE id = ?", (ticket.after, ticket.ticket_id)
        )
    conn.execute(
        "UPDATE device SET device_id = ?, device_code = ?, last_seq = ?, acked_seq = 0,"
        " receipt_seq = ?, pull_cursor = NULL",
        (str(device_id), device_code, len(done.ops), len(done.receipts)),
    )
    conn.execute("DELETE FROM quarantined_ops")
    conn.execute(
        "UPDATE sync_state SET hub_epoch = ?, push_checkpoint = 0, pulled_checkpoint = 0"
        " WHERE id = 1",
        (hub_epoch,),
    )
    identities.record_identity(
        conn,
        device_id=str(before.device_id),
        device_code=before.device_code,
        last_seq=last_seq,
        successor_id=str(device_id),
        reason=reason,
        now_ms=now_ms,
    )
    note = (
        f"{before.outlet}-{before.device_code} ({before.device_id}) became "
        f"{before.outlet}-{device_code} ({device_id}) after a{'n' if reason == 'enroll' else ''} "
        f"{reason}: {len(done.ops)} op(s) the hub never got re-issued, "
        f"{len(done.receipts)} receipt number(s) issued again"
    )
    identities.propose_device_id(conn, None)
    identities.clear_restored(conn, now_ms, note)
    audit = {
        "reason": reason,
        "previous_device_id": str(before.device_id),
        "previous_device_code": before.device_code,
        "previous_last_seq": last_seq,
        "device_code": device_code,
        "reissued_ops": len(done.ops),
        "receipts": {r.ticket_id: {"before": r.before, "after": r.after} for r in done.receipts},
    }
    oplog.append(
        conn,
        [oplog.Draft("event", AUDIT_ENTITY, str(device_id), {"name": REPLACED, "data": audit})],
        clock,
    )
    return Adopted(before, identity(conn), len(done.ops), len(done.receipts), note)


def known_ops(store: Store, client: HubClient, me: DeviceIdentity) -> set[str]:
    """The ids of this identity's own ops that the hub holds, asked in pages."""
    with store.read() as conn:
        mine = [op.op_id for op in identities.own_ops(conn, str(me.device_id))]
    known: set[str] = set()
    for start in range(0, len(mine), MAX_BATCH):
        answer = client.known(KnownOpsRequest(op_ids=mine[start : start + MAX_BATCH]))
        known.update(str(op_id) for op_id in answer.known)
    return known


def _proof(
    conn: sqlite3.Connection, me: DeviceIdentity, cause: SyncError | None, acked_seq: int
) -> tuple[int, str | None]:
    """A sequence where this log and the hub's differ, with this device's op id there."""
    if isinstance(cause, LogDiverged):
        return cause.seq, cause.op_id
    return acked_seq, identities.own_op_id(conn, str(me.device_id), acked_seq)
