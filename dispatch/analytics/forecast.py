"""Calls per 30-minute interval forecast from past weeks, its error, and the staff it needs.

The forecast of a local day is, for each of its 48 half-hours, the mean of the calls in the
same half-hour of the same weekday over the past ``weeks`` weeks — leaving out public holidays,
marked surge days and days with no calls at all (the system was not taking calls). Its error
is measured by rolling origin on the held-back weeks before the day: each of their days is
forecast from the weeks before it and compared with what came, as the WAPE (the sum of the
absolute interval errors over the sum of the calls; MAPE weighted by volume, defined where
half-hours have no calls) and the MAPE of the daily totals.

Operators needed per interval: Erlang C (``erlang.agents_for_service_level``) for the
forecast calls at the history's handle time and the queue's service-level target. Pure.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dispatch.queues import erlang

SLOT = timedelta(minutes=30)
SLOTS = 48
Counts = Mapping[date, Sequence[float]]


def slot_starts(day: date, tz: ZoneInfo) -> list[datetime]:
    """The local starts of the day's 48 half-hours."""
    first = datetime.combine(day, time(0), tz)
    return [first + i * SLOT for i in range(SLOTS)]


def history_days(day: date, weeks: int) -> list[date]:
    """The same weekday in each of the ``weeks`` weeks before ``day``, latest first."""
    return [day - timedelta(weeks=k) for k in range(1, weeks + 1)]


def forecast_day(
    day: date, counts: Counts, weeks: int, left_out: Collection[date]
) -> tuple[list[float], list[date]]:
    """The day's forecast per half-hour and the history days it used."""
    used = [d for d in history_days(day, weeks) if d not in left_out and sum(counts.get(d, ())) > 0]
    if not used:
        return [0.0] * SLOTS, []
    means = [math.fsum(counts[d][i] for d in used) / len(used) for i in range(SLOTS)]
    return means, used


@dataclass(frozen=True)
class Backtest:
    """The forecast's error on the held-back days (None where nothing could be measured)."""

    days: list[date]
    wape: float | None
    daily_mape: float | None
    intervals: int


def backtest(
    day: date,
    counts: Counts,
    weeks: int,
    holdout_weeks: int,
    left_out: Collection[date],
) -> Backtest:
    """Each usable day of the ``holdout_weeks`` weeks before ``day`` forecast from the
    ``weeks`` weeks before it, against what came."""
    measured: list[date] = []
    error = total = 0.0
    daily: list[float] = []
    intervals = 0
    for offset in range(holdout_weeks * 7, 0, -1):
        past = day - timedelta(days=offset)
        actual = counts.get(past)
        if past in left_out or actual is None or sum(actual) <= 0:
            continue
        predicted, used = forecast_day(past, counts, weeks, left_out)
        if not used:
            continue
        measured.append(past)
        error += math.fsum(abs(p - a) for p, a in zip(predicted, actual, strict=True))
        total += math.fsum(actual)
        intervals += SLOTS
        daily.append(abs(math.fsum(predicted) - math.fsum(actual)) / math.fsum(actual))
    return Backtest(
        days=measured,
        wape=error / total if total > 0 else None,
        daily_mape=math.fsum(daily) / len(daily) if daily else None,
        intervals=intervals,
    )


@dataclass(frozen=True)
class Target:
    """The service level aimed at: ``percent`` of calls answered within ``seconds``."""

    seconds: float
    percent: float


def needed(calls: float, handle_seconds: float, target: Target) -> int:
    """Operators needed in one half-hour for ``calls`` calls (Erlang C)."""
    if calls <= 0:
        return 0
    share = min(max(target.percent / 100.0, 0.01), 0.999)  # 100 % is never reached exactly
    return erlang.agents_for_service_level(
        calls_per_hour=calls * (3600 / SLOT.total_seconds()),
        handle_seconds=handle_seconds,
        target_seconds=target.seconds,
        service_level=share,
    ).agents


def covering(spans: Sequence[tuple[datetime, datetime]], starts: Sequence[datetime]) -> list[int]:
    """How many spans cover each half-hour's middle (a rostered operator counts there)."""
    middles = [s + SLOT / 2 for s in starts]
    return [sum(1 for a, b in spans if a <= m < b) for m in middles]
