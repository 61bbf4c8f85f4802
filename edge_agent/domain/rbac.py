"""Staff roles, permissions, PIN hashing, lockout and inline manager overrides.

PINs are 4 to 12 ASCII digits (a role may ask for more than 4), stored as
``scrypt$n$r$p$salt_hex$hash_hex`` (scrypt with n=2**13, r=8, p=1, 32-byte key: a sign-in
tries every verifier the till holds, so one must cost a till well under 250 ms / staff;
ADR 0019); the caller supplies the salt (from ``os.urandom``), so this module stays
pure. Verification reads the parameters from the stored string, so hashes made with
other parameters (n=2**14 before) still verify.

Lockout: ``max_failures`` wrong PINs within ``window`` lock the staff member for
``lock_for`` after the last of them. The caller keeps the failures since the last
successful login and asks :meth:`LockoutPolicy.locked_until`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .errors import (
    DiscountOverLimit,
    InvalidPin,
    InvalidValue,
    PermissionDenied,
    RoleCannotSell,
    StaffLockedOut,
)

SCRYPT_N, SCRYPT_R, SCRYPT_P, KEY_BYTES = 2**13, 8, 1, 32
MIN_PIN_LENGTH, MAX_PIN_LENGTH = 4, 12
MIN_SALT_BYTES = 16


class Permission(StrEnum):
    """Actions beyond plain selling, granted per role."""

    VOID = "void"
    DISCOUNT_ABOVE_LIMIT = "discount_above_limit"
    REFUND = "refund"
    NO_SALE = "no_sale"
    PRICE_OVERRIDE = "price_override"
    DRAWER_CLOSE = "drawer_close"
    REPORTS = "reports"
    DRAWER_OPEN = "drawer_open"
    MANAGE_DRAWER = "manage_drawer"
    CONFIRM_PAYMENT = "confirm_payment"
    PAY_OUT = "pay_out"
    PAY_OUT_ABOVE_LIMIT = "pay_out_above_limit"
    PAIR_DEVICES = "pair_devices"
    CANCEL_PRINT_JOB = "cancel_print_job"
    KITCHEN = "kitchen"
    TAB_OVER_LIMIT = "tab_over_limit"


@dataclass(frozen=True, slots=True)
class Role:
    """A role: its permissions, the largest discount (basis points) it may give, and
    whether it sells at all (a kitchen screen's role does not)."""

    name: str
    permissions: frozenset[Permission]
    discount_limit_bp: int = 0
    sells: bool = True

    def __post_init__(self) -> None:
        if not 0 <= self.discount_limit_bp <= 10_000:
            raise InvalidValue("a role's discount limit is between 0 and 10000 bp")


@dataclass(frozen=True, slots=True)
class Override:
    """An inline manager override, to be audited and synced."""

    permission: Permission
    manager_id: str


def _is_valid_pin(pin: str) -> bool:
    return MIN_PIN_LENGTH <= len(pin) <= MAX_PIN_LENGTH and pin.isascii() and pin.isdigit()


def hash_pin(pin: str, salt: bytes) -> str:
    """Hash a PIN with scrypt for storage.

    Args:
        pin: 4 to 12 ASCII digits.
        salt: at least 16 random bytes, fresh for each PIN.

    Returns:
        ``"scrypt$8192$8$1$<salt hex>$<hash hex>"``.

    Raises:
        InvalidPin: the PIN is not 4 to 12 digits.
        InvalidValue: the salt is shorter than 16 bytes.
    """
    if not _is_valid_pin(pin):
        raise InvalidPin("a PIN is 4 to 12 digits")
    if len(salt) < MIN_SALT_BYTES:
        raise InvalidValue(f"a PIN salt needs at least {MIN_SALT_BYTES} bytes")
    key = _scrypt(pin, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${key.hex()}"


def verify_pin(pin: str, encoded: str) -> bool:
    """Check a PIN against a stored hash, in constant time.

    A PIN that is not 4 to 12 digits is simply wrong (False).

    Raises:
        InvalidValue: the stored hash is not a ``scrypt$n$r$p$salt$hash`` string.
    """
    try:
        scheme, n_text, r_text, p_text, salt_hex, key_hex = encoded.split("$")
        n, r, p = int(n_text), int(r_text), int(p_text)
        salt, expected = bytes.fromhex(salt_hex), bytes.fromhex(key_hex)
    except ValueError:
        raise InvalidValue("malformed PIN hash") from None
    # Bounds keep a corrupt hash from asking scrypt for gigabytes.
    sane = 2 <= n <= 2**20 and n & (n - 1) == 0 and 1 <= r <= 32 and 1 <= p <= 16
    if scheme != "scrypt" or not sane or not salt or not expected:
        raise InvalidValue("malformed PIN hash")
    if not _is_valid_pin(pin):
        return False
    return hmac.compare_digest(_scrypt(pin, salt, n, r, p, dklen=len(expected)), expected)


def _scrypt(pin: str, salt: bytes, n: int, r: int, p: int, dklen: int = KEY_BYTES) -> bytes:
    # maxmem covers 128 * r * n bytes of work memory plus headroom.
    return hashlib.scrypt(
        pin.encode("ascii"), salt=salt, n=n, r=r, p=p, maxmem=256 * r * n + 2**20, dklen=dklen
    )


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    """How many wrong PINs, within what time, lock a staff member out, for how long."""

    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lock_for: timedelta = timedelta(minutes=15)

    def __post_init__(self) -> None:
        if self.max_failures < 1 or self.window <= timedelta(0) or self.lock_for <= timedelta(0):
            raise InvalidValue("lockout needs at least one failure and positive durations")

    def locked_until(self, failures: Iterable[datetime], now: datetime) -> datetime | None:
        """When the lock ends, or None when the staff member may try a PIN now.

        Args:
            failures: times of wrong PINs since the last successful login (any order;
                times after ``now`` are ignored).
            now: the current time, from the caller's clock.
        """
        times = sorted(t for t in failures if t <= now)
        k = self.max_failures
        ends = [
            times[i] + self.lock_for
            for i in range(k - 1, len(times))
            if times[i] - times[i - k + 1] <= self.window
        ]
        until = max(ends, default=None)
        return until if until is not None and until > now else None

    def ensure_not_locked(self, failures: Iterable[datetime], now: datetime) -> None:
        """Raises: StaffLockedOut (carrying ``until``) while the lock lasts."""
        until = self.locked_until(failures, now)
        if until is not None:
            raise StaffLockedOut(until)


def authorize(role: Role, permission: Permission, *, discount_bp: int | None = None) -> None:
    """Check that a role may perform an action.

    With ``discount_bp``, the action is a discount of that size: within the role's
    ``discount_limit_bp`` it needs no permission, above it it needs ``permission``
    (normally ``Permission.DISCOUNT_ABOVE_LIMIT``).

    Raises:
        DiscountOverLimit: the discount is above the role's limit and it lacks the
            permission.
        PermissionDenied: the role lacks the permission.
    """
    if discount_bp is not None and discount_bp <= role.discount_limit_bp:
        return
    if permission in role.permissions:
        return
    if discount_bp is not None:
        raise DiscountOverLimit(permission, role.name, role.discount_limit_bp, discount_bp)
    raise PermissionDenied(permission, role.name)


def ensure_sells(role: Role) -> None:
    """Raises: RoleCannotSell when the role does not sell."""
    if not role.sells:
        raise RoleCannotSell(f"role {role.name!r} does not sell: it cannot change tickets")


def authorize_with_override(
    role: Role,
    permission: Permission,
    manager_role: Role | None,
    *,
    manager_id: str | None = None,
    discount_bp: int | None = None,
) -> Override | None:
    """Authorize an action, falling back on an inline manager override.

    The caller has already verified the manager's PIN.

    Returns:
        None when the operator's own role suffices; otherwise the :class:`Override`
        to audit and sync, when the manager's role has the permission.

    Raises:
        PermissionDenied: neither the operator's role nor the manager's allows it (or
            no manager was given); ``DiscountOverLimit`` for an over-limit discount.
    """
    try:
        authorize(role, permission, discount_bp=discount_bp)
        return None
    except PermissionDenied:
        if manager_role is None or manager_id is None:
            raise
    authorize(manager_role, permission, discount_bp=discount_bp)
    return Override(permission, manager_id)
