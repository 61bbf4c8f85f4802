"""Inline manager PINs share the sign-in attempt counter and its lockout.

A cashier's session must not be a way to guess a manager's PIN: every wrong manager
PIN counts like a wrong sign-in PIN, a correct PIN in between does not reset the count,
and while the till is locked out no PIN is checked, on any path.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from edge_agent.bootstrap import init_device
from edge_agent.domain.errors import StaffLockedOut, WrongPin
from edge_agent.http.errors import status_for
from edge_agent.services import staff
from edge_agent.services.errors import NoStaffYet
from edge_agent.settings import AgentSettings
from edge_agent.store import reference
from tests.processes import running_agent

WRONG = "0000"


@pytest.fixture
def till(tmp_path):
    with running_agent(tmp_path / "till") as agent:
        yield agent


def signed_in(agent, pin: str = "1111") -> httpx.Client:
    token = httpx.post(f"{agent.api}/auth/pin", json={"pin": pin}).json()["token"]
    return httpx.Client(base_url=agent.api, headers={"Authorization": f"Bearer {token}"})


def line_void(cashier: httpx.Client, pin: str) -> httpx.Response:
    ticket = cashier.post("/tickets", json={"kind": "counter"}).json()
    ticket = cashier.post(f"/tickets/{ticket['id']}/lines", json={"variant_id": "chai"}).json()
    line = ticket["lines"][0]["id"]
    cashier.post(f"/tickets/{ticket['id']}/send", json={})
    return cashier.post(
        f"/tickets/{ticket['id']}/lines/{line}/void",
        json={"reason": "spilt", "manager_pin": pin},
    )


def test_manager_pin_guesses_lock_out_exactly_like_sign_in(till) -> None:
    with signed_in(till) as cashier:
        guesses = [line_void(cashier, WRONG).status_code for _ in range(5)]
        right_pin_now = line_void(cashier, "9999")
        x_report = cashier.get("/reports/x", headers={"X-Manager-Pin": "9999"})
    sign_in = httpx.post(f"{till.api}/auth/pin", json={"pin": "1111"})

    assert guesses == [401] * 5
    assert (right_pin_now.status_code, right_pin_now.json()["code"]) == (423, "staff_locked_out")
    assert (x_report.status_code, x_report.json()["code"]) == (423, "staff_locked_out")
    assert (sign_in.status_code, sign_in.json()["code"]) == (423, "staff_locked_out")


def test_a_correct_pin_between_guesses_does_not_reset_the_count(till) -> None:
    with signed_in(till) as cashier:
        first = [line_void(cashier, WRONG).status_code for _ in range(3)]
    with signed_in(till) as cashier:  # the cashier's own PIN, typed correctly
        second = cashier.get("/reports/x", headers={"X-Manager-Pin": WRONG}).status_code
        third = line_void(cashier, WRONG).status_code
        locked = line_void(cashier, "9999")

    assert first == [401] * 3
    assert (second, third) == (401, 401)
    assert locked.status_code == 423


def test_wrong_sign_in_pins_lock_out_manager_overrides_too(till) -> None:
    with signed_in(till) as cashier:
        for _ in range(5):
            assert httpx.post(f"{till.api}/auth/pin", json={"pin": WRONG}).status_code == 401
        override = line_void(cashier, "9999")

    assert override.status_code == 423


def test_the_lockout_message_tells_the_end_in_the_outlets_local_time(tmp_path) -> None:
    store, _ = init_device(AgentSettings(data_dir=tmp_path), with_demo=True)
    noon_utc = 1_795_608_000_000  # 2026-11-25 12:00 UTC, 15:00 in Nairobi
    for _ in range(5):
        with pytest.raises(WrongPin):
            staff.sign_in(store, WRONG, lambda: noon_utc)

    with pytest.raises(StaffLockedOut) as raised:
        staff.sign_in(store, "1111", lambda: noon_utc)

    assert "15:15" in str(raised.value), str(raised.value)
    assert "+03:00" in str(raised.value)
    assert raised.value.until.utcoffset() == timedelta(hours=3)


def test_a_till_without_its_staff_yet_says_so_and_counts_no_wrong_pin(tmp_path) -> None:
    # An enrolled till before its first pull: an identity, no staff from the hub yet.
    store, _ = init_device(AgentSettings(data_dir=tmp_path), with_demo=True)
    with store.write() as conn:
        for staff_id in reference.load(conn, "staff"):
            reference.delete(conn, "staff", staff_id)
    now_ms = 1_795_608_000_000

    for _ in range(6):
        with pytest.raises(NoStaffYet) as refused:
            staff.sign_in(store, "1111", lambda: now_ms)

    assert refused.value.code == "no_staff_yet"
    assert status_for(refused.value) == 409
    with store.read() as conn:
        assert conn.execute("SELECT count(*) FROM pin_failures").fetchone()[0] == 0
