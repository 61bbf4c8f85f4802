"""Staff: PIN hashing, lockout after wrong PINs, permissions and manager overrides."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import pytest

from edge_agent.domain.errors import (
    DiscountOverLimit,
    InvalidPin,
    InvalidValue,
    PermissionDenied,
    StaffLockedOut,
)
from edge_agent.domain.rbac import (
    LockoutPolicy,
    Override,
    Permission,
    Role,
    authorize,
    authorize_with_override,
    hash_pin,
    verify_pin,
)

SALT = bytes(range(16))
CASHIER = Role("cashier", frozenset({Permission.DRAWER_OPEN}), discount_limit_bp=1000)
MANAGER = Role("manager", frozenset(Permission), discount_limit_bp=5000)
SUPERVISOR = Role("supervisor", frozenset({Permission.REPORTS}), discount_limit_bp=2000)
NOON = datetime(2024, 6, 5, 12, 0)


@pytest.fixture(scope="module")
def stored_1111() -> str:
    return hash_pin("1111", SALT)


def test_a_pin_is_stored_as_scrypt_with_its_parameters_and_salt(stored_1111: str) -> None:
    scheme, n, r, p, salt_hex, key_hex = stored_1111.split("$")

    assert (scheme, n, r, p) == ("scrypt", "8192", "8", "1")
    assert salt_hex == SALT.hex()
    assert len(bytes.fromhex(key_hex)) == 32


def test_the_right_pin_verifies_and_a_wrong_one_does_not(stored_1111: str) -> None:
    right = verify_pin("1111", stored_1111)
    wrong = verify_pin("1112", stored_1111)

    assert right is True
    assert wrong is False


@pytest.mark.parametrize("pin", ["111", "1234567890123", "12a4", "", "\u0661\u0662\u0663\u0664"])
def test_a_pin_must_be_4_to_12_ascii_digits(pin: str) -> None:
    with pytest.raises(InvalidPin) as raised:
        hash_pin(pin, SALT)

    assert raised.value.code == "invalid_pin"


def test_a_twelve_digit_pin_is_hashed_and_verifies() -> None:
    stored = hash_pin("123456789012", SALT)

    assert verify_pin("123456789012", stored) is True
    assert verify_pin("12345678901", stored) is False


def test_a_hash_made_with_the_former_parameters_still_verifies() -> None:
    key = hashlib.scrypt(b"1111", salt=SALT, n=2**14, r=8, p=1, maxmem=2**25, dklen=32)
    former = f"scrypt$16384$8$1${SALT.hex()}${key.hex()}"

    assert verify_pin("1111", former) is True
    assert verify_pin("1112", former) is False


def test_a_malformed_pin_never_verifies(stored_1111: str) -> None:
    assert verify_pin("11", stored_1111) is False


@pytest.mark.parametrize(
    "stored",
    ["", "bcrypt$16384$8$1$00$00", "scrypt$16384$8$1$zz$00", "scrypt$3$8$1$00$00", "scrypt$x"],
)
def test_a_corrupt_stored_hash_is_an_error_not_a_wrong_pin(stored: str) -> None:
    with pytest.raises(InvalidValue):
        verify_pin("1111", stored)


def test_a_short_salt_is_refused() -> None:
    with pytest.raises(InvalidValue):
        hash_pin("1111", b"salt")


def failures(*minutes: int) -> list[datetime]:
    return [NOON + timedelta(minutes=m) for m in minutes]


def test_five_wrong_pins_within_fifteen_minutes_lock_for_fifteen_minutes() -> None:
    policy = LockoutPolicy()

    until = policy.locked_until(failures(0, 1, 2, 3, 4), now=NOON + timedelta(minutes=5))

    assert until == NOON + timedelta(minutes=4 + 15)


def test_four_wrong_pins_do_not_lock() -> None:
    policy = LockoutPolicy()

    until = policy.locked_until(failures(0, 1, 2, 3), now=NOON + timedelta(minutes=5))

    assert until is None


def test_wrong_pins_spread_wider_than_the_window_do_not_lock() -> None:
    policy = LockoutPolicy()

    # any five consecutive failures span 16 minutes, more than the 15-minute window
    until = policy.locked_until(failures(0, 4, 8, 12, 16, 20), now=NOON + timedelta(minutes=21))

    assert until is None


def test_the_lock_ends_after_its_duration() -> None:
    policy = LockoutPolicy(max_failures=3, lock_for=timedelta(minutes=10))
    recent = failures(0, 1, 2)

    during = policy.locked_until(recent, now=NOON + timedelta(minutes=11, seconds=59))
    after = policy.locked_until(recent, now=NOON + timedelta(minutes=12))

    assert during == NOON + timedelta(minutes=12)
    assert after is None


def test_a_locked_out_staff_member_is_refused_with_the_time_the_lock_ends() -> None:
    policy = LockoutPolicy()

    with pytest.raises(StaffLockedOut) as raised:
        policy.ensure_not_locked(failures(4, 3, 2, 1, 0), now=NOON + timedelta(minutes=5))

    assert raised.value.code == "staff_locked_out"
    assert raised.value.until == NOON + timedelta(minutes=19)


def test_a_role_without_a_permission_is_denied_naming_it() -> None:
    with pytest.raises(PermissionDenied) as raised:
        authorize(CASHIER, Permission.VOID)

    assert raised.value.code == "insufficient_permission"
    assert raised.value.permission is Permission.VOID


def test_a_role_with_a_permission_acts_without_an_override() -> None:
    result = authorize_with_override(MANAGER, Permission.VOID, None)

    assert result is None


def test_a_discount_within_the_roles_limit_needs_no_permission() -> None:
    discount = Permission.DISCOUNT_ABOVE_LIMIT

    within = authorize_with_override(CASHIER, discount, None, discount_bp=1000)

    assert within is None


def test_a_discount_above_the_roles_limit_is_refused_as_over_limit() -> None:
    with pytest.raises(DiscountOverLimit) as raised:
        authorize(CASHIER, Permission.DISCOUNT_ABOVE_LIMIT, discount_bp=1500)

    assert raised.value.code == "discount_over_limit"
    assert isinstance(raised.value, PermissionDenied)
    assert (raised.value.limit_bp, raised.value.requested_bp) == (1000, 1500)


def test_a_manager_overrides_inline_and_the_override_is_recorded() -> None:
    override = authorize_with_override(
        CASHIER, Permission.VOID, MANAGER, manager_id="staff-demo-manager"
    )

    assert override == Override(Permission.VOID, "staff-demo-manager")


def test_no_override_is_recorded_when_the_operator_may_act_alone() -> None:
    result = authorize_with_override(CASHIER, Permission.DRAWER_OPEN, MANAGER, manager_id="m1")

    assert result is None


def test_an_over_limit_discount_is_overridden_by_a_manager_within_their_rights() -> None:
    by_supervisor = authorize_with_override(
        CASHIER, Permission.DISCOUNT_ABOVE_LIMIT, SUPERVISOR, manager_id="s1", discount_bp=1500
    )

    with pytest.raises(DiscountOverLimit):
        authorize_with_override(
            CASHIER, Permission.DISCOUNT_ABOVE_LIMIT, SUPERVISOR, manager_id="s1", discount_bp=2500
        )

    assert by_supervisor == Override(Permission.DISCOUNT_ABOVE_LIMIT, "s1")


def test_an_override_by_someone_lacking_the_permission_is_refused() -> None:
    with pytest.raises(PermissionDenied) as raised:
        authorize_with_override(CASHIER, Permission.VOID, SUPERVISOR, manager_id="s1")

    assert raised.value.role == "supervisor"


def test_without_a_manager_the_operators_refusal_stands() -> None:
    with pytest.raises(PermissionDenied) as raised:
        authorize_with_override(CASHIER, Permission.REFUND, None)

    assert raised.value.role == "cashier"
