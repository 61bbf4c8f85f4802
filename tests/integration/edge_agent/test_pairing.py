"""Pairing on a real device database: codes, claims, the throttle, revocation, audit."""

from __future__ import annotations

import pytest

from edge_agent.bootstrap import init_device
from edge_agent.domain.pairing import CODE_LIFE_MS, FAILURE_WINDOW_MS, MAX_FAILURES
from edge_agent.services import pairing, staff
from edge_agent.services.errors import (
    NotSignedIn,
    PairingCodeInvalid,
    PairingNotFound,
    PairingRequired,
    PairingThrottled,
)
from edge_agent.settings import AgentSettings
from edge_agent.store import oplog

T0 = 1_750_000_000_000


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def store(tmp_path):
    store, _ = init_device(AgentSettings(data_dir=tmp_path), with_demo=True)
    yield store
    store.close()


def audit(store) -> list[tuple[str, dict[str, object]]]:
    with store.read() as conn:
        rows = conn.execute("SELECT body FROM ops WHERE entity = 'pairing' ORDER BY device_seq")
        ops = [oplog.decode(row[0]) for row in rows]
    return [(op.name, dict(op.data)) for op in ops]  # type: ignore[attr-defined]


def test_the_agent_keeps_only_hashes_of_codes_and_client_tokens(store) -> None:
    clock = Clock()
    made = pairing.create_code(store, "staff-manager", clock)
    done = pairing.claim(store, made.code, "Tablet", clock)

    with store.read() as conn:
        dump = "\n".join(conn.iterdump())

    assert made.code not in dump
    assert done.token not in dump


def test_a_code_is_good_until_five_minutes_and_not_a_millisecond_more(store) -> None:
    clock = Clock()
    in_time = pairing.create_code(store, "staff-manager", clock)
    late = pairing.create_code(store, "staff-manager", clock)

    clock.now = T0 + CODE_LIFE_MS - 1
    pairing.claim(store, in_time.code, "Tablet A", clock)
    clock.now = T0 + CODE_LIFE_MS
    with pytest.raises(PairingCodeInvalid):
        pairing.claim(store, late.code, "Tablet B", clock)


def test_the_throttle_outlives_a_restart_because_it_is_in_the_database(tmp_path) -> None:
    clock = Clock()
    settings = AgentSettings(data_dir=tmp_path)
    store, _ = init_device(settings, with_demo=True)
    for _ in range(MAX_FAILURES):
        with pytest.raises(PairingCodeInvalid):
            pairing.claim(store, "00000000", "Intruder", clock)
    store.close()

    store, _ = init_device(settings, with_demo=False)
    clock.now += FAILURE_WINDOW_MS - 1_000
    with pytest.raises(PairingThrottled) as refused:
        pairing.claim(store, "00000000", "Intruder", clock)
    clock.now += 1_000
    with pytest.raises(PairingCodeInvalid):
        pairing.claim(store, "00000000", "Intruder", clock)
    store.close()

    assert refused.value.retry_after_s == 1


def test_revoking_ends_the_token_and_the_sessions_opened_on_the_device(store) -> None:
    clock = Clock()
    done = pairing.claim(store, pairing.create_code(store, "service", clock).code, "Tab", clock)
    who = staff.sign_in(store, "1111", clock, paired_client=done.id)

    pairing.revoke(store, done.id, "staff-manager", clock)
    pairing.revoke(store, done.id, "someone-else", clock)

    with store.write() as conn:
        with pytest.raises(PairingRequired):
            pairing.check_client(conn, done.token, clock())
        with pytest.raises(NotSignedIn):
            staff.check_session(conn, who.token, clock(), paired_client=done.id)
        (listed,) = pairing.clients(conn)
    assert listed.revoked_by == "staff-manager"
    with pytest.raises(PairingNotFound):
        pairing.revoke(store, "no-such-device", "staff-manager", clock)


def test_making_claiming_and_revoking_are_audited_with_who_did_it(store) -> None:
    clock = Clock()
    made = pairing.create_code(store, "staff-manager", clock)
    done = pairing.claim(store, made.code, "Terrace tablet", clock)
    pairing.revoke(store, done.id, "cli", clock)

    assert audit(store) == [
        (
            "pairing_code_created",
            {"by": "staff-manager", "expires_ms": made.expires_ms, "kiosk": False},
        ),
        ("device_paired", {"name": "Terrace tablet", "code_id": made.id, "kiosk": False}),
        ("pairing_revoked", {"by": "cli"}),
    ]


def test_a_kiosk_code_pairs_a_kiosk_client_and_says_so_in_the_audit(store) -> None:
    clock = Clock()
    made = pairing.create_code(store, "staff-manager", clock, kiosk=True)

    done = pairing.claim(store, made.code, "Door kiosk", clock)

    with store.write() as conn:
        client = pairing.check_client(conn, done.token, clock())
        (listed,) = pairing.clients(conn)
    assert (done.kiosk, client.kiosk, client.name, listed.kiosk) == (True, True, "Door kiosk", True)
    assert [data["kiosk"] for _, data in audit(store)] == [True, True]
