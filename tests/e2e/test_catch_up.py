"""Catch-up after an outage with lost answers, with real processes and the agents' own
sync timer and backoff: it starts within seconds of the hub answering again, and a till
whose pushes fail still receives the other tills' ops.
"""

from __future__ import annotations

import pytest

from tests.e2e.catch_up import recover, sell_offline
from tests.e2e.sync_world import fresh_database, sync_world

pytestmark = pytest.mark.slow

#: Long enough for the backoff to reach windows of 30-60 s (failures 1, 2, 4, 8, 16 s...).
OUTAGE_S = 35
#: Generous: the probe comes every ~2 s and the catch-up itself takes about a second.
CAUGHT_UP_WITHIN_S = 20


def test_catch_up_after_lost_answers_starts_within_seconds_of_the_hub_answering(
    tmp_path,
) -> None:
    with sync_world(fresh_database("sqlite", tmp_path, None), tmp_path, 3, agent_env={}) as world:
        for till in world.tills:
            # Enrollment pulls nothing: staff and their PINs arrive with the first sync,
            # which the agents' own timers may not have finished on a busy machine.
            assert till.sync()["ok"] is True
            till.sign_in()
        sell_offline(world, tickets=30, outage_s=OUTAGE_S)

        recovery = recover(world, timeout_s=CAUGHT_UP_WITHIN_S + 10)

        assert recovery.pushed_s is not None, f"ops still pending: {recovery.arrivals}"
        assert recovery.pulled_s is not None, f"a till has not pulled: {recovery.arrivals}"
        assert recovery.pulled_s < CAUGHT_UP_WITHIN_S, recovery.arrivals
        assert len(world.faults.dropped) == 6  # every lost answer was met, and retried
        probed, handshake = recovery.first("/health"), recovery.first("/sync/v1/handshake")
        assert probed is not None
        assert handshake is not None
        assert probed <= handshake  # the till asked whether the hub answers, then synced
        for till in world.tills:
            till.sync()
        assert world.converged()


def test_a_till_whose_pushes_fail_still_pulls_the_other_tills_ops(tmp_path) -> None:
    with sync_world(fresh_database("sqlite", tmp_path, None), tmp_path) as world:
        world.sync_all()
        a, b = world.tills
        b.sign_in()
        theirs = b.sale("chai")
        assert b.sync()["ok"] is True
        world.faults.refused.add("/sync/v1/push")  # from now on no push reaches the hub

        a.sign_in()  # a's own ops from here on: its runs (kicked by them) all fail to push
        mine = a.sale("samosa")
        outcome = a.sync()

        pulled = a.client.get(f"/tickets/{theirs['id']}")
        assert pulled.status_code == 200  # b's ticket reached a although a cannot push
        assert pulled.json()["status"] == "closed"
        assert outcome["ok"] is False
        assert (outcome["failed_phase"], outcome["error_code"]) == ("push", "hub_unreachable")
        assert a.client.get("/sync/status").json()["pending_ops"] > 0
        world.faults.refused.clear()
        a.sync()
        b.sync()
        assert b.client.get(f"/tickets/{mine['id']}").status_code == 200
        assert world.converged()
