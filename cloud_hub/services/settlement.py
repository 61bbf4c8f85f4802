"""The settlement report: what an outlet took and gave back on one local day.

Built from the ``payments`` projection (one row per ``payment_taken`` or
``refund_issued`` event) and the tickets' money (``sync_protocol.ticket_money``). The
day is the outlet's local calendar day; an event belongs to the day of its HLC wall
time, the moment the till recorded it. Every figure is an integer in minor units, and
they add up: ``net`` is ``taken - refunded``, ``taken`` is ``confirmed + pending``
(declined tenders are counted apart, in ``declined``, and took nothing), and ``sales``
is ``net - held_on_voided``: money still held by voided tickets is no sale, and each
such ticket, like every ticket of the day with another money conflict (overpaid, a
balance due), is listed in ``money_conflicts`` until a till settles it.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.services import tenancy
from cloud_hub.services.errors import InvalidInput
from cloud_hub.services.tenancy import Tenant
from cloud_hub.store.models import payments, tickets
from sync_protocol.hlc import LOGICAL_BITS, MAX_WALL_MS

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


_Minor = msgspec.Meta(description="Money in minor units of the outlet's currency (cents).")
Minor = Annotated[int, _Minor]


class MethodTotals(msgspec.Struct):
    """Totals of one tender method."""

    method: Annotated[str, msgspec.Meta(description="Tender method: `cash`, `card`, `mpesa`...")]
    count: Annotated[int, msgspec.Meta(description="Payments (or refunds) counted.")] = 0
    amount: Minor = 0
    tip: Minor = 0
    confirmed: Minor = 0
    pending: Minor = 0
    declined: Minor = 0


class Totals(msgspec.Struct):
    """The day's totals over every method; ``net = taken - refunded``,
    ``taken = confirmed + pending``, ``sales = net - held_on_voided``."""

    taken: Minor = 0
    tips: Minor = 0
    confirmed: Minor = 0
    pending: Minor = 0
    refunded: Minor = 0
    net: Minor = 0
    declined: Minor = 0
    held_on_voided: Minor = 0
    sales: Minor = 0


class FlaggedTicket(msgspec.Struct, frozen=True):
    """A ticket with money in the day that breaks a money invariant."""

    ticket_id: Annotated[str, msgspec.Meta(description="The ticket's id.")]
    receipt_no: Annotated[str | None, msgspec.Meta(description="Its receipt number, if any.")]
    status: Annotated[str, msgspec.Meta(description="Its lifecycle status.")]
    kind: Annotated[
        str, msgspec.Meta(description="`overpaid`, `balance_due` or `voided_with_payments`.")
    ]
    amount: Minor


class Settlement(msgspec.Struct):
    """One outlet's settlement for one local day."""

    outlet: Annotated[str, msgspec.Meta(description="The outlet's code.")]
    day: Annotated[str, msgspec.Meta(description="The local day, YYYY-MM-DD.")]
    timezone: Annotated[str, msgspec.Meta(description="The outlet's IANA time zone.")]
    currency: Annotated[str, msgspec.Meta(description="The outlet's currency (ISO 4217).")]
    from_ms: Annotated[int, msgspec.Meta(description="Start of the day: Unix milliseconds (UTC).")]
    to_ms: Annotated[
        int, msgspec.Meta(description="End of the day (exclusive): Unix milliseconds.")
    ]
    payments: list[MethodTotals] = msgspec.field(default_factory=list)
    refunds: list[MethodTotals] = msgspec.field(default_factory=list)
    totals: Totals = msgspec.field(default_factory=Totals)
    money_conflicts: list[FlaggedTicket] = msgspec.field(default_factory=list)


def day_bounds(day: str, timezone: str) -> tuple[int, int]:
    """Unix milliseconds of the start of ``day`` and of the next day, in ``timezone``.

    Raises:
        InvalidInput: ``day`` is not a ``YYYY-MM-DD`` date.
    """
    try:
        if not _DAY.fullmatch(day):
            raise ValueError(day)
        start = datetime.combine(date.fromisoformat(day), datetime.min.time(), ZoneInfo(timezone))
        end = datetime.combine(start.date() + timedelta(days=1), start.timetz())
    except (ValueError, OverflowError):
        raise InvalidInput(f"day {day!r} is not a date like 2026-01-31") from None
    start_ms, end_ms = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    # HLC stamps (and the BIGINT they are compared in) end at MAX_WALL_MS.
    if end_ms > MAX_WALL_MS:
        raise InvalidInput(f"day {day!r} is beyond the dates the hub's clocks can stamp")
    return start_ms, end_ms


async def settlement(
    conn: AsyncConnection, tenant: Tenant, outlet_code: str, day: str
) -> Settlement:
    """The settlement of one outlet for one local day.

    Raises:
        NotFound: the tenant has no such outlet.
        InvalidInput: a bad day.
    """
    outlet = await tenancy.outlet_by_code(conn, tenant, outlet_code)
    start, end = day_bounds(day, outlet.timezone)
    report = Settlement(outlet.code, day, outlet.timezone, outlet.currency, start, end)
    in_day = sa.and_(
        payments.c.tenant_id == tenant.id,
        payments.c.outlet_id == outlet.id,
        payments.c.hlc >= start << LOGICAL_BITS,
        payments.c.hlc < end << LOGICAL_BITS,
    )
    voided = sa.and_(tickets.c.status == "voided", tickets.c.reinstated == sa.false())
    on_ticket = sa.and_(
        tickets.c.tenant_id == payments.c.tenant_id, tickets.c.id == payments.c.ticket_id
    )
    flag = sa.case((voided, 1), else_=0).label("voided")
    rows = await conn.execute(
        sa.select(
            payments.c.kind,
            payments.c.method,
            payments.c.status,
            flag,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(payments.c.amount), 0),
            sa.func.coalesce(sa.func.sum(payments.c.tip), 0),
        )
        .select_from(payments.outerjoin(tickets, on_ticket))
        .where(in_day)
        .group_by(payments.c.kind, payments.c.method, payments.c.status, flag)
        .order_by(payments.c.kind, payments.c.method, payments.c.status, flag)
    )
    for kind, method, status, is_voided, count, amount, tip in rows:
        _add(report, kind, method, status, bool(is_voided), int(count), int(amount), int(tip))
    totals = report.totals
    totals.net = totals.taken - totals.refunded
    totals.sales = totals.net - totals.held_on_voided
    flagged = await conn.execute(
        sa.select(
            tickets.c.id,
            tickets.c.receipt_no,
            tickets.c.status,
            tickets.c.money_conflict,
            tickets.c.money_conflict_amount,
        )
        .where(
            tickets.c.tenant_id == tenant.id,
            tickets.c.outlet_id == outlet.id,
            tickets.c.money_conflict.is_not(None),
            tickets.c.id.in_(sa.select(payments.c.ticket_id).where(in_day)),
        )
        .order_by(tickets.c.id)
    )
    report.money_conflicts = [
        FlaggedTicket(
            row.id, row.receipt_no, row.status, row.money_conflict, row.money_conflict_amount
        )
        for row in flagged
    ]
    return report


def _add(
    report: Settlement, kind: str, method: str, status: str, voided: bool, *numbers: int
) -> None:
    count, amount, tip = numbers
    rows = report.refunds if kind == "refund" else report.payments
    entry = next((row for row in rows if row.method == method), None)
    if entry is None:
        entry = MethodTotals(method)
        rows.append(entry)
    totals = report.totals
    if kind == "refund":
        entry.count, entry.amount = entry.count + count, entry.amount + amount
        totals.refunded += amount
        totals.held_on_voided -= amount if voided else 0
        return
    if status == "declined":
        entry.declined += amount
        totals.declined += amount
        return
    entry.count, entry.amount, entry.tip = (
        entry.count + count,
        entry.amount + amount,
        entry.tip + tip,
    )
    confirmed = status == "confirmed"
    entry.confirmed += amount if confirmed else 0
    entry.pending += 0 if confirmed else amount
    totals.taken += amount
    totals.tips += tip
    totals.confirmed += amount if confirmed else 0
    totals.pending += 0 if confirmed else amount
    totals.held_on_voided += amount if voided else 0
