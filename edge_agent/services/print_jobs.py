"""Staff decisions on print jobs that did not come out: send again, confirm printed,
cancel. Each is audited: an event on the device's ``audit`` entity (who, when, why,
and the manager who allowed it), written in the transaction of the decision, so it
syncs to the hub with the rest of the device's ops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from edge_agent.domain.errors import ReasonRequired
from edge_agent.domain.rbac import Permission
from edge_agent.printing import queue
from edge_agent.services import staff
from edge_agent.services.errors import PrintJobNotCancellable, PrintJobNotFound, PrintJobNotOpen
from edge_agent.services.tickets import Context, audit
from edge_agent.store import oplog
from edge_agent.store.device import identity

AUDIT_ENTITY = "audit"


def _job(ctx: Context, job_id: str) -> queue.JobInfo:
    job = queue.get(ctx.conn, job_id)
    if job is None:
        raise PrintJobNotFound(job_id)
    return job


def _audit_job(ctx: Context, name: str, job: queue.JobInfo, **data: Any) -> queue.JobInfo:
    """Record a decision on ``job`` and answer the job as it is now."""
    data = {
        "job_id": job.id,
        "printer": job.printer,
        "kind": job.kind,
        "ticket_id": job.ticket_id,
        "by": ctx.who.staff_id,
        "at_ms": ctx.clock(),
        **data,
    }
    device = str(identity(ctx.conn).device_id)
    draft = oplog.Draft("event", AUDIT_ENTITY, device, {"name": name, "data": data})
    oplog.append(ctx.conn, [draft], ctx.clock)
    now = queue.get(ctx.conn, job.id)
    assert now is not None
    return now


def settle_job(ctx: Context, job_id: str, printed: bool) -> queue.JobInfo:
    """Settle an unconfirmed job: someone saw it on paper, or it is to be sent again
    (a failed job may be sent again too); call inside a write transaction.

    Raises:
        PrintJobNotFound: no such job.
        PrintJobNotOpen: the job is not unconfirmed (or failed, to send again).
    """
    job = _job(ctx, job_id)
    now = ctx.clock()
    settle: Callable[[Any, str, int], bool] = queue.mark_printed if printed else queue.resend
    if not settle(ctx.conn, job_id, now):
        raise PrintJobNotOpen(f"print job {job_id} is not waiting for a decision")
    if printed:
        return _audit_job(ctx, "print_job_confirmed", job)
    return _audit_job(ctx, "print_job_resent", job)


def cancel_job(ctx: Context, job_id: str, reason: str, manager_pin: str | None) -> queue.JobInfo:
    """Cancel a job still waiting, unconfirmed or failed, so it never prints; needs a
    reason and the cancel permission (or a manager override). Call inside a write
    transaction.

    Raises:
        PrintJobNotFound: no such job.
        ReasonRequired: no reason given.
        PermissionDenied, WrongPin: neither the operator nor the manager may cancel.
        PrintJobNotCancellable: the job printed, is printing, or ended already.
    """
    job = _job(ctx, job_id)
    if not reason.strip():
        raise ReasonRequired("cancelling a print job needs a reason")
    override = staff.authorize(ctx.conn, ctx.who, Permission.CANCEL_PRINT_JOB, manager_pin)
    if not queue.cancel(ctx.conn, job_id, ctx.clock(), reason):
        raise PrintJobNotCancellable(f"print job {job_id} is {job.state}; it cannot be cancelled")
    return _audit_job(ctx, "print_job_cancelled", job, reason=reason, **audit(override))
