"""Is the centre short of operators now? Erlang C (``erlang.py``) for the last half hour's
arrivals and the last hours' handle time against those signed in and not on break, overridden
by what is happening (callers waiting past the target with nobody free). The supervisor console's
staffing hint shows it; the surge policy (``surge.py``) acts on it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from statistics import NormalDist
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.queues import erlang, queue_log, stats, summary
from dispatch.queues.models import QueueStat
from dispatch.queues.schemas import QueuesSummary, ServiceLevelOut
from dispatch.queues.states import QueueEvent

# Arrivals are counted over this window (calls per hour = count * 2).
ARRIVAL_WINDOW = timedelta(minutes=30)
# The surge policy also looks at the last minutes alone: a surge of ten minutes diluted in half
# an hour read 150–346 calls/h while 840/h arrived (BENCHMARKS.md, "A surge").
RECENT_WINDOW = timedelta(minutes=10)
# ... and at the last minute or few, by what their count shows beyond doubt: a one-sided lower
# bound of a Poisson rate, at 99%, or at 95% once the count is a rise beyond doubt (99.99%) over
# the rest of the half hour. Ten minutes alone read a surge's first two minutes as 300–340
# calls/h while 840/h arrived, and an unclassified callback was dialled while a live call
# waited (BENCHMARKS.md, session 17). ``make bench-surge-judgement`` (240 calls/h, a surge of
# 600/h more, 16 operators): the surge seen after 50 s (median of 30 days) instead of 150, calm
# hours read as a surge 4 times in 80 hours instead of 2.
SHORT_WINDOWS = (timedelta(minutes=1), timedelta(minutes=2), timedelta(minutes=5))
SURE, RISE_SURE, RISEN_SURE = 0.99, 0.9999, 0.95
# The handle time Erlang C takes: that of the calls completed in the intervals of the last hours,
# whatever the day. Today's alone started again from nothing at midnight, and a surge in the
# night's first minutes was judged on the assumed 180 s, then on a handful of calls.
HANDLE_WINDOW = timedelta(hours=4)
# With no call completed in that window the estimate assumes this handle time (and says so).
ASSUMED_HANDLE_S = 180.0
_HANDLE_SUMS = ("talk_sum", "completed", "wrap_sum", "wrap_ups")
_HANDLE = select(
    *(func.coalesce(func.sum(getattr(QueueStat, name)), 0) for name in _HANDLE_SUMS)
).where(
    QueueStat.interval_start >= bindparam("since"),
    # The primary key leads with the queue: named, both databases search it (by time alone
    # PostgreSQL read every counter row ever kept).
    QueueStat.queue.in_(bindparam("names", expanding=True)),
)


async def recent_handle_s(
    session: AsyncSession, queues: Sequence[str], *, now: datetime
) -> float | None:
    """Talk plus wrap-up of the calls ``queues`` completed in the intervals of the last
    ``HANDLE_WINDOW`` (the interval holding ``now`` included); None when none completed."""
    since = stats.interval_start(now - HANDLE_WINDOW)
    row = (await session.execute(_HANDLE, {"since": since, "names": list(queues)})).one()
    return summary.handle_s({name: float(v) for name, v in zip(_HANDLE_SUMS, row, strict=True)})


def honest(level: ServiceLevelOut) -> float | None:
    """The figure an alert judges: callers still waiting past the target count as missed."""
    return level.percent_with_waiting if level.percent_with_waiting is not None else level.percent


def arrival_rate(
    arrived: Sequence[datetime],
    *,
    now: datetime,
    surge: bool,
    windows: Sequence[timedelta] = SHORT_WINDOWS,
) -> float:
    """Calls per hour from the arrival times of the last ``ARRIVAL_WINDOW``; with ``surge``
    the highest of that, the last ``RECENT_WINDOW``'s, and each of ``windows``'s rate beyond
    doubt (:func:`surely_at_least`)."""
    per_hour = len(arrived) * 3600 / ARRIVAL_WINDOW.total_seconds()
    if not surge:
        return per_hour
    recent = sum(1 for at in arrived if at >= now - RECENT_WINDOW)
    rates = [per_hour, recent * 3600 / RECENT_WINDOW.total_seconds()]
    for window in windows:
        count = sum(1 for at in arrived if at >= now - window)
        usual = (len(arrived) - count) * window / (ARRIVAL_WINDOW - window)
        risen = surely_at_least(count, RISE_SURE) > usual
        shown = surely_at_least(count, RISEN_SURE if risen else SURE)
        rates.append(shown * 3600 / window.total_seconds())
    return max(rates)


def surely_at_least(count: int, sure: float = SURE) -> float:
    """The Poisson mean that ``count`` arrivals show beyond doubt: the one-sided lower bound at
    ``sure`` by Wilson and Hilferty's approximation: not above the exact bound (by more than a
    hundred-thousandth), and within 2% of it from 5 arrivals on at 95–99%. A mean below it
    makes ``count`` or more arrivals less likely than ``1 - sure``."""
    if count <= 0:
        return 0.0
    root = 1 - 1 / (9 * count) - NormalDist().inv_cdf(sure) / (3 * math.sqrt(count))
    return count * max(root, 0.0) ** 3


async def staffing(
    session: AsyncSession, overall: QueuesSummary, *, now: datetime, surge: bool = False
) -> dict[str, Any]:
    """Operators needed for the first service-level target against those staffed, with how
    the figure was reached; ``{"available": False}`` without a target or a model.

    ``surge`` (the surge policy's judgement, not the supervisor's hint): the arrival rate is
    also judged over the last minutes (:func:`arrival_rate`), and callers waiting past
    the target count as short by as many as are not matched by a free operator (one operator
    free for an instant no longer hides a queue of callers)."""
    centre = overall.overall
    target = next((t for t in centre.today.service_level if t.target_percent), None)
    if target is None or target.target_percent is None:
        return {"available": False}
    lines = await queue_log.lines(
        session, since=now - ARRIVAL_WINDOW, events=[QueueEvent.ENTER], limit=1_000_000
    )
    entered = [line.at for line in lines if "moved_from" not in line.data]  # a move is no arrival
    arrivals = len(entered)
    per_hour = arrival_rate(entered, now=now, surge=surge)
    handle = await recent_handle_s(session, [q.name for q in overall.queues], now=now)
    staffed = centre.available + centre.busy
    share = min(target.target_percent / 100, 0.999)
    seconds = handle or ASSUMED_HANDLE_S
    try:
        needed = erlang.agents_for_service_level(
            calls_per_hour=per_hour,
            handle_seconds=seconds,
            target_seconds=target.seconds,
            service_level=share,
        )
        expected = erlang.evaluate(
            calls_per_hour=per_hour,
            handle_seconds=seconds,
            target_seconds=target.seconds,
            agents=staffed,
        )
    except erlang.StaffingError:
        return {"available": False}
    # What is happening overrides the model when they disagree: callers waiting past the
    # target with nobody free means short by at least those callers, whatever the last half
    # hour's arrivals predict.
    current = next(t for t in centre.interval.service_level if t.seconds == target.seconds)
    waiting_past = current.waiting_past
    if surge:
        seen_short = max(0, waiting_past - centre.available)
    else:
        seen_short = waiting_past if centre.available == 0 else 0
    modelled_short = max(0, needed.agents - staffed)
    return {
        "available": True,
        "window_minutes": int(ARRIVAL_WINDOW.total_seconds() // 60),
        "arrivals": arrivals,
        "calls_per_hour": round(per_hour, 1),
        "handle_s": round(seconds, 1),
        "handle_assumed": handle is None,
        "target_seconds": target.seconds,
        "target_percent": target.target_percent,
        "needed": max(needed.agents, staffed + seen_short),
        "staffed": staffed,
        "shortfall": max(modelled_short, seen_short),
        "basis": "waiting" if seen_short > modelled_short else "erlang_c",
        "expected_percent": round(100 * expected.service_level, 1),
        "waiting_past_target": waiting_past,
        "observed_percent": honest(current),
    }
