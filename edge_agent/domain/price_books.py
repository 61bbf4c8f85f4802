"""Price books: prices that replace variant prices at some outlets and some hours.

Which book wins for a variant is decided in :mod:`pricing`; here are the books and
their weekly time windows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time

from sync_protocol.weekly_windows import in_window

from .errors import InvalidValue


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Weekly hours during which a price book applies (a happy hour).

    ``weekdays`` uses 0 = Monday; the rule (midnight crossing, inclusive start,
    exclusive end) is :func:`sync_protocol.weekly_windows.in_window`, which promotions
    use too.
    """

    weekdays: frozenset[int]
    start: time
    end: time

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= frozenset(range(7)):
            raise InvalidValue("a time window needs weekdays among 0 (Monday) to 6 (Sunday)")
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise InvalidValue("a time window is in local wall-clock time, without a zone")

    def contains(self, local_dt: datetime) -> bool:
        """True when the local wall-clock time ``local_dt`` falls in the window."""
        return in_window(self.weekdays, self.start, self.end, local_dt)


@dataclass(frozen=True, slots=True)
class PriceBook:
    """Prices that override variant prices while active.

    Attributes:
        priority: the highest-priority active book wins.
        outlet_code: the outlet it applies to, or None for every outlet of the tenant.
        windows: when it is active; no window means always.
        prices: price per variant id, in minor units.
    """

    id: str
    name: str
    priority: int
    outlet_code: str | None
    windows: tuple[TimeWindow, ...]
    prices: Mapping[str, int]

    def __post_init__(self) -> None:
        if any(p < 0 for p in self.prices.values()):
            raise InvalidValue(f"price book {self.id!r} has a negative price")

    def applies_to(self, outlet_code: str) -> bool:
        """True for a tenant-wide book or one for this outlet."""
        return self.outlet_code is None or self.outlet_code == outlet_code

    def is_active(self, local_dt: datetime) -> bool:
        """True when no window is set or one of them contains ``local_dt``."""
        return not self.windows or any(w.contains(local_dt) for w in self.windows)
