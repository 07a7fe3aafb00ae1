"""``GET /api/v1/queues``: each queue and all together, now, this interval and today."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.queues import catalog, stats, strategies
from dispatch.queues.catalog import QueueSpec
from dispatch.queues.models import Operator, QueueEntry, QueueStat
from dispatch.queues.schemas import (
    PeriodOut,
    QueuesSummary,
    QueueStatsOut,
    ServiceLevelOut,
)
from dispatch.queues.states import QUEUED, EntryStatus, OperatorState

S = OperatorState
BUSY = frozenset({S.RESERVED.value, S.ON_CALL.value, S.WRAP_UP.value})


def today_start(now: datetime, tz: ZoneInfo) -> datetime:
    """Midnight of the centre's day holding ``now``."""
    return datetime.combine(now.astimezone(tz).date(), time(0), tz)


async def summary(session: AsyncSession, *, now: datetime, tz: ZoneInfo) -> QueuesSummary:
    """The live state and statistics of every queue and of all together."""
    queues = await catalog.queues(session)
    day = today_start(now, tz)
    current = stats.interval_start(now).astimezone(tz)  # shown in the centre's zone
    rows = list(
        (await session.scalars(select(QueueStat).where(QueueStat.interval_start >= day))).all()
    )
    entries = list(
        (await session.scalars(select(QueueEntry).where(QueueEntry.status.in_(QUEUED)))).all()
    )
    people = list(
        (await session.scalars(select(Operator).where(Operator.state != S.SIGNED_OUT.value))).all()
    )
    by_queue: dict[str, list[QueueStat]] = defaultdict(list)
    for row in rows:
        by_queue[row.queue].append(row)
    items = []
    for queue in queues:
        serving = [p for p in people if _serves(p, queue)]
        items.append(
            _item(
                queue.name,
                queue.title,
                queue.names,
                queue.strategy,
                [(int(t["seconds"]), float(t["percent"])) for t in queue.sl_targets],
                [e for e in entries if e.queue == queue.name],
                serving,
                by_queue[queue.name],
                now=now,
                day=day,
                current=current,
            )
        )
    overall = _item(
        "all",
        "All queues",
        {},
        None,
        common_targets(queues),
        entries,
        people,
        rows,
        now=now,
        day=day,
        current=current,
    )
    return QueuesSummary(
        at=now.astimezone(tz),
        interval_minutes=stats.INTERVAL_MINUTES,
        queues=items,
        overall=overall,
    )


def _serves(operator: Operator, queue: QueueSpec) -> bool:
    if operator.queues is not None and queue.name not in operator.queues:
        return False
    return strategies.penalty(operator.skills, queue.required_skills) is not None


Targets = list[tuple[int, float | None]]


def common_targets(queues: Sequence[QueueSpec]) -> Targets:
    """Every threshold of any queue; its percent where all queues having it agree."""
    percents: dict[int, set[float]] = defaultdict(set)
    for queue in queues:
        for target in queue.sl_targets:
            percents[int(target["seconds"])].add(float(target["percent"]))
    return [(s, p.pop() if len(p) == 1 else None) for s, p in sorted(percents.items())]


def _item(
    name: str,
    title: str,
    names: Mapping[str, str],
    strategy: str | None,
    targets: Targets,
    entries: Sequence[QueueEntry],
    people: Sequence[Operator],
    rows: Sequence[QueueStat],
    *,
    now: datetime,
    day: datetime,
    current: datetime,
) -> QueueStatsOut:
    oldest = min((e.entered_at for e in entries), default=None)
    waits = [(now - e.entered_at).total_seconds() for e in entries]
    states = [p.state for p in people]
    return QueueStatsOut(
        name=name,
        title=title,
        names=dict(names),
        strategy=strategy,
        waiting=len(entries),
        offered=sum(1 for e in entries if e.status == EntryStatus.OFFERED),
        longest_wait_s=_round((now - oldest).total_seconds()) if oldest else None,
        available=states.count(S.AVAILABLE),
        busy=sum(1 for s in states if s in BUSY),
        on_break=states.count(S.ON_BREAK),
        signed_in=len(states),
        interval=period(
            current, [r for r in rows if r.interval_start == current], targets, waits=waits
        ),
        today=period(day, rows, targets, waits=waits),
    )


def period(
    start: datetime, rows: Iterable[QueueStat], targets: Targets, *, waits: Sequence[float] = ()
) -> PeriodOut:
    """The statistics of a period from its counter rows; ``waits`` are the seconds each caller
    still in the queue has waited (a period that includes now), counted as missed past a
    target in ``percent_with_waiting``."""
    total = stats.blank("", start)
    for row in rows:
        stats.add(
            total,
            stats.Delta(
                {name: getattr(row, name) for name in stats.COUNTERS}, max_wait=row.max_wait
            ),
        )
        for key, count in row.answered_within.items():
            total.answered_within[key] = total.answered_within.get(key, 0) + count
        for key, count in row.abandoned_within.items():
            total.abandoned_within[key] = total.abandoned_within.get(key, 0) + count
    answered, abandoned = total.answered, total.abandoned
    levels = []
    for seconds, target_percent in targets:
        within = total.answered_within.get(str(seconds), 0)
        early = total.abandoned_within.get(str(seconds), 0)
        past = sum(1 for waited in waits if waited > seconds)
        levels.append(
            ServiceLevelOut(
                seconds=seconds,
                target_percent=target_percent,
                answered_within=within,
                abandoned_within=early,
                percent=percent(within, answered),
                percent_with_abandons=percent(within + early, answered + abandoned),
                waiting_past=past,
                percent_with_waiting=percent(within + early, answered + abandoned + past),
            )
        )
    talk = _ratio(total.talk_sum, total.completed)
    wrap = _ratio(total.wrap_sum, total.wrap_ups)
    return PeriodOut(
        start=start,
        entered=total.entered,
        transferred=total.transferred,
        answered=answered,
        abandoned=abandoned,
        completed=total.completed,
        ring_no_answer=total.ring_no_answer,
        abandon_percent=percent(abandoned, answered + abandoned),
        service_level=levels,
        asa_s=_ratio(total.wait_sum, answered),
        longest_answered_wait_s=_round(total.max_wait) if answered else None,
        avg_abandon_wait_s=_ratio(total.abandon_wait_sum, abandoned),
        avg_talk_s=talk,
        avg_wrap_up_s=wrap,
        avg_handle_s=_round(talk + (wrap or 0.0)) if talk is not None else None,
    )


def percent(part: float, whole: float) -> float | None:
    """``part`` of ``whole`` in percent to two decimals; None of nothing."""
    return round(100.0 * part / whole, 2) if whole else None


def _ratio(part: float, whole: float) -> float | None:
    return _round(part / whole) if whole else None


def _round(value: float) -> float:
    return round(value, 3)
