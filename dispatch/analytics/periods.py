"""Periods of the reports: whole local days from one date to another, broken down by a grain.

The centre's local time decides: a day starts at local midnight, a shift at the shift start
hour (12 hours: the day shift, then the night shift, which belongs to the date it started on),
a week on Monday (ISO), a month on its first. The queues' counters are kept per 15 minutes of
UTC, which every whole-hour (or half-hour) time zone cuts into whole hours.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from dispatch.errors import Invalid

MAX_DAYS = 366
SHIFT_HOURS = 12
DAY_SHIFT, NIGHT_SHIFT = "day", "night"


class Grain(StrEnum):
    """How a period is broken down."""

    HOUR = "hour"
    SHIFT = "shift"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    TOTAL = "total"


def bounds(date_from: date, date_to: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the local days ``date_from``..``date_to`` (both included)."""
    if date_to < date_from:
        raise Invalid(f"date_to {date_to} is before date_from {date_from}")
    if (date_to - date_from).days + 1 > MAX_DAYS:
        raise Invalid(f"a period is at most {MAX_DAYS} days; ask for a shorter one")
    start = datetime.combine(date_from, time(0), tz)
    end = datetime.combine(date_to + timedelta(days=1), time(0), tz)
    return start, end


def shift_of(at: datetime, tz: ZoneInfo, start_hour: int) -> tuple[date, str, datetime]:
    """The shift holding ``at``: its date, ``day`` or ``night``, and its local start."""
    local = at.astimezone(tz)
    day_start = datetime.combine(local.date(), time(start_hour), tz)
    if local < day_start:
        day_start = datetime.combine(local.date() - timedelta(days=1), time(start_hour), tz)
    night_start = day_start + timedelta(hours=SHIFT_HOURS)
    if local < night_start:
        return day_start.date(), DAY_SHIFT, day_start
    return day_start.date(), NIGHT_SHIFT, night_start


def bucket(at: datetime, grain: Grain, tz: ZoneInfo, *, shift_start_hour: int) -> datetime:
    """The local start of the ``grain`` holding ``at`` (TOTAL: none, the caller's start)."""
    local = at.astimezone(tz)
    if grain is Grain.HOUR:
        return local.replace(minute=0, second=0, microsecond=0)
    if grain is Grain.SHIFT:
        return shift_of(at, tz, shift_start_hour)[2]
    if grain is Grain.DAY:
        return datetime.combine(local.date(), time(0), tz)
    if grain is Grain.WEEK:
        monday = local.date() - timedelta(days=local.weekday())
        return datetime.combine(monday, time(0), tz)
    if grain is Grain.MONTH:
        return datetime.combine(local.date().replace(day=1), time(0), tz)
    raise ValueError(f"{grain} has no buckets")
