"""Enrollment codes cannot be probed: one answer for every dead code, and guessing is throttled."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from cloud_hub.domain.throttle import FailureThrottle
from cloud_hub.http.enroll import ADDRESS_LIMIT, WINDOW_MS, EnrollThrottle
from tests.integration.cloud_hub.admin_harness import BASE, running_hub

DAY_MS = 24 * 3_600_000


@pytest.fixture
async def hub(tmp_path):
    async with running_hub(tmp_path) as hub:
        yield hub


@pytest.fixture
async def admin(hub):
    token = await hub.tenant("acme")
    await hub.outlet(token, "NBO1", settings={})
    return token


async def redeem(client: httpx.AsyncClient, code: str, device_id: str | None = None, **extra):
    body = {"code": code, "device_id": device_id or str(uuid.uuid4()), **extra}
    return await client.post("/api/v1/enroll", json=body)


def client_from(hub, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=hub.app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url=BASE)


async def test_unknown_expired_and_used_codes_get_the_very_same_answer(hub, admin) -> None:
    used = await hub.code(admin, "NBO1", "D01")
    assert (await redeem(hub.client, used)).status_code == 201
    expired = await hub.code(admin, "NBO1", "D02")
    hub.clock.advance(DAY_MS)

    answers = [await redeem(hub.client, code) for code in ("AAAA-BBBB-CC", expired, used)]

    assert {a.status_code for a in answers} == {404}
    assert all(a.json() == answers[0].json() for a in answers)
    assert answers[0].json()["code"] == "enrollment_code_unknown"


async def test_a_live_code_is_not_told_apart_by_a_bad_name_or_a_known_device(hub, admin) -> None:
    enrolled = str(uuid.uuid4())
    await redeem(hub.client, await hub.code(admin, "NBO1", "D01"), enrolled)
    live = await hub.code(admin, "NBO1", "D02")

    answers = {
        (kind, code): await redeem(hub.client, code, **extra)
        for code in (live, "AAAA-BBBB-CC")
        for kind, extra in (("name", {"name": "bad\x07name"}), ("device", {"device_id": enrolled}))
    }
    spent = await redeem(hub.client, live)

    for kind in ("name", "device"):
        with_live, with_unknown = answers[kind, live], answers[kind, "AAAA-BBBB-CC"]
        assert with_live.status_code == with_unknown.status_code, kind
        assert with_live.json() == with_unknown.json(), kind
    assert spent.status_code == 201, "probing must not have used the live code"


async def test_unknown_expired_and_used_codes_answer_in_similar_time(hub, admin) -> None:
    hub.app.state.enroll_throttle = EnrollThrottle(
        by_address=FailureThrottle(10_000, WINDOW_MS), hub=FailureThrottle(10_000, WINDOW_MS)
    )
    used = await hub.code(admin, "NBO1", "D01")
    assert (await redeem(hub.client, used)).status_code == 201
    expired = await hub.code(admin, "NBO1", "D02")
    hub.clock.advance(DAY_MS)

    async def median_s(code: str) -> float:
        times = []
        for _ in range(21):
            started = time.perf_counter()
            answer = await redeem(hub.client, code)
            times.append(time.perf_counter() - started)
            assert answer.status_code == 404
        return sorted(times)[10]

    unknown_s, expired_s, used_s = [await median_s(c) for c in ("AAAA-BBBB-CC", expired, used)]

    slowest, fastest = max(unknown_s, expired_s, used_s), min(unknown_s, expired_s, used_s)
    assert slowest < fastest * 3, (unknown_s, expired_s, used_s)


async def test_guessing_from_one_address_is_throttled_even_with_the_right_code(hub, admin) -> None:
    code = await hub.code(admin, "NBO1", "D02")
    async with (
        client_from(hub, "203.0.113.7") as guesser,
        client_from(hub, "198.51.100.2") as other,
    ):
        misses = [await redeem(guesser, f"AAAA-BBBB-{n:02}") for n in range(ADDRESS_LIMIT)]

        throttled = await redeem(guesser, code)
        elsewhere = await redeem(other, "AAAA-BBBB-CC")
        hub.clock.advance(WINDOW_MS)
        after_the_window = await redeem(guesser, code)

    assert {m.status_code for m in misses} == {404}
    assert throttled.status_code == 429
    assert throttled.json()["code"] == "rate_limited"
    assert 0 < int(throttled.headers["Retry-After"]) <= WINDOW_MS // 1000
    assert elsewhere.status_code == 404, "other addresses keep their own count"
    assert after_the_window.status_code == 201, "the throttle must not have spent the code"


async def test_guessing_spread_over_many_addresses_is_throttled_hub_wide(hub, admin) -> None:
    hub.app.state.enroll_throttle = EnrollThrottle(hub=FailureThrottle(5, WINDOW_MS))
    code = await hub.code(admin, "NBO1", "D02")

    for n in range(5):
        async with client_from(hub, f"192.0.2.{n}") as guesser:
            assert (await redeem(guesser, "AAAA-BBBB-CC")).status_code == 404
    async with client_from(hub, "192.0.2.200") as newcomer:
        throttled = await redeem(newcomer, code)

    assert throttled.status_code == 429
    assert throttled.json()["code"] == "rate_limited"
    assert "Retry-After" in throttled.headers


async def test_successful_enrollments_do_not_count_towards_the_limit(hub, admin) -> None:
    codes = [await hub.code(admin, "NBO1", f"D{n:02}") for n in range(1, ADDRESS_LIMIT + 3)]

    answers = [await redeem(hub.client, code) for code in codes]

    assert {a.status_code for a in answers} == {201}
