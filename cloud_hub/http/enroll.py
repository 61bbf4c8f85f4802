"""``POST /api/v1/enroll``: a device redeems a one-time code, with guessing throttled.

Failed redemptions (an unknown, expired or used code) are counted per client address
and for the whole hub process in a sliding window. Past the limit every redemption
from that address (or, past the hub-wide limit, from anyone) is answered 429
``rate_limited`` with ``Retry-After``, before the code is looked at, so a throttled
guesser learns nothing even with the right code. An unknown code names no tenant or
outlet, so the second bucket is the hub's own. The counts live in the process's memory:
each hub process throttles on its own, and a restart forgets them (ADR 0018).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from litestar import post
from litestar.datastructures import State
from litestar.params import JSONBody

from cloud_hub.domain.throttle import FailureThrottle
from cloud_hub.http import admin_schemas as schemas
from cloud_hub.http.admin_context import AnyRequest, now_ms
from cloud_hub.http.idempotency import once
from cloud_hub.http.limits import check_enroll_rate
from cloud_hub.http.openapi import admin_op
from cloud_hub.services import enrollment
from cloud_hub.services.errors import (
    DeviceAlreadyEnrolled,
    DeviceCodeTaken,
    EnrollmentCodeUnknown,
    InvalidInput,
    RateLimited,
)

#: The largest enrollment body (a code, an id and a name are a few hundred bytes).
MAX_ENROLL_BYTES = 16 * 1024
WINDOW_MS = 15 * 60_000
#: Failed redemptions one address may make within the window.
ADDRESS_LIMIT = 10
#: Failed redemptions the whole hub process takes within the window, from any address.
HUB_LIMIT = 200
_HUB = "*"


@dataclass
class EnrollThrottle:
    """The two failure buckets: per client address, and one for the hub."""

    by_address: FailureThrottle = field(
        default_factory=lambda: FailureThrottle(ADDRESS_LIMIT, WINDOW_MS)
    )
    hub: FailureThrottle = field(default_factory=lambda: FailureThrottle(HUB_LIMIT, WINDOW_MS))

    def check(self, address: str, now: int) -> None:
        """Refuse a redemption from ``address`` now if either bucket is full.

        Raises:
            RateLimited: too many failed redemptions lately.
        """
        wait_ms = max(
            self.by_address.retry_after_ms(address, now), self.hub.retry_after_ms(_HUB, now)
        )
        if wait_ms > 0:
            message = "too many failed enrollment attempts; wait before trying again"
            raise RateLimited(message, retry_after_s=-(-wait_ms // 1000))

    def fail(self, address: str, now: int) -> None:
        """Count a failed redemption from ``address``."""
        self.by_address.fail(address, now)
        self.hub.fail(_HUB, now)


@post(
    "/api/v1/enroll",
    status_code=201,
    guards=[check_enroll_rate],
    request_max_body_size=MAX_ENROLL_BYTES,
    **admin_op(
        "Enroll a device",
        "A device redeems a one-time enrollment code with the id it made itself and gets "
        "its device credential, shown only in this answer. No credential header: the code "
        "in the body is the credential. Failed redemptions are throttled per address and "
        "per hub (429 `rate_limited` with `Retry-After`).",
        errors=(
            EnrollmentCodeUnknown,
            DeviceAlreadyEnrolled,
            DeviceCodeTaken,
            InvalidInput,
            RateLimited,
        ),
        body=True,
        idempotent=True,
        credential="",
    ),
)
async def enroll(
    data: JSONBody[schemas.Enroll], state: State, request: AnyRequest
) -> enrollment.Enrolled:
    """Redeem an enrollment code: the device gets its credential (no auth: the code is it)."""
    throttle: EnrollThrottle = state.enroll_throttle
    address = request.client.host if request.client else "unknown"
    throttle.check(address, now_ms(state))
    try:
        async with once(request, "enroll") as unit:
            return await unit.answer(
                await enrollment.redeem(
                    unit.conn,
                    data.code,
                    str(data.device_id),
                    name=data.name,
                    agent_version=data.agent_version,
                    now_ms=now_ms(state),
                )
            )
    except EnrollmentCodeUnknown:
        throttle.fail(address, now_ms(state))
        raise
