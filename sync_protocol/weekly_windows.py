"""Weekly wall-clock windows (happy hours) and the outlet's local time, shared by replicas.

A window opens at ``start`` on each of its weekdays (0 = Monday) and closes at ``end``;
an ``end`` at or before ``start`` crosses midnight and closes on the next day, so a
Friday 22:00-02:00 window covers Saturday 01:00 and 00:00-00:00 is a whole day. The
start is inclusive, the end exclusive. Times are the outlet's wall clock: a moment is
turned into it with the outlet's IANA zone (:func:`local_moment`), never the machine's.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, time
from zoneinfo import ZoneInfo


def in_window(weekdays: Collection[int], start: time, end: time, local: datetime) -> bool:
    """True when the wall-clock time ``local`` falls in the weekly window."""
    day, now = local.weekday(), local.time().replace(tzinfo=None)
    if start < end:
        return day in weekdays and start <= now < end
    started_today = day in weekdays and now >= start
    started_yesterday = (day - 1) % 7 in weekdays and now < end
    return started_today or started_yesterday


def local_moment(moment: datetime, timezone: str) -> datetime:
    """The outlet's wall-clock time (naive) at an aware ``moment``.

    Raises:
        ValueError: ``moment`` is naive.
        zoneinfo.ZoneInfoNotFoundError: ``timezone`` is not a known IANA zone.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a pricing moment must carry its UTC offset")
    return moment.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
