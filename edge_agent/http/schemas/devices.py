"""Answers about the device itself: sign-in, the operator and outlet (``/me``),
printers and print jobs, sync."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from edge_agent.http.schemas.units import BasisPoints, Count, Ident, Ms, Text


class Health(msgspec.Struct, kw_only=True):
    """The agent is up."""

    status: Annotated[Literal["ok"], msgspec.Meta(description="Always ok.")]
    service: Annotated[str, msgspec.Meta(description="Which program answered.")]


class Session(msgspec.Struct):
    """An operator session: send ``Authorization: Bearer <token>`` with every request."""

    token: Annotated[str, msgspec.Meta(description="The bearer token of the session.")]
    staff_id: Ident
    name: Text
    role: Annotated[str, msgspec.Meta(description="The staff member's role name.")]


class Operator(msgspec.Struct, kw_only=True):
    """Who is signed in."""

    staff_id: Ident
    name: Text
    role: Annotated[str, msgspec.Meta(description="The role name.")]


class Limits(msgspec.Struct, kw_only=True):
    """What the operator may do without a manager's PIN."""

    discount_limit_bp: Annotated[
        BasisPoints,
        msgspec.Meta(
            description="Largest discount without `discount_above_limit`, in basis points."
        ),
    ]
    pay_out_limit: Annotated[
        int | None,
        msgspec.Meta(
            description="Largest pay-out without `pay_out_above_limit`, in minor units; null: none."
        ),
    ]
    session_idle_minutes: Annotated[
        int, msgspec.Meta(description="The session ends after this idle time.")
    ]
    session_max_hours: Annotated[
        int, msgspec.Meta(description="The session ends this long after sign-in.")
    ]


class OfflineCardLimits(msgspec.Struct, kw_only=True):
    """Cards taken while the till is offline (approved later): the outlet's limits."""

    per_transaction_limit: Annotated[
        int, msgspec.Meta(description="Largest card tender offline, in minor units.")
    ]
    cumulative_limit: Annotated[
        int,
        msgspec.Meta(
            description="Most card money taken offline and not yet approved, in minor units."
        ),
    ]
    expiry_hours: Annotated[int, msgspec.Meta(description="Hours an offline card tender may wait.")]


class Outlet(msgspec.Struct, kw_only=True):
    """The outlet the device sells for and the rules money follows there."""

    outlet: Ident
    device_code: Text
    currency: Annotated[str, msgspec.Meta(description="ISO 4217 code.", examples=["KES"])]
    currency_exponent: Annotated[
        int, msgspec.Meta(description="Digits of the minor unit (2: cents).")
    ]
    cash_increment: Annotated[
        int,
        msgspec.Meta(
            description=(
                "Cash is paid in steps of this many minor units (the smallest coin: 100 for KES); "
                "cash balances round to it (`totals.cash_due`)."
            )
        ),
    ]
    timezone: Annotated[
        str, msgspec.Meta(description="IANA time zone.", examples=["Africa/Nairobi"])
    ]
    business_day_start: Annotated[
        str, msgspec.Meta(description="Outlet-local time a business day starts, HH:MM.")
    ]
    offline_card: Annotated[
        OfflineCardLimits | None,
        msgspec.Meta(description="Limits on cards taken offline; null: no card tender offline."),
    ]


class Me(msgspec.Struct, kw_only=True):
    """The signed-in operator, what they may do, and the outlet's money rules."""

    operator: Operator | None
    service: Annotated[bool, msgspec.Meta(description="The caller is the device's service token.")]
    permissions: Annotated[list[str], msgspec.Meta(description="Permissions of the role.")]
    limits: Limits | None
    outlet: Outlet


class PrintJob(msgspec.Struct, kw_only=True):
    """A print job (never its bytes)."""

    id: Ident
    printer: Text
    kind: Annotated[str, msgspec.Meta(description="receipt, kitchen, z_report, drawer_kick ...")]
    ticket_id: Annotated[str | None, msgspec.Meta(description="The ticket printed, if any.")]
    copy: Annotated[bool, msgspec.Meta(description="A reprint, marked COPY.")]
    requested_by: Annotated[str | None, msgspec.Meta(description="Staff id that asked.")]
    state: Annotated[
        Literal["pending", "printing", "done", "unconfirmed", "failed", "expired", "cancelled"],
        msgspec.Meta(description="Where the job is."),
    ]
    attempts: Count
    next_attempt_ms: Ms
    last_error: Annotated[str | None, msgspec.Meta(description="Why the last attempt failed.")]
    created_ms: Ms
    expires_ms: Ms | None
    finished_ms: Ms | None


class PrintJobs(msgspec.Struct, kw_only=True):
    """The jobs a print request queued."""

    jobs: list[PrintJob]


class Printer(msgspec.Struct, kw_only=True):
    """A configured printer with its last status and the jobs waiting."""

    name: Ident
    label: Text
    role: Text
    stations: Annotated[list[str], msgspec.Meta(description="Kitchen stations it prints for.")]
    backend: Annotated[str, msgspec.Meta(description="usb, serial, network or file.")]
    where: Text
    code_page: Text
    paper_mm: Annotated[int, msgspec.Meta(description="Paper width in millimetres.")]
    drawer: Annotated[bool, msgspec.Meta(description="A cash drawer hangs on it.")]
    status: Annotated[str, msgspec.Meta(description="Last status; unknown unless it answered.")]
    status_detail: Text
    checked_ms: Ms | None
    waiting: Count
    message: Text
    needs_attention: Annotated[bool, msgspec.Meta(description="Someone should look at it.")]


class SyncOutcome(msgspec.Struct, kw_only=True):
    """What one sync run did."""

    ok: Annotated[bool, msgspec.Meta(description="The run reached its end.")]
    pushed: Count
    pulled: Count
    quarantined: Count
    reset: Annotated[
        bool, msgspec.Meta(description="The hub was restored: pulled from the start, pushed again.")
    ]
    clock_drift: Count
    error_code: Annotated[
        str | None, msgspec.Meta(description="Why the run failed (machine-readable).")
    ]
    error_message: Annotated[str | None, msgspec.Meta(description="Why the run failed, in words.")]
    retry_after_s: Annotated[int | None, msgspec.Meta(description="Seconds to wait, in seconds.")]
    recovered: Annotated[
        str | None,
        msgspec.Meta(description="A successor identity taken after a restore, in words."),
    ]
    failed_phase: Annotated[str | None, msgspec.Meta(description="handshake, push or pull.")]


class StateHash(msgspec.Struct, kw_only=True):
    """The canonical hash of every op the device holds."""

    state_hash: Text
    entities: Count
    ops: Count
