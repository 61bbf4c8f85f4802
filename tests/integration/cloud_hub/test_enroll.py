"""Enrollment: one-time expiring codes, redeemed by a device with the id it made itself;
live codes cannot be told from dead ones, and guessing is throttled."""

from __future__ import annotations

import hashlib
import re
import time
import uuid

import httpx
import pytest
import sqlalchemy as sa

from cloud_hub.domain.throttle import FailureThrottle
from cloud_hub.http.enroll import ADDRESS_LIMIT, WINDOW_MS, EnrollThrottle
from cloud_hub.store.models import devices, enrollment_codes, hub_meta
from tests.integration.cloud_hub.admin_harness import BASE, auth, running_hub

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


async def redeem(hub, code: str, device_id: str | None = None):
    body = {"code": code, "device_id": device_id or str(uuid.uuid4()), "agent_version": "0.1.0"}
    return await hub.client.post("/api/v1/enroll", json=body)


async def test_a_device_enrolls_and_gets_its_identity_and_a_credential(hub, admin) -> None:
    code = await hub.code(admin, "NBO1", "D02")
    device_id = str(uuid.uuid4())

    answer = await redeem(hub, code, device_id)

    body = answer.json()
    async with hub.engine.connect() as conn:
        stored = (await conn.execute(sa.select(devices))).one()
        epoch = await conn.scalar(sa.select(hub_meta.c.value).where(hub_meta.c.key == "epoch"))
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{2}", code)
    assert answer.status_code == 201
    assert set(body) == {
        "device_id",
        "device_code",
        "credential",
        "hub_epoch",
        "tenant",
        "outlet",
    }
    assert (body["device_id"], body["device_code"], body["hub_epoch"]) == (device_id, "D02", epoch)
    assert body["tenant"] == {"slug": "acme", "name": "acme Ltd", "currency": "KES"}
    assert body["outlet"] == {
        "code": "NBO1",
        "name": "Outlet NBO1",
        "timezone": "Africa/Nairobi",
        "currency": "KES",
        "settings": {},
    }
    assert stored.credential_hash == hashlib.sha256(body["credential"].encode()).hexdigest()
    assert (stored.status, stored.agent_version) == ("active", "0.1.0")


async def test_a_code_is_stored_hashed_and_typed_without_dashes_or_case(hub, admin) -> None:
    code = await hub.code(admin, "NBO1", "D02")
    async with hub.engine.connect() as conn:
        stored = (await conn.execute(sa.select(enrollment_codes.c.code_hash))).scalar_one()

    answer = await redeem(hub, " " + code.replace("-", "").lower() + " ")

    assert code.replace("-", "") not in stored
    assert answer.status_code == 201


async def test_a_code_works_once(hub, admin) -> None:
    code = await hub.code(admin, "NBO1", "D02")

    first = await redeem(hub, code)
    second = await redeem(hub, code)

    assert first.status_code == 201
    assert second.status_code == 404
    assert second.json()["code"] == "enrollment_code_unknown"


async def test_an_unknown_code_gets_the_same_answer_as_a_used_one(hub, admin) -> None:
    answer = await redeem(hub, "AAAA-BBBB-CC")

    assert answer.status_code == 404
    assert answer.json() == {
        "code": "enrollment_code_unknown",
        "message": "unknown, expired or already used enrollment code",
    }


async def test_a_code_expires_and_then_answers_like_an_unknown_one(hub, admin) -> None:
    code = await hub.code(admin, "NBO1", "D02")
    hub.clock.advance(DAY_MS)

    answer = await redeem(hub, code)

    assert answer.status_code == 404
    assert answer.json()["code"] == "enrollment_code_unknown"


async def test_a_new_code_for_the_same_device_replaces_the_old_one(hub, admin) -> None:
    old = await hub.code(admin, "NBO1", "D02")
    new = await hub.code(admin, "NBO1", "D02")

    with_old = await redeem(hub, old)
    with_new = await redeem(hub, new)

    assert with_old.status_code == 404
    assert with_new.status_code == 201


async def test_a_device_id_enrolls_only_once(hub, admin) -> None:
    device_id = str(uuid.uuid4())
    await redeem(hub, await hub.code(admin, "NBO1", "D02"), device_id)
    code = await hub.code(admin, "NBO1", "D03")

    answer = await redeem(hub, code, device_id.upper())
    retry = await redeem(hub, code)

    assert answer.status_code == 409
    assert answer.json()["code"] == "device_already_enrolled"
    assert retry.status_code == 201, "a refused attempt must not use the code up"


async def test_a_device_code_is_never_given_twice(hub, admin) -> None:
    await redeem(hub, await hub.code(admin, "NBO1", "D02"))

    answer = await hub.client.post(
        "/api/v1/outlets/NBO1/enrollment-codes", json={"device_code": "D02"}, headers=auth(admin)
    )

    assert answer.status_code == 409
    assert answer.json()["code"] == "device_code_taken"


async def test_two_codes_for_one_device_code_enroll_one_device(hub, admin) -> None:
    other = await hub.tenant("other")
    await hub.outlet(other, "NBO1")
    mine, theirs = await hub.code(admin, "NBO1", "D02"), await hub.code(other, "NBO1", "D02")

    both = [await redeem(hub, mine), await redeem(hub, theirs)]

    assert [a.status_code for a in both] == [201, 201], "device codes are per outlet"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"code": "AAAA-BBBB-CC"},
        {"code": "AAAA-BBBB-CC", "device_id": "not-a-uuid"},
        {"code": 12, "device_id": str(uuid.uuid4())},
        {"code": "A" * 65, "device_id": str(uuid.uuid4())},
    ],
)
async def test_a_malformed_enrollment_is_400(hub, body) -> None:
    answer = await hub.client.post("/api/v1/enroll", json=body)

    assert answer.status_code == 400
    assert answer.json()["code"] == "malformed"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"device_code": "d-02"}, 422),
        ({"device_code": "D02", "expires_hours": 0}, 422),
        ({"device_code": "D02", "expires_hours": 10_000}, 422),
        ({"device_code": "D02", "expires_hours": "soon"}, 400),
    ],
)
async def test_a_bad_code_request_is_refused(hub, admin, body, status) -> None:
    answer = await hub.client.post(
        "/api/v1/outlets/NBO1/enrollment-codes", json=body, headers=auth(admin)
    )

    assert answer.status_code == status


async def test_codes_are_issued_only_for_the_callers_outlets(hub, admin) -> None:
    other = await hub.tenant("other")

    answer = await hub.client.post(
        "/api/v1/outlets/NBO1/enrollment-codes", json={"device_code": "D09"}, headers=auth(other)
    )

    assert answer.status_code == 404


async def test_a_lost_answer_is_retried_with_the_same_code_and_device_id(hub, admin) -> None:
    code = await hub.code(admin, "NBO1", "D02")
    device_id = str(uuid.uuid4())
    lost = await redeem(hub, code, device_id)

    retried = await redeem(hub, code, device_id)

    async with hub.engine.connect() as conn:
        stored = (await conn.execute(sa.select(devices))).one()
    assert (lost.status_code, retried.status_code) == (201, 201)
    assert retried.json()["device_id"] == lost.json()["device_id"] == device_id
    assert retried.json()["device_code"] == "D02"
    assert retried.json()["credential"] != lost.json()["credential"]
    assert (
        stored.credential_hash == hashlib.sha256(retried.json()["credential"].encode()).hexdigest()
    )


async def test_a_retry_is_refused_once_the_device_synced_or_the_code_expired(hub, admin) -> None:
    synced_code = await hub.code(admin, "NBO1", "D02")
    synced_id = str(uuid.uuid4())
    await redeem(hub, synced_code, synced_id)
    async with hub.engine.begin() as conn:
        await conn.execute(sa.update(devices).values(last_seen_ms=1))
    expired_code = await hub.code(admin, "NBO1", "D03")
    expired_id = str(uuid.uuid4())
    await redeem(hub, expired_code, expired_id)
    hub.clock.advance(DAY_MS)

    after_sync = await redeem(hub, synced_code, synced_id)
    after_expiry = await redeem(hub, expired_code, expired_id)
    other_device = await redeem(hub, expired_code)

    # An enrolled device id is answered the same whatever the code: that tells nothing of it.
    assert [a.json()["code"] for a in (after_sync, after_expiry, other_device)] == [
        "device_already_enrolled",
        "device_already_enrolled",
        "enrollment_code_unknown",
    ]


# Probing and guessing


async def redeem_from(client: httpx.AsyncClient, code: str, device_id: str | None = None, **extra):
    body = {"code": code, "device_id": device_id or str(uuid.uuid4()), **extra}
    return await client.post("/api/v1/enroll", json=body)


def client_from(hub, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=hub.app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url=BASE)


async def test_unknown_expired_and_used_codes_get_the_very_same_answer(hub, admin) -> None:
    used = await hub.code(admin, "NBO1", "D01")
    assert (await redeem_from(hub.client, used)).status_code == 201
    expired = await hub.code(admin, "NBO1", "D02")
    hub.clock.advance(DAY_MS)

    answers = [await redeem_from(hub.client, code) for code in ("AAAA-BBBB-CC", expired, used)]

    assert {a.status_code for a in answers} == {404}
    assert all(a.json() == answers[0].json() for a in answers)
    assert answers[0].json()["code"] == "enrollment_code_unknown"


async def test_a_live_code_is_not_told_apart_by_a_bad_name_or_a_known_device(hub, admin) -> None:
    enrolled = str(uuid.uuid4())
    await redeem_from(hub.client, await hub.code(admin, "NBO1", "D01"), enrolled)
    live = await hub.code(admin, "NBO1", "D02")

    answers = {
        (kind, code): await redeem_from(hub.client, code, **extra)
        for code in (live, "AAAA-BBBB-CC")
        for kind, extra in (("name", {"name": "bad\x07name"}), ("device", {"device_id": enrolled}))
    }
    spent = await redeem_from(hub.client, live)

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
    assert (await redeem_from(hub.client, used)).status_code == 201
    expired = await hub.code(admin, "NBO1", "D02")
    hub.clock.advance(DAY_MS)

    codes = ("AAAA-BBBB-CC", expired, used)
    times: dict[str, list[float]] = {code: [] for code in codes}
    # Round-robin, so a busy machine slows the three kinds of code alike.
    for _ in range(21):
        for code in codes:
            started = time.perf_counter()
            answer = await redeem_from(hub.client, code)
            times[code].append(time.perf_counter() - started)
            assert answer.status_code == 404
    unknown_s, expired_s, used_s = (sorted(times[code])[10] for code in codes)

    slowest, fastest = max(unknown_s, expired_s, used_s), min(unknown_s, expired_s, used_s)
    assert slowest < fastest * 3, (unknown_s, expired_s, used_s)


async def test_guessing_from_one_address_is_throttled_even_with_the_right_code(hub, admin) -> None:
    code = await hub.code(admin, "NBO1", "D02")
    async with (
        client_from(hub, "203.0.113.7") as guesser,
        client_from(hub, "198.51.100.2") as other,
    ):
        misses = [await redeem_from(guesser, f"AAAA-BBBB-{n:02}") for n in range(ADDRESS_LIMIT)]

        throttled = await redeem_from(guesser, code)
        elsewhere = await redeem_from(other, "AAAA-BBBB-CC")
        hub.clock.advance(WINDOW_MS)
        after_the_window = await redeem_from(guesser, code)

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
            assert (await redeem_from(guesser, "AAAA-BBBB-CC")).status_code == 404
    async with client_from(hub, "192.0.2.200") as newcomer:
        throttled = await redeem_from(newcomer, code)

    assert throttled.status_code == 429
    assert throttled.json()["code"] == "rate_limited"
    assert "Retry-After" in throttled.headers


async def test_successful_enrollments_do_not_count_towards_the_limit(hub, admin) -> None:
    codes = [await hub.code(admin, "NBO1", f"D{n:02}") for n in range(1, ADDRESS_LIMIT + 3)]

    answers = [await redeem_from(hub.client, code) for code in codes]

    assert {a.status_code for a in answers} == {201}
