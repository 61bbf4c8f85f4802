"""The hub's body limits and credential-first checks, in process (section 2's limits)."""

from __future__ import annotations

import uuid

import pytest

from cloud_hub.http.enroll import MAX_ENROLL_BYTES
from cloud_hub.http.sync import MAX_PUSH_BYTES, MAX_SYNC_BYTES
from tests.integration.cloud_hub.admin_harness import Hub, auth, running_hub


@pytest.fixture
async def hub(tmp_path):
    async with running_hub(tmp_path) as hub:
        yield hub


@pytest.fixture
async def credential(hub: Hub) -> str:
    admin = await hub.tenant("acme")
    await hub.outlet(admin, "NBO1")
    answer = await hub.enroll(await hub.code(admin, "NBO1", "D01"))
    token: str = answer["credential"]
    return token


@pytest.mark.parametrize("path", ["handshake", "pull", "successor", "known"])
async def test_a_sync_body_over_256_kib_is_413_batch_too_large(
    hub: Hub, credential: str, path: str
) -> None:
    answer = await hub.client.post(
        f"/sync/v1/{path}", content=b" " * (MAX_SYNC_BYTES + 1), headers=auth(credential)
    )

    assert (answer.status_code, answer.json()["code"]) == (413, "batch_too_large")


async def test_an_unknown_credential_is_401_whatever_the_body(hub: Hub) -> None:
    oversized = await hub.client.post(
        "/sync/v1/push", content=b"\x00" * (MAX_PUSH_BYTES + 1), headers=auth("forged")
    )
    garbage = await hub.client.post("/sync/v1/pull", content=b"{", headers=auth("forged"))

    assert (oversized.status_code, oversized.json()["code"]) == (401, "unauthorized")
    assert (garbage.status_code, garbage.json()["code"]) == (401, "unauthorized")
    assert oversized.headers["WWW-Authenticate"].startswith("Bearer")


async def test_an_enrollment_body_over_16_kib_is_413(hub: Hub) -> None:
    answer = await hub.client.post(
        "/api/v1/enroll",
        json={"code": "AAAA", "device_id": str(uuid.uuid4()), "name": "x" * MAX_ENROLL_BYTES},
    )

    assert answer.status_code == 413
    assert answer.json()["code"] == "body_too_large"


async def test_a_large_push_within_the_limit_is_decoded_and_answered(
    hub: Hub, credential: str
) -> None:
    answer = await hub.client.post(
        "/sync/v1/push",
        json={"device_id": str(uuid.uuid4()), "ops": [], "padding": "x" * 200_000},
        headers=auth(credential),
    )

    assert answer.status_code < 500, answer.text
    assert (answer.status_code, answer.json()["code"]) == (403, "wrong_device")
