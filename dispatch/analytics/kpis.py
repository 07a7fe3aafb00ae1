"""KPIs of the queues over any period: offered, answered, abandoned, service level (each
variant, named), ASA, talk, wrap-up and handle times, ring-outs, transfers.

Computed from the queues' 15-minute counters (the rollup), never from the raw queue log, so a
year costs what its rollup rows cost. A call counts in the interval where its wait ended
(answered or abandoned); each figure is the same as ``GET /api/v1/queues`` shows for today
(``dispatch.queues.summary.period``), summed over the grain's intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.analytics import periods, sources
from dispatch.analytics.periods import Grain
from dispatch.errors import NotFound
from dispatch.queues.schemas import PeriodOut
from dispatch.queues.summary import common_targets, period


class QueueTotal(BaseModel):
    """One queue over the whole period."""

    queue: str
    title: str
    figures: PeriodOut


class KpiReport(BaseModel):
    """The queues' KPIs of ``date_from``..``date_to`` (local days), by ``grain``."""

    date_from: date
    date_to: date
    grain: Grain
    timezone: str
    queues: list[str] = Field(description="the queues counted (all when none was asked for)")
    total: PeriodOut
    rows: list[PeriodOut] = Field(
        description="one per grain with calls, oldest first; ``start`` is its local start"
    )
    by_queue: list[QueueTotal]


async def build(
    session: AsyncSession,
    date_from: date,
    date_to: date,
    *,
    grain: Grain,
    queue_names: Sequence[str],
    tz: ZoneInfo,
    shift_start_hour: int,
) -> KpiReport:
    """The report; an unknown queue is a 404 naming it."""
    start, end = periods.bounds(date_from, date_to, tz)
    chosen = await sources.queues(session, queue_names)
    unknown = sorted(set(queue_names) - {q.name for q in chosen})
    if unknown:
        raise NotFound(f"no queue named {', '.join(unknown)}")
    names = [q.name for q in chosen]
    targets = common_targets(chosen)
    seconds = [target for target, _ in targets]
    buckets: dict[datetime, sources.Sums] = {}
    if grain is not Grain.TOTAL:
        for sums in await sources.stat_sums(session, start, end, names, seconds, by="interval"):
            when = periods.bucket(sums.key, grain, tz, shift_start_hour=shift_start_hour)
            if when in buckets:
                buckets[when].add(sums)
            else:
                buckets[when] = sums
    per_queue = {
        sums.key: sums
        for sums in await sources.stat_sums(session, start, end, names, seconds, by="queue")
    }
    total = [
        s.as_row(start)
        for s in await sources.stat_sums(session, start, end, names, seconds, by=None)
    ]
    return KpiReport(
        date_from=date_from,
        date_to=date_to,
        grain=grain,
        timezone=str(tz),
        queues=[q.name for q in chosen],
        total=period(start.astimezone(tz), total, targets),
        rows=[period(when, [buckets[when].as_row(when)], targets) for when in sorted(buckets)],
        by_queue=[
            QueueTotal(
                queue=q.name,
                title=q.title,
                figures=period(
                    start.astimezone(tz),
                    [per_queue[q.name].as_row(start)] if q.name in per_queue else [],
                    common_targets([q]),
                ),
            )
            for q in chosen
        ],
    )
