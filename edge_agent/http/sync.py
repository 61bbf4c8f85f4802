"""Sync endpoints, exported as ``SYNC_HANDLERS`` for the app.

- ``GET  /api/v1/sync/status``: online or offline (truthfully), pending ops and the ops
  the hub holds in quarantine, last success and error, the clock (skew, lead of the
  stamps, last re-base), quarantined ops, open conflicts, a restore and its recovery,
  and the progress of a run in progress (``sync_progress``: phase, ops done and
  remaining; null between runs);
- ``POST /api/v1/sync/run``: one sync run now, answering its outcome (a hub failure is an
  outcome with ``ok: false``; ``409 not_enrolled`` when the device has no hub);
- ``GET  /api/v1/sync/state-hash``: the canonical hash over every op the device holds, to
  compare replicas (loopback callers only), from the kept entity hashes: only entities
  changed since the last call are refolded.

The sync runner is ``app.state.sync`` (set by ``bootstrap``); without one the device
reports itself not enrolled.
"""

from __future__ import annotations

import ipaddress
from dataclasses import asdict
from typing import Any

import msgspec
from anyio import to_thread
from litestar import Request, Response, Router, get, post
from litestar.datastructures import State

from edge_agent.http import schemas
from edge_agent.http.listeners import is_lan
from edge_agent.services import printing
from edge_agent.services.sync import SyncOutcome, SyncRunner
from edge_agent.services.sync_status import SyncStatus, sync_status
from edge_agent.store import identities, kept_state
from edge_agent.store.gateway import Store
from edge_agent.store.sync_state import SyncState
from edge_agent.sync.errors import NotEnrolled

DEFAULT_ONLINE_WINDOW_MS = 30_000


def _runner(state: State) -> SyncRunner | None:
    runner: SyncRunner | None = state.get("sync")
    return runner


def status_document(status: SyncStatus, hub_url: str | None) -> dict[str, Any]:
    """The sync status as plain data."""
    state = status.state
    last_error = None
    if state.last_error_code is not None:
        last_error = {
            "code": state.last_error_code,
            "message": state.last_error_message,
            "at_ms": state.last_error_ms,
        }
    clock_problem = None
    if state.clock_problem is not None:
        clock_problem = {"message": state.clock_problem, "at_ms": state.clock_problem_ms}
    return {
        "enrolled": status.enrolled,
        "online": status.online,
        "hub_url": hub_url,
        "hub_epoch": state.hub_epoch,
        "last_seq": status.last_seq,
        "acked_seq": status.acked_seq,
        "pending_ops": status.pending_ops,
        "last_attempt_ms": state.last_attempt_ms,
        "last_success_ms": state.last_success_ms,
        "last_error": last_error,
        "held_by_hub": status.held_by_hub,
        "summary": status.summary,
        "clock_skew_ms": state.clock_skew_ms,
        "hlc_skew_ms": state.hlc_skew_ms,
        "clock_measured_ms": state.clock_measured_ms,
        "hlc_rebased": _rebased(state),
        "clock_problem": clock_problem,
        "push_checkpoint": state.push_checkpoint,
        "pulled_checkpoint": state.pulled_checkpoint,
        "quarantined_ops": status.quarantined_count,
        "quarantined": [asdict(q) for q in status.quarantined],
        "open_conflicts": status.conflicts_count,
        "conflicts": [asdict(c) for c in status.conflicts],
    }


def _rebased(state: SyncState) -> dict[str, Any] | None:
    if state.hlc_rebased_ms is None:
        return None
    ahead = None
    if state.hlc_rebased_from is not None and state.hlc_rebased_to is not None:
        ahead = (state.hlc_rebased_from >> 16) - (state.hlc_rebased_to >> 16)
    return {
        "from_hlc": state.hlc_rebased_from,
        "to_hlc": state.hlc_rebased_to,
        "ahead_ms": ahead,
        "at_ms": state.hlc_rebased_ms,
    }


@get("/status", summary="Read the sync status", sync_to_thread=True)
def get_status(state: State) -> schemas.SyncStatus:
    """Whether the device is in sync with its hub, and what is pending or wrong."""
    store: Store = state.store
    runner = _runner(state)
    enrolled = runner is not None and runner.enrolled()
    window = runner.config.online_window_ms if runner else DEFAULT_ONLINE_WINDOW_MS
    with store.read() as conn:
        status = sync_status(conn, state.clock(), online_window_ms=window, enrolled=enrolled)
        printer_alerts = printing.alerts(conn)
        recovery = identities.recovery(conn)
    hub_url = (runner.access.hub_url if runner else None) or status.state.hub_url
    progress = runner.progress if runner else None
    in_progress = None
    if progress is not None:
        in_progress = dict(zip(("phase", "done", "remaining"), progress, strict=True))
    document = status_document(status, hub_url) | {
        "printer_alerts": printer_alerts,
        "restore": restore_document(recovery),
        "sync_progress": in_progress,
    }
    return msgspec.convert(document, schemas.SyncStatus)


def restore_document(recovery: identities.Recovery) -> dict[str, Any]:
    """A restore as the status shows it: pending check, last recovery, past identities."""
    return {
        "restored_ms": recovery.restored_ms,
        "pending": recovery.restored_ms is not None,
        "recovered_ms": recovery.recovered_ms,
        "note": recovery.note,
        "previous_identities": [
            {"device_id": device_id, "device_code": code, "reason": reason}
            for device_id, code, reason in recovery.previous
        ],
    }


@post("/run", summary="Sync now", status_code=200)
async def run_now(state: State) -> schemas.SyncOutcome:
    """Run one sync now and answer its outcome."""
    runner = _runner(state)
    if runner is None:
        raise NotEnrolled("this device is not enrolled; run `pos-agent enroll`")
    outcome: SyncOutcome = await to_thread.run_sync(runner.run)
    return msgspec.convert(asdict(outcome), schemas.SyncOutcome)


@get("/state-hash", summary="Hash the state", sync_to_thread=True)
def get_state_hash(request: Request[Any, Any, Any], state: State) -> Response[schemas.StateHash]:
    """The canonical state hash over every op the device holds (own and pulled)."""
    if not _loopback(request):
        return _loopback_only()
    store: Store = state.store
    with store.write() as conn:
        kept = kept_state.state_hash(conn)
    return Response(
        schemas.StateHash(state_hash=kept.state_hash, entities=kept.entities, ops=kept.ops)
    )


def _loopback_only() -> Response[Any]:
    body = {"code": "loopback_only", "message": "ask from this device", "detail": None}
    return Response(body, status_code=403)


def _loopback(request: Request[Any, Any, Any]) -> bool:
    if is_lan(request.scope):  # a paired tablet is not this device, whatever its address
        return False
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host in ("localhost", "testclient")


def not_enrolled(_: Request[Any, Any, Any], exc: NotEnrolled) -> Response[dict[str, Any]]:
    return Response({"code": exc.code, "message": str(exc), "detail": None}, status_code=409)


SYNC_HANDLERS = [
    Router(
        "/api/v1/sync",
        route_handlers=[get_status, run_now, get_state_hash],
        exception_handlers={NotEnrolled: not_enrolled},
    )
]
