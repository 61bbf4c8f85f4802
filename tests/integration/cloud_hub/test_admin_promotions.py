"""Promotions are catalog documents: edited on the hub, validated with the devices' own
types, published as hub-written ops; bad ones are refused with a code and write nothing."""

from __future__ import annotations

import msgspec
import pytest
import sqlalchemy as sa

from cloud_hub.store.models import ops
from sync_protocol import MSGPACK, FieldEdit
from sync_protocol.promotions import AnyPromotion, PercentOff
from tests.integration.cloud_hub.admin_harness import auth

HAPPY_HOUR = {
    "kind": "percent_off",
    "name": "Happy hour coffee",
    "priority": 2,
    "percent_bp": 2000,
    "target": {"category_ids": ["coffee"]},
    "windows": [{"weekdays": [0, 1, 2, 3, 4], "start": "16:00", "end": "18:00"}],
}
PATH = "/api/v1/catalog/promotion/happy"


@pytest.fixture
async def acme(hub):
    token = await hub.tenant("acme")
    await hub.outlet(token, "NBO1")
    return token


async def promotion_ops(hub) -> list[FieldEdit]:
    async with hub.engine.connect() as conn:
        rows = await conn.execute(
            sa.select(ops.c.body).where(ops.c.entity == "ref.promotion").order_by(ops.c.commit_seq)
        )
        return [MSGPACK.decode(body, FieldEdit) for (body,) in rows]


async def test_a_promotion_is_published_as_the_document_devices_price_with(hub, acme) -> None:
    headers = {**auth(acme), "Idempotency-Key": "promo-1"}

    first = await hub.client.put(PATH, json=HAPPY_HOUR, headers=headers)
    again = await hub.client.put(PATH, json=HAPPY_HOUR, headers=headers)
    catalog = (await hub.client.get("/api/v1/catalog", headers=auth(acme))).json()
    [edit] = await promotion_ops(hub)

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert catalog["promotion"] == [{"id": "happy", **HAPPY_HOUR}]
    assert edit.entity_id == "happy"
    assert edit.changes == {"doc": HAPPY_HOUR}
    on_device = msgspec.convert({**edit.changes["doc"], "id": "happy"}, AnyPromotion)
    assert isinstance(on_device, PercentOff)
    assert on_device.percent_bp == 2000


async def test_a_deleted_promotion_is_a_tombstone_and_its_id_is_not_reused(hub, acme) -> None:
    await hub.client.put(PATH, json=HAPPY_HOUR, headers=auth(acme))

    deleted = await hub.client.delete(PATH, headers=auth(acme))
    again = await hub.client.put(PATH, json=HAPPY_HOUR, headers=auth(acme))
    catalog = (await hub.client.get("/api/v1/catalog", headers=auth(acme))).json()

    assert deleted.status_code == 200
    assert again.status_code == 409
    assert again.json()["code"] == "entity_deleted"
    assert catalog["promotion"] == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"percent_bp": None}, "percent_bp"),
        ({"percent_bp": 10_001}, "percent_bp"),
        ({"percent_bp": 20.5}, "percent_bp"),
        ({"buy": 2}, "takes no ['buy']"),
        ({"kind": "free_lunch"}, "kind"),
        ({"scope": "everything"}, "scope"),
        ({"windows": [{"weekdays": [7], "start": "16:00", "end": "18:00"}]}, "weekdays"),
        ({"windows": [{"weekdays": [1], "start": "26:00", "end": "18:00"}]}, "time of day"),
        ({"kind": "group_price", "prices": {"latte": 100}, "percent_bp": None}, "customer"),
        ({"kind": "buy_x_get_y", "buy": 0, "get": 1, "percent_bp": None}, "buy"),
        ({"kind": "bundle", "items": [], "price": 100, "percent_bp": None}, "items"),
        ({"nickname": "hh"}, "nickname"),
    ],
)
async def test_a_promotion_devices_could_not_price_with_is_refused_and_nothing_is_written(
    hub, acme, change, problem
) -> None:
    body = {k: v for k, v in {**HAPPY_HOUR, **change}.items() if v is not None}

    answer = await hub.client.put(PATH, json=body, headers=auth(acme))

    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "invalid_document"
    assert problem in answer.json()["message"]
    assert await promotion_ops(hub) == []
