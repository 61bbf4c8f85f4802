"""A tenant's trading day driven through the hub's own API, and the figures its admin sees.

:func:`open_shop` creates a tenant, an outlet and two tills over the admin API and enroll
endpoint; :func:`trade` pushes a day of ops through ``/sync/v1`` as the tills would: a
ticket paid on both tills (an overpaid money conflict), a field both tills edited from
the same base (a field conflict), a card tender, and an op stamped far ahead (quarantined).
Ticket, payment, entity and op ids are the caller's, so two tenants can use the same ones.
:func:`figures` reads every admin view of that day.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import msgspec

from sync_protocol import (
    MSGPACK,
    PROTOCOL_VERSION,
    SCHEMA_VERSION,
    Handshake,
    PushRequest,
    PushResponse,
)
from sync_protocol.hlc import pack
from tests.hub_rows import HubDevice, OpMaker
from tests.integration.cloud_hub.admin_harness import Hub, auth

DAY = "2026-03-02"
OUTLET = "MAIN1"


@dataclass(frozen=True)
class Shop:
    """A tenant with one outlet and two enrolled tills."""

    slug: str
    token: str
    tills: tuple[HubDevice, HubDevice]


@dataclass(frozen=True)
class Ids:
    """The ids the tills make: ticket, tenders, and a base for every op id."""

    ticket: str = "T-0001"
    cash: str = "P-0001"
    card: str = "P-0002"
    held: str = "T-0009"
    #: Op ids are ``<op_prefix>-000000000NNN``: the same prefix gives the same op ids.
    op_prefix: str = "0190f1e2-0000-7000-8000"


async def open_shop(hub: Hub, slug: str, till_ids: tuple[str, str] | None = None) -> Shop:
    """A tenant, its outlet and two tills (with ``till_ids``, or new ids), made over the API."""
    token = await hub.tenant(slug)
    await hub.outlet(token, OUTLET)
    tills = []
    for n, code in enumerate(("D01", "D02")):
        device_id = till_ids[n] if till_ids else None
        answer = await hub.enroll(await hub.code(token, OUTLET, code), device_id)
        tills.append(
            HubDevice(answer["device_id"], answer["credential"], code, "", slug, "", OUTLET)
        )
    return Shop(slug, token, (tills[0], tills[1]))


async def trade(hub: Hub, shop: Shop, ids: Ids, amount: int) -> None:
    """Push the day's ops of both tills through ``/sync/v1``; every op is answered."""
    start = hub.clock() - 3_600_000
    first, second = (OpMaker(till, clock_ms=start + n * 1000) for n, till in enumerate(shop.tills))
    header = first.field("ticket", ids.ticket, {"receipt_no": f"{shop.slug}-1", "currency": "KES"})
    line = {
        "line_id": "l1",
        "unit_price": amount,
        "quantity": 1,
        "modifiers": [],
        "tax_rates": [{"code": "VAT16", "name": "VAT", "rate_bp": 1600, "inclusive": True}],
    }
    first_ops = [
        header,
        first.event("ticket", ids.ticket, "line_added", line),
        first.field("ticket", ids.ticket, {"table": "T4"}, base=header),
        first.event("ticket", ids.ticket, "payment_taken", _tender(ids.cash, "cash", amount)),
        first.status("ticket", ids.ticket, "closed"),
        first.field(
            "ticket", ids.held, {"table": "T9"}, hlc=pack(hub.clock() + 30 * 86_400_000, 0)
        ),
    ]
    second_ops = [
        second.field("ticket", ids.ticket, {"table": "T7"}, base=header),
        second.event("ticket", ids.ticket, "payment_taken", _tender(ids.card, "card", amount)),
    ]
    numbered = iter(range(1, 100))
    for till, ops in ((shop.tills[0], first_ops), (shop.tills[1], second_ops)):
        ops = [_with_op_id(op, ids, next(numbered)) for op in ops]
        await _push(hub, till, ops)


async def figures(hub: Hub, token: str, ids: Ids) -> dict[str, Any]:
    """Every admin view of the day of the tenant whose admin token is ``token``, by path."""
    paths = (
        "/api/v1/tickets",
        f"/api/v1/tickets/{ids.ticket}",
        f"/api/v1/payments/{ids.cash}",
        f"/api/v1/payments/{ids.card}",
        f"/api/v1/outlets/{OUTLET}/tickets?day={DAY}",
        f"/api/v1/outlets/{OUTLET}/payments?day={DAY}",
        "/api/v1/conflicts",
        f"/api/v1/quarantine?outlet={OUTLET}",
        f"/api/v1/reports/settlement?outlet={OUTLET}&day={DAY}",
        f"/api/v1/sync/status?outlet={OUTLET}",
        "/api/v1/devices",
    )
    seen = {}
    for path in paths:
        answer = await hub.client.get(path, headers=auth(token))
        assert answer.status_code == 200, (path, answer.text)
        seen[path] = answer.json()
    return seen


def _tender(payment_id: str, method: str, amount: int) -> dict[str, Any]:
    status = "confirmed" if method == "cash" else "pending"
    return {"payment_id": payment_id, "method": method, "amount": amount, "status": status}


def _with_op_id(op: Any, ids: Ids, number: int) -> Any:
    op_id = uuid.UUID(f"{ids.op_prefix}-{number:012d}")
    bases = getattr(op, "base", None)
    if bases:  # the edits' bases name the header, always op 1
        first = uuid.UUID(f"{ids.op_prefix}-{1:012d}")
        return msgspec.structs.replace(op, op_id=op_id, base=dict.fromkeys(bases, first))
    return msgspec.structs.replace(op, op_id=op_id)


async def _push(hub: Hub, till: HubDevice, ops: list[Any]) -> None:
    headers = {"Content-Type": MSGPACK.content_type} | auth(till.token)
    shake = Handshake(
        protocol_version=PROTOCOL_VERSION,
        schema_version=SCHEMA_VERSION,
        device_id=till.uuid,
        device_clock_ms=hub.clock(),
        device_hlc=0,
        last_seq=len(ops),
    )
    answer = await hub.client.post(
        "/sync/v1/handshake", content=MSGPACK.encode(shake), headers=headers
    )
    assert answer.status_code == 200, answer.text
    request = PushRequest(device_id=till.uuid, ops=ops)
    answer = await hub.client.post(
        "/sync/v1/push", content=MSGPACK.encode(request), headers=headers
    )
    assert answer.status_code == 200, answer.text
    pushed = MSGPACK.decode_message(answer.content)
    assert isinstance(pushed, PushResponse)
    assert pushed.last_applied_seq == len(ops), pushed
