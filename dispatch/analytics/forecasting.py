"""A day's forecast against its roster: calls per half-hour, operators needed, rostered, gaps.

The history is the queues' 15-minute counters (calls that entered a queue), summed per local
half-hour; the handle time is the history's (talk per completed call plus wrap-up per wrap-up);
the service-level target is the queue's first (for every queue together: the first threshold
all queues give a percent for, else the strictest). Holidays (``holidays``) and marked surge
days are left out. The roster counts the planned shifts covering each half-hour's middle (of
the queue asked for: shifts naming it or naming no queue).
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.analytics import forecast, holidays, rosters, sources
from dispatch.errors import NotFound
from dispatch.queues.catalog import QueueSpec
from dispatch.queues.stats import COUNTERS
from dispatch.queues.summary import common_targets

DEFAULT_HANDLE_S = 180.0
DEFAULT_TARGET = forecast.Target(seconds=20, percent=90)
_AT = {name: i for i, name in enumerate(COUNTERS)}


class IntervalOut(BaseModel):
    """One half-hour of the day."""

    start: datetime
    calls: float = Field(description="calls forecast (the mean of the history days)")
    needed: int = Field(description="operators Erlang C needs for the target")
    rostered: int = Field(description="planned shifts covering the half-hour's middle")
    gap: int = Field(description="rostered minus needed (negative: short)")


class LeftOut(BaseModel):
    """A history day not used, and why."""

    day: date
    reason: str


class ErrorOut(BaseModel):
    """The forecast's error on the held-back weeks (rolling origin)."""

    holdout_weeks: int
    days: list[date]
    wape: float | None = Field(description="sum |forecast - actual| / sum actual, per half-hour")
    daily_mape: float | None = Field(description="mean |error| / actual of the daily totals")
    intervals: int


class ForecastReport(BaseModel):
    """A local day's forecast against its roster."""

    date_from: date
    date_to: date
    timezone: str
    queue: str | None
    weeks: int
    history_days: list[date]
    left_out: list[LeftOut]
    handle_seconds: float
    handle_from_history: bool
    target_seconds: float
    target_percent: float
    total_calls: float
    peak_needed: int
    short_intervals: int
    error: ErrorOut
    intervals: list[IntervalOut]


def _target(chosen: list[QueueSpec]) -> forecast.Target:
    if len(chosen) == 1:
        targets = [(int(t["seconds"]), float(t["percent"])) for t in chosen[0].sl_targets]
        return forecast.Target(*targets[0]) if targets else DEFAULT_TARGET
    agreed = [(s, p) for s, p in common_targets(chosen) if p is not None]
    if agreed:
        return forecast.Target(*agreed[0])
    every = [(int(t["seconds"]), float(t["percent"])) for q in chosen for t in q.sl_targets]
    if not every:
        return DEFAULT_TARGET
    return forecast.Target(*min(every, key=lambda t: (t[0], -t[1])))


async def build(
    session: AsyncSession,
    day: date,
    *,
    tz: ZoneInfo,
    weeks: int,
    holdout_weeks: int,
    queue: str | None,
) -> ForecastReport:
    """The report; an unknown queue is a 404."""
    chosen = await sources.queues(session, [queue] if queue else ())
    if queue and not chosen:
        raise NotFound(f"no queue named {queue}")
    names = [q.name for q in chosen]
    target = _target(chosen)
    first = day - timedelta(weeks=weeks + holdout_weeks)
    start = datetime.combine(first, time(0), tz)
    end = datetime.combine(day, time(0), tz)
    counts: dict[date, list[float]] = defaultdict(lambda: [0.0] * forecast.SLOTS)
    sums = await sources.stat_sums(session, start, end, names, [int(target.seconds)], by="interval")
    for row in sums:
        local = row.key.astimezone(tz)
        slot = (local.hour * 60 + local.minute) // 30
        counts[local.date()][slot] += row.counters[_AT["entered"]]
    surges = {s.day: s.note for s in await rosters.surge_days(session, first, day)}
    left_out: dict[date, str] = {}
    for offset in range((day - first).days):
        past = first + timedelta(days=offset)
        name = holidays.holiday(past)
        if name is not None:
            left_out[past] = f"holiday: {name}"
        elif past in surges:
            left_out[past] = f"surge: {surges[past]}"
    calls, used = forecast.forecast_day(day, counts, weeks, left_out)
    for past in forecast.history_days(day, weeks):
        if past not in left_out and past not in used:
            left_out[past] = "no calls that day"
    tested = forecast.backtest(day, counts, weeks, holdout_weeks, left_out)
    handle, measured = await _handle(session, day - timedelta(weeks=weeks), day, names, tz)
    starts = forecast.slot_starts(day, tz)
    spans = [
        (e.starts_at, e.ends_at)
        for e in await rosters.entries(session, starts[0], starts[-1] + forecast.SLOT)
        if queue is None or not e.queues or queue in e.queues
    ]
    rostered = forecast.covering(spans, starts)
    rows = []
    for at, mean, present in zip(starts, calls, rostered, strict=True):
        need = forecast.needed(mean, handle, target)
        rows.append(
            IntervalOut(
                start=at,
                calls=round(mean, 2),
                needed=need,
                rostered=present,
                gap=present - need,
            )
        )
    return ForecastReport(
        date_from=day,
        date_to=day,
        timezone=str(tz),
        queue=queue,
        weeks=weeks,
        history_days=sorted(used),
        left_out=[
            LeftOut(day=d, reason=r)
            for d, r in sorted(left_out.items())
            if d in forecast.history_days(day, weeks) or d >= day - timedelta(weeks=holdout_weeks)
        ],
        handle_seconds=round(handle, 1),
        handle_from_history=measured,
        target_seconds=target.seconds,
        target_percent=target.percent,
        total_calls=round(math.fsum(calls), 1),
        peak_needed=max(r.needed for r in rows),
        short_intervals=sum(1 for r in rows if r.gap < 0),
        error=ErrorOut(
            holdout_weeks=holdout_weeks,
            days=tested.days,
            wape=None if tested.wape is None else round(tested.wape, 4),
            daily_mape=None if tested.daily_mape is None else round(tested.daily_mape, 4),
            intervals=tested.intervals,
        ),
        intervals=rows,
    )


async def _handle(
    session: AsyncSession, first: date, day: date, names: list[str], tz: ZoneInfo
) -> tuple[float, bool]:
    """The history's average handle time, and whether it came from the history."""
    start = datetime.combine(first, time(0), tz)
    end = datetime.combine(day, time(0), tz)
    total = await sources.stat_sums(session, start, end, names, [], by=None)
    if not total:
        return DEFAULT_HANDLE_S, False
    c = total[0].counters
    completed, wraps = c[_AT["completed"]], c[_AT["wrap_ups"]]
    if completed <= 0:
        return DEFAULT_HANDLE_S, False
    talk = c[_AT["talk_sum"]] / completed
    wrap = c[_AT["wrap_sum"]] / wraps if wraps > 0 else 0.0
    return max(talk + wrap, 1.0), True
