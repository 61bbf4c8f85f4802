"""The hub's demo tenant holds exactly the documents ``pos-agent init --demo`` seeds."""

from __future__ import annotations

import json
import sqlite3
import uuid

import pytest
import sqlalchemy as sa

from cloud_hub.services import demo
from cloud_hub.store.models import ops
from edge_agent.domain.rbac import verify_pin
from edge_agent.services.demo import CASHIER_PIN, MANAGER_PIN
from sync_protocol import MSGPACK, FieldEdit
from tests.integration.cloud_hub.admin_harness import auth, running_hub
from tests.processes import init_agent


@pytest.fixture
async def hub(tmp_path):
    async with running_hub(tmp_path, demo=True) as hub:
        yield hub


async def reference_docs(hub) -> dict[tuple[str, str], dict]:
    async with hub.engine.connect() as conn:
        rows = await conn.execute(sa.select(ops.c.body).where(ops.c.entity.like("ref.%")))
        edits = [MSGPACK.decode(row.body, FieldEdit) for row in rows]
    return {(op.entity.removeprefix("ref."), op.entity_id): op.changes["doc"] for op in edits}


def agent_demo_docs(data_dir) -> dict[tuple[str, str], dict]:
    init_agent(data_dir)
    with sqlite3.connect(data_dir / "agent.sqlite3") as conn:
        rows = conn.execute("SELECT entity, entity_id, data FROM reference_data").fetchall()
    return {(entity, entity_id): json.loads(data) for entity, entity_id, data in rows}


async def test_the_demo_documents_equal_what_pos_agent_init_demo_seeds(hub, tmp_path) -> None:
    docs = await reference_docs(hub)

    agent = agent_demo_docs(tmp_path / "till")

    assert set(docs) == set(agent)
    for key, doc in docs.items():
        if key[0] == "staff":  # a fresh random salt on the agent, a fixed one on the hub
            assert {**doc, "pin_hash": ""} == {**agent[key], "pin_hash": ""}
        else:
            assert doc == agent[key], key
    assert verify_pin(CASHIER_PIN, docs["staff", "staff-cashier"]["pin_hash"])
    assert verify_pin(MANAGER_PIN, docs["staff", "staff-manager"]["pin_hash"])


async def test_the_demo_admin_token_and_codes_work(hub) -> None:
    info = hub.app.state.demo  # what `serve --demo` prints

    outlets = await hub.client.get("/api/v1/outlets", headers=auth(demo.ADMIN_TOKEN))
    enrolled = await hub.client.post(
        "/api/v1/enroll", json={"code": info.codes["D02"], "device_id": str(uuid.uuid4())}
    )

    assert [o["code"] for o in outlets.json()] == ["DEMO1"]
    assert enrolled.status_code == 201
    assert enrolled.json()["outlet"]["timezone"] == "Africa/Nairobi"


async def test_seeding_again_writes_nothing_new_and_skips_enrolled_devices(hub) -> None:
    first = hub.app.state.demo
    await hub.enroll(first.codes["D01"])
    async with hub.engine.connect() as conn:
        before = await conn.scalar(sa.select(sa.func.count()).select_from(ops))

    async with hub.engine.begin() as conn:
        again = await demo.seed(conn, now_ms=hub.clock())
    async with hub.engine.connect() as conn:
        after = await conn.scalar(sa.select(sa.func.count()).select_from(ops))

    assert after == before
    assert again.codes["D01"] is None
    assert again.codes["D02"] not in (None, first.codes["D02"])
