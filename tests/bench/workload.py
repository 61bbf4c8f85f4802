"""Realistic ticket ops, shaped like the ones a till writes for a sale.

A counter or table sale on an agent logs (see ``edge_agent.services.tickets``): the header
as a field edit, ``open``, one ``line_added`` per item (with taxes and station, as
sold), ``payment_taken``, ``paid``, ``closed``. :func:`ticket_ops` makes that stream for
one device, with gapless ``device_seq`` and HLC stamps a few tens of milliseconds apart
ending near now, as after an outlet that sold offline for a while.
"""

from __future__ import annotations

import random
import time
import uuid
from typing import Any

from sync_protocol import Event, FieldEdit, Op, StatusChange, uuid7
from sync_protocol.hlc import pack

VAT = {"code": "VAT16", "name": "VAT 16%", "rate_bp": 1600, "inclusive": True}
LEVY = {"code": "CTL2", "name": "Catering levy 2%", "rate_bp": 200, "inclusive": True}
#: (product, name, unit price in cents, taxes, station), as the demo catalog sells them.
MENU: list[tuple[str, str, int, list[dict[str, Any]], str]] = [
    ("chai", "Kenyan chai", 15000, [VAT], "bar"),
    ("latte", "Caffe latte", 35000, [VAT], "bar"),
    ("samosa", "Beef samosa", 12000, [VAT, LEVY], "kitchen"),
    ("croissant", "Croissant", 22000, [VAT, LEVY], "kitchen"),
    ("mandazi", "Mandazi", 5000, [VAT, LEVY], "kitchen"),
]


class _Stamper:
    """Op envelopes of one device: next ``device_seq``, HLC and op id."""

    def __init__(self, tenant: str, outlet: str, device_id: uuid.UUID, start_ms: int) -> None:
        self.tenant, self.outlet, self.device_id = tenant, outlet, device_id
        self.seq = 0
        self.wall_ms = start_ms
        self.logical = 0

    def envelope(self, entity_id: str, step_ms: int) -> dict[str, Any]:
        self.seq += 1
        if step_ms:
            self.wall_ms += step_ms
            self.logical = 0
        else:
            self.logical += 1
        return {
            "op_id": uuid7(self.wall_ms),
            "tenant": self.tenant,
            "outlet": self.outlet,
            "device_id": self.device_id,
            "device_seq": self.seq,
            "hlc": pack(self.wall_ms, self.logical),
            "entity": "ticket",
            "entity_id": entity_id,
        }

    def new_id(self) -> str:
        return str(uuid7(self.wall_ms))


def ticket_ops(
    count: int,
    *,
    device_id: uuid.UUID,
    tenant: str = "demo",
    outlet: str = "DEMO1",
    device_code: str = "D09",
    step_ms: int = 40,
    seed: int = 7,
    first_seq: int = 1,
) -> list[Op]:
    """``count`` ops of whole sales (the last one may be cut short) made by one device.

    Each sale has two to four lines; one in four is a table ticket with covers. The
    stamps run ``step_ms`` apart and the last one is about now, so the hub's drift check
    (stamps at most five minutes ahead) accepts them all. ``device_seq`` starts at
    ``first_seq``.
    """
    pick = random.Random(seed)
    now_ms = time.time_ns() // 1_000_000
    stamper = _Stamper(tenant, outlet, device_id, now_ms - count * step_ms - 1000)
    stamper.seq = first_seq - 1
    ops: list[Op] = []
    order = 0
    while len(ops) < count:
        order += 1
        ops.extend(_sale(stamper, pick, order, device_code, outlet, step_ms))
    return ops[:count]


def _sale(
    stamper: _Stamper,
    pick: random.Random,
    order: int,
    device_code: str,
    outlet: str,
    step_ms: int,
) -> list[Op]:
    ticket_id = stamper.new_id()
    table = pick.random() < 0.25
    header = {
        "kind": "table" if table else "counter",
        "receipt_no": f"{outlet}-{device_code}-{order:06d}",
        "order_no": order % 1000 or 1000,
        "currency": "KES",
        "opened_by": "staff-cashier",
        "opened_ms": stamper.wall_ms,
        "table": f"T{pick.randint(1, 40)}" if table else None,
        "name": None,
        "covers": pick.randint(1, 6) if table else None,
    }
    ops: list[Op] = [
        FieldEdit(**stamper.envelope(ticket_id, step_ms), changes=header),
        StatusChange(**stamper.envelope(ticket_id, 0), status="open"),
    ]
    total = 0
    for _ in range(pick.randint(2, 4)):
        product, name, price, taxes, station = pick.choice(MENU)
        quantity = pick.randint(1, 2)
        total += price * quantity
        line = {
            "line_id": stamper.new_id(),
            "product_id": product,
            "variant_id": product,
            "name": name,
            "quantity": quantity,
            "unit_price": price,
            "modifiers": [],
            "notes": "",
            "seat": None,
            "course": 1,
            "tax_rates": taxes,
            "station": station,
            "sent": False,
            "discount": None,
        }
        ops.append(Event(**stamper.envelope(ticket_id, step_ms), name="line_added", data=line))
    cash = pick.random() < 0.7
    tendered = -(-total // 10000) * 10000 if cash else total  # cash rounded up to 100 KES
    payment = {
        "payment_id": stamper.new_id(),
        "method": "cash" if cash else "card",
        "amount": total,
        "tip": 0,
        "tendered": tendered,
        "change": tendered - total,
        "status": "confirmed",
        "reference": None if cash else f"AUTH{pick.randint(100000, 999999)}",
        "expires_in_hours": None,
        "by": "staff-cashier",
    }
    ops += [
        Event(**stamper.envelope(ticket_id, step_ms), name="payment_taken", data=payment),
        StatusChange(**stamper.envelope(ticket_id, 0), status="paid"),
        StatusChange(**stamper.envelope(ticket_id, step_ms), status="closed"),
    ]
    return ops
