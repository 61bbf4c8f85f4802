"""PIN sign-in on a real device database: sessions, lockout, overrides."""

from __future__ import annotations

from itertools import count

import pytest

from edge_agent.bootstrap import init_device
from edge_agent.domain.errors import PermissionDenied, StaffLockedOut, WrongPin
from edge_agent.domain.rbac import Permission
from edge_agent.services import staff
from edge_agent.services.errors import NotSignedIn
from edge_agent.settings import AgentSettings

MINUTE_MS = 60_000


@pytest.fixture
def store(tmp_path):
    store, _ = init_device(AgentSettings(data_dir=tmp_path), with_demo=True)
    yield store
    store.close()


def test_a_pin_opens_a_session_that_names_the_operator(store) -> None:
    clock = count(1_750_000_000_000).__next__

    who = staff.sign_in(store, "1111", clock)

    with store.read() as conn:
        again = staff.operator(conn, who.token)
    assert (again.staff_id, again.name, again.role.name) == (
        "staff-cashier",
        "Demo Cashier",
        "Cashier",
    )


def test_an_unknown_session_token_is_not_signed_in(store) -> None:
    with store.read() as conn, pytest.raises(NotSignedIn):
        staff.operator(conn, "forged")


def test_five_wrong_pins_lock_the_till_until_the_lock_expires(store) -> None:
    now = [1_750_000_000_000]

    def clock() -> int:
        return now[0]

    for _ in range(5):
        with pytest.raises(WrongPin):
            staff.sign_in(store, "0000", clock)
    with pytest.raises(StaffLockedOut):
        staff.sign_in(store, "1111", clock)
    now[0] += 16 * MINUTE_MS

    who = staff.sign_in(store, "1111", clock)

    assert who.staff_id == "staff-cashier"


def test_a_manager_pin_overrides_and_a_cashier_pin_does_not(store) -> None:
    clock = count(1_750_000_000_000).__next__
    cashier = staff.sign_in(store, "1111", clock)

    with store.read() as conn:
        override = staff.authorize(conn, cashier, Permission.REFUND, "9999")
        with pytest.raises(PermissionDenied):
            staff.authorize(conn, cashier, Permission.REFUND, "1111")

    assert override is not None
    assert override.manager_id == "staff-manager"
