"""Is the centre short of operators now? Erlang C (``erlang.py``) for the last half hour's
arrivals and today's handle time against those signed in and not on break, overridden by what
is happening (callers waiting past the target with nobody free). The supervisor console's
staffing hint shows it; the surge policy (``surge.py``) acts on it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.queues import erlang, queue_log
from dispatch.queues.schemas import QueuesSummary, ServiceLevelOut
from dispatch.queues.states import QueueEvent

# Arrivals are counted over this window (calls per hour = count * 2).
ARRIVAL_WINDOW = timedelta(minutes=30)
# The surge policy also looks at the last minutes alone: a surge of ten minutes diluted in half
# an hour read 150–346 calls/h while 840/h arrived (BENCHMARKS.md, "A surge").
RECENT_WINDOW = timedelta(minutes=10)
# Before the first completed call of the day the estimate assumes this handle time (and says so).
ASSUMED_HANDLE_S = 180.0


def honest(level: ServiceLevelOut) -> float | None:
    """The figure an alert judges: callers still waiting past the target count as missed."""
    return level.percent_with_waiting if level.percent_with_waiting is not None else level.percent


async def staffing(
    session: AsyncSession, overall: QueuesSummary, *, now: datetime, surge: bool = False
) -> dict[str, Any]:
    """Operators needed for the first service-level target against those staffed, with how
    the figure was reached; ``{"available": False}`` without a target or a model.

    ``surge`` (the surge policy's judgement, not the supervisor's hint): the arrival rate is
    the higher of the half hour's and the last ``RECENT_WINDOW``'s, and callers waiting past
    the target count as short by as many as are not matched by a free operator (one operator
    free for an instant no longer hides a queue of callers)."""
    centre = overall.overall
    target = next((t for t in centre.today.service_level if t.target_percent), None)
    if target is None or target.target_percent is None:
        return {"available": False}
    lines = await queue_log.lines(
        session, since=now - ARRIVAL_WINDOW, events=[QueueEvent.ENTER], limit=1_000_000
    )
    entered = [line for line in lines if "moved_from" not in line.data]  # a move is no arrival
    arrivals = len(entered)
    per_hour = arrivals * 3600 / ARRIVAL_WINDOW.total_seconds()
    if surge:
        recent = sum(1 for line in entered if line.at >= now - RECENT_WINDOW)
        per_hour = max(per_hour, recent * 3600 / RECENT_WINDOW.total_seconds())
    handle = centre.today.avg_handle_s
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
