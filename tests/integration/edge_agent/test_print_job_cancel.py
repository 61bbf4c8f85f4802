"""A print job that did not come out is cancelled, with a reason and a manager's right,
or sent again; both are audited (who, when, why) in ops that sync. A real agent process
whose kitchen printer is a TCP printer on 127.0.0.1 that can take a job and never
confirm it."""

from __future__ import annotations

import sqlite3
import uuid

import httpx

from edge_agent.store import oplog
from tests.integration.edge_agent.print_simulators import eventually
from tests.integration.edge_agent.print_till import Till, order, printed_for


def job_in_state(till_cashier: httpx.Client, ticket: dict, state: str) -> dict:
    """The ticket's first job once one is in ``state``."""
    return eventually(
        lambda: next(
            (
                j
                for j in till_cashier.get("/print-jobs", params={"ticket_id": ticket["id"]}).json()
                if j["state"] == state
            ),
            None,
        ),
        what=f"a {state} job",
    )


def unconfirmed_job(till: Till, till_cashier: httpx.Client) -> dict:
    """A kitchen ticket the kitchen printer took and never confirmed."""
    till.kitchen.hang_on_job = True
    try:
        ticket = order(till_cashier, "samosa")
        till_cashier.post(f"/tickets/{ticket['id']}/send", json={})
        return job_in_state(till_cashier, ticket, "unconfirmed")
    finally:
        till.kitchen.hang_on_job = False


def job(till_cashier: httpx.Client, job_id: str) -> dict:
    return next(j for j in till_cashier.get("/print-jobs").json() if j["id"] == job_id)


def audit_ops(till: Till, name: str) -> list:
    with sqlite3.connect(till.agent.data_dir / "agent.sqlite3") as conn:
        return [
            op
            for op in oplog.local_ops(conn)
            if op.entity == "audit" and getattr(op, "name", "") == name
        ]


def test_an_unconfirmed_job_is_cancelled_with_a_reason_by_a_manager_and_audited(
    till, till_cashier
) -> None:
    pending = unconfirmed_job(till, till_cashier)
    url = f"/print-jobs/{pending['id']}/cancel"

    no_reason = till_cashier.post(url, json={"reason": "  ", "manager_pin": "9999"})
    no_right = till_cashier.post(url, json={"reason": "made by hand"})
    wrong_pin = till_cashier.post(url, json={"reason": "made by hand", "manager_pin": "1234"})
    untouched = job(till_cashier, pending["id"])
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"reason": "made by hand", "manager_pin": "9999"}
    cancelled = till_cashier.post(url, json=body, headers=key)
    retried = till_cashier.post(url, json=body, headers=key)
    again = till_cashier.post(url, json=body)
    resent = till_cashier.post(f"/print-jobs/{pending['id']}/resend")

    assert no_reason.status_code == 422
    assert no_reason.json()["code"] == "reason_required"
    assert no_right.status_code == 403
    assert no_right.json()["code"] == "insufficient_permission"
    assert wrong_pin.status_code == 401
    assert wrong_pin.json()["code"] == "wrong_pin"
    assert untouched["state"] == "unconfirmed"
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["state"] == "cancelled"
    assert cancelled.json()["last_error"] == "cancelled: made by hand"
    assert retried.json() == cancelled.json()
    assert again.status_code == 409
    assert again.json()["code"] == "print_job_not_cancellable"
    assert resent.status_code == 409
    assert job(till_cashier, pending["id"])["state"] == "cancelled"
    (audit,) = audit_ops(till, "print_job_cancelled")
    assert audit.data["job_id"] == pending["id"]
    assert audit.data["ticket_id"] == pending["ticket_id"]
    assert audit.data["reason"] == "made by hand"
    assert audit.data["by"] == "staff-cashier"
    assert audit.data["override"] == {
        "permission": "cancel_print_job",
        "manager_id": "staff-manager",
    }
    assert audit.data["at_ms"] > 0


def test_a_printed_or_unknown_job_cannot_be_cancelled_and_a_bad_body_changes_nothing(
    till, till_cashier
) -> None:
    ticket = order(till_cashier, "samosa")
    till_cashier.post(f"/tickets/{ticket['id']}/send", json={})
    eventually(lambda: printed_for(till.kitchen, ticket), what="the kitchen ticket")
    done = job_in_state(till_cashier, ticket, "done")
    before = len(audit_ops(till, "print_job_cancelled"))
    manager = {"reason": "x", "manager_pin": "9999"}

    printed = till_cashier.post(f"/print-jobs/{done['id']}/cancel", json=manager)
    unknown = till_cashier.post(f"/print-jobs/{uuid.uuid4()}/cancel", json=manager)
    no_body = till_cashier.post(f"/print-jobs/{done['id']}/cancel")
    extra = till_cashier.post(f"/print-jobs/{done['id']}/cancel", json={**manager, "force": True})
    anonymous = httpx.post(f"{till.agent.api}/print-jobs/{done['id']}/cancel", json=manager)

    assert printed.status_code == 409
    assert printed.json()["code"] == "print_job_not_cancellable"
    assert unknown.status_code == 404
    assert unknown.json()["code"] == "print_job_not_found"
    assert no_body.status_code == 400
    assert no_body.json()["code"] == "invalid_request"
    assert extra.status_code == 400
    assert anonymous.status_code == 401
    assert job(till_cashier, done["id"])["state"] == "done"
    assert len(audit_ops(till, "print_job_cancelled")) == before


def test_a_job_sent_again_or_confirmed_by_staff_is_audited(till, till_cashier) -> None:
    pending = unconfirmed_job(till, till_cashier)

    resent = till_cashier.post(f"/print-jobs/{pending['id']}/resend")
    eventually(lambda: job(till_cashier, pending["id"])["state"] == "done", what="the resent job")
    other = unconfirmed_job(till, till_cashier)
    confirmed = till_cashier.post(f"/print-jobs/{other['id']}/printed")

    assert resent.status_code == confirmed.status_code == 200
    (resend,) = [
        op for op in audit_ops(till, "print_job_resent") if op.data["job_id"] == pending["id"]
    ]
    (printed,) = [
        op for op in audit_ops(till, "print_job_confirmed") if op.data["job_id"] == other["id"]
    ]
    assert resend.data["by"] == printed.data["by"] == "staff-cashier"
    assert resend.data["ticket_id"] == pending["ticket_id"]
