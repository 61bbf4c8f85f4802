"""Live updates end to end: two hub processes on one PostgreSQL with Redis, three tills
spread over them, the timer out of the way (an hour): what one till sells reaches a till
of the other hub process through a waiting pull, and all converge to one state hash.

The hub holds a pull 10 s at most and a wake-up takes well under a second, so every wait
here is bounded by :data:`BOUND_S`; the latency seen is printed (``make bench`` measures
it properly).
"""

from __future__ import annotations

import time
from contextlib import ExitStack

import httpx
import pytest

from tests.e2e.live_world import lines, till_of, two_hubs, until
from tests.e2e.sync_world import ADMIN_TOKEN, fresh_database

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]


def test_a_line_added_on_one_till_reaches_a_till_of_the_other_hub_process_and_all_converge(
    tmp_path, postgres_url: str, redis_url: str, channel_prefix: str
) -> None:
    database_url = fresh_database("postgres", tmp_path, postgres_url)
    with ExitStack() as stack:
        first, second = stack.enter_context(two_hubs(database_url, redis_url, channel_prefix))
        a = stack.enter_context(till_of(first, "D01", tmp_path))
        b = stack.enter_context(till_of(second, "D02", tmp_path))
        c = stack.enter_context(till_of(second, "D03", tmp_path))
        admin = stack.enter_context(
            httpx.Client(base_url=first.url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        )
        for till in (a, b, c):
            until(lambda t=till: t.status()["last_success_ms"], "a first sync run")
        a.sign_in()
        c.sign_in()

        started = time.monotonic()
        ticket = a.sale("chai", pay=False)
        until(lambda: lines(c, ticket["id"]) == 1, "A's line on till C (other hub process)")
        a_to_c = time.monotonic() - started
        started = time.monotonic()
        added = c.client.post(f"/tickets/{ticket['id']}/lines", json={"variant_id": "samosa"})
        assert added.status_code == 201, added.text
        until(lambda: lines(a, ticket["id"]) == 2, "C's line on till A (other hub process)")
        c_to_a = time.monotonic() - started

        def one_hash() -> str | None:
            hub = admin.get("/api/v1/state-hash", params={"outlet": "DEMO1"}).json()
            hashes = {hub["state_hash"], *(till.state_hash() for till in (a, b, c))}
            return hashes.pop() if len(hashes) == 1 else None

        until(one_hash, "one state hash on the hub and the three tills")
        b_lines = lines(b, ticket["id"])

    print(f"live update latency: A->C {a_to_c * 1000:.0f} ms, C->A {c_to_a * 1000:.0f} ms")
    assert b_lines == 2
