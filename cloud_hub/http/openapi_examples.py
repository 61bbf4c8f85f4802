"""Examples of the hub's main operations, for the OpenAPI document.

A test checks each example against the schema it illustrates, so an example cannot
drift from the contract. Money is minor units (35000 = KES 350.00); times are Unix
milliseconds.
"""

from __future__ import annotations

from typing import Any

_OUTLET = {
    "id": "0195f3a2-6c1e-7c4e-9a51-3b8f0c1d2e3f",
    "code": "NBO1",
    "name": "Java House Kimathi Street",
    "timezone": "Africa/Nairobi",
    "currency": "KES",
    "settings": {"pay_out_limit": 500000},
    "created_ms": 1772431200000,
}
_TICKET = {
    "id": "0195f3b0-1a2b-7c3d-8e4f-5a6b7c8d9e0f",
    "outlet": "NBO1",
    "receipt_no": "NBO1-D01-000042",
    "kind": "dine_in",
    "status": "paid",
    "reinstated": False,
    "currency": "KES",
    "total": 35000,
    "paid": 35000,
    "pending": 0,
    "refunded": 0,
    "balance": 0,
    "money_conflict": None,
    "opened_ms": 1772433000000,
    "updated_ms": 1772433120000,
    "tenders": [
        {
            "id": "0195f3b1-0000-7000-8000-000000000001",
            "kind": "payment",
            "method": "mpesa",
            "amount": 35000,
            "tip": 0,
            "status": "confirmed",
            "reference": "SGH7K2LQ9P",
            "device_id": "8c1d4f7e-2b3a-4c5d-9e8f-1a2b3c4d5e6f",
        }
    ],
}
_PAYMENT = {
    "id": "0195f3b1-0000-7000-8000-000000000001",
    "ticket_id": _TICKET["id"],
    "outlet": "NBO1",
    "device_id": "8c1d4f7e-2b3a-4c5d-9e8f-1a2b3c4d5e6f",
    "kind": "payment",
    "method": "mpesa",
    "amount": 35000,
    "tip": 0,
    "status": "confirmed",
    "reference": "SGH7K2LQ9P",
    "recorded_ms": 1772433110000,
}
_DAY = {
    "outlet": "NBO1",
    "day": "2026-03-02",
    "timezone": "Africa/Nairobi",
    "currency": "KES",
    "from_ms": 1772398800000,
    "to_ms": 1772485200000,
    "next_cursor": "WzE3NzI0MzMwMDAwMDAsIjAxOTVmM2IwLTFhMmItN2MzZC04ZTRmLTVhNmI3YzhkOWUwZiJd",
}

#: (path, method, "request" or a status) -> example value.
EXAMPLES: dict[tuple[str, str, str], Any] = {
    ("/api/v1/tenants", "post", "request"): {
        "slug": "javahouse",
        "name": "Java House Africa Ltd",
        "currency": "KES",
    },
    ("/api/v1/tenants", "post", "201"): {
        "slug": "javahouse",
        "name": "Java House Africa Ltd",
        "currency": "KES",
        "admin_token": "pos_adm_3q8Zb1...",
    },
    ("/api/v1/outlets", "post", "request"): {
        "code": "NBO1",
        "name": "Java House Kimathi Street",
        "timezone": "Africa/Nairobi",
        "settings": {"pay_out_limit": 500000},
    },
    ("/api/v1/outlets", "post", "201"): _OUTLET,
    ("/api/v1/outlets/{code}/enrollment-codes", "post", "request"): {
        "device_code": "D01",
        "expires_hours": 24,
    },
    ("/api/v1/outlets/{code}/enrollment-codes", "post", "201"): {
        "code": "K7QM-3XPD-9T",
        "outlet": "NBO1",
        "device_code": "D01",
        "expires_ms": 1772517600000,
    },
    ("/api/v1/enroll", "post", "request"): {
        "code": "K7QM-3XPD-9T",
        "device_id": "8c1d4f7e-2b3a-4c5d-9e8f-1a2b3c4d5e6f",
        "name": "Front till",
        "agent_version": "0.1.0",
    },
    ("/api/v1/enroll", "post", "201"): {
        "device_id": "8c1d4f7e-2b3a-4c5d-9e8f-1a2b3c4d5e6f",
        "device_code": "D01",
        "credential": "pos_dev_Zk2...",
        "hub_epoch": "5f0c2e9a8b7d4c3e9f1a2b3c4d5e6f70",
        "tenant": {"slug": "javahouse", "name": "Java House Africa Ltd", "currency": "KES"},
        "outlet": {
            "code": "NBO1",
            "name": "Java House Kimathi Street",
            "timezone": "Africa/Nairobi",
            "currency": "KES",
            "settings": {"pay_out_limit": 500000},
        },
    },
    ("/api/v1/catalog/{entity}/{doc_id}", "put", "request"): {
        "name": "Latte",
        "category_id": "coffee",
        "variants": [{"id": "latte-regular", "name": "Regular", "price": 35000}],
        "tax_codes": ["VAT16"],
    },
    ("/api/v1/tickets/{ticket_id}", "get", "200"): _TICKET,
    ("/api/v1/outlets/{outlet}/tickets", "get", "200"): {
        **_DAY,
        "tickets": [_TICKET],
        "totals": {
            "count": 214,
            "total": 7489500,
            "paid": 7452000,
            "pending": 12000,
            "refunded": 25000,
            "balance": 37500,
            "money_conflicts": 1,
        },
    },
    ("/api/v1/payments/{payment_id}", "get", "200"): _PAYMENT,
    ("/api/v1/outlets/{outlet}/payments", "get", "200"): {
        **_DAY,
        "payments": [_PAYMENT],
        "totals": {
            "taken": 7464000,
            "tips": 42000,
            "confirmed": 7452000,
            "pending": 12000,
            "refunded": 25000,
            "net": 7439000,
            "declined": 3500,
            "held_on_voided": 0,
            "sales": 7439000,
        },
    },
    ("/api/v1/payments/{payment_id}/confirm", "post", "request"): {"reference": "SGH7K2LQ9P"},
    ("/api/v1/me", "get", "200"): {
        "token_id": "0195f3a2-0000-7000-8000-00000000000a",
        "name": "back office",
        "scope": "tenant",
        "tenant": "javahouse",
        "tenant_name": "Java House Africa Ltd",
        "currency": "KES",
        "expires_ms": 1780207200000,
        "fingerprint": "3fa85f64",
        "permissions": ["outlets", "devices", "tickets", "payments"],
    },
}


def add_examples(document: dict[str, Any]) -> None:
    """Put :data:`EXAMPLES` on their operations' bodies and answers."""
    for (path, method, where), value in EXAMPLES.items():
        operation = document["paths"][path][method]
        part = operation["requestBody"] if where == "request" else operation["responses"][where]
        for media in part["content"].values():
            media["examples"] = {"example": {"value": value}}
