"""Confirming or declining a pending tender on the hub, and the tickets' money.

A confirmation that reaches the hub (an outlet manager today, a treasury callback
later) is written as the event a till writes for it, ``payment_confirmed`` with
``status`` ``confirmed`` or ``declined``, by the tenant's writer device in the ticket's
outlet scope: every till of the outlet pulls it, and its offline card exposure and the
ticket's balance follow. The first outcome stands: asking for it again writes nothing,
asking for the other one is refused (``payment_already_settled``).
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from cloud_hub.services import hub_writer, tenancy
from cloud_hub.services.errors import InvalidInput, NotFound, PaymentAlreadySettled
from cloud_hub.services.tenancy import Tenant
from cloud_hub.store import oplog
from cloud_hub.store.models import payments
from sync_protocol import EntityState, ticket_money

OUTCOMES = frozenset({"confirmed", "declined"})


class PaymentSettled(msgspec.Struct, frozen=True):
    """A tender's outcome; ``op_id`` is the event written now (None for a repeat)."""

    payment_id: Annotated[str, msgspec.Meta(description="The tender's id.")]
    ticket_id: Annotated[str, msgspec.Meta(description="Its ticket's id.")]
    outlet: Annotated[str, msgspec.Meta(description="The outlet's code.")]
    method: Annotated[str, msgspec.Meta(description="Tender method: `card`, `mpesa`...")]
    amount: Annotated[
        int, msgspec.Meta(description="Money in minor units of the ticket's currency (cents).")
    ]
    status: Annotated[str, msgspec.Meta(description="The outcome: `confirmed` or `declined`.")]
    op_id: Annotated[
        str | None,
        msgspec.Meta(description="The event written now; null when the outcome stood already."),
    ]


async def settle_payment(
    conn: AsyncConnection,
    tenant: Tenant,
    payment_id: str,
    outcome: str,
    *,
    reference: str | None = None,
    reason: str = "",
    now_ms: int,
) -> PaymentSettled:
    """Confirm or decline one of the tenant's pending tenders, as a synced event.

    Raises:
        NotFound: the tenant has no tender with this id.
        InvalidInput: an unknown outcome, or a decline without a reason.
        PaymentAlreadySettled: the tender already has the other outcome.
    """
    if outcome not in OUTCOMES:
        raise InvalidInput(f"a tender is confirmed or declined, not {outcome!r}")
    if outcome == "declined" and not reason.strip():
        raise InvalidInput("a declined tender needs a reason")
    await hub_writer.lock_writer(conn, tenant)
    row = (
        await conn.execute(
            sa.select(payments).where(
                payments.c.id == payment_id,
                payments.c.tenant_id == tenant.id,
                payments.c.kind == "payment",
            )
        )
    ).first()
    if row is None:
        raise NotFound("payment", payment_id)
    state = await _ticket_state(conn, tenant, row.ticket_id)
    tender = next((t for t in ticket_money(state).tenders if t.payment_id == payment_id), None)
    if tender is None:  # a tender of no positive amount: nothing to confirm
        raise NotFound("payment", payment_id)
    outlet = await tenancy.outlet_by_id(conn, tenant, row.outlet_id)
    settled = PaymentSettled(
        payment_id, row.ticket_id, outlet.code, tender.method, tender.amount, outcome, None
    )
    if tender.status == outcome:
        return settled
    if tender.status != "pending":
        raise PaymentAlreadySettled(f"tender {payment_id!r} is {tender.status} already")
    data: dict[str, Any] = {
        "payment_id": payment_id,
        "status": outcome,
        "reference": reference.strip() if reference and reference.strip() else None,
        "reason": reason,
        "source": "hub",
    }
    fact = await hub_writer.write_event(
        conn,
        tenant,
        outlet,
        ("ticket", row.ticket_id),
        "payment_confirmed",
        data,
        now_ms=now_ms,
        floor_hlc=tender.hlc,
    )
    return PaymentSettled(
        payment_id,
        row.ticket_id,
        outlet.code,
        tender.method,
        tender.amount,
        outcome,
        str(fact.op_id),
    )


async def _ticket_state(conn: AsyncConnection, tenant: Tenant, ticket_id: str) -> EntityState:
    states = await oplog.load_states(conn, tenant.id, [("ticket", ticket_id)])
    return states.get(("ticket", ticket_id)) or EntityState("ticket", ticket_id)
