"""``GET /api/v1/queues``: each queue and all together, now, this interval and today."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Protocol
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


class CounterRow(Protocol):
    """A queue's counters over some intervals: a ``QueueStat`` row, or a row of its columns."""

    @property
    def max_wait(self) -> float: ...
    @property
    def answered_within(self) -> Mapping[str, int]: ...
    @property
    def abandoned_within(self) -> Mapping[str, int]: ...


@dataclass
class Totals:
    """Counters added up over rows (``stats.COUNTERS``, the longest wait, the within-counts)."""

    counters: dict[str, float] = field(default_factory=lambda: dict.fromkeys(stats.COUNTERS, 0))
    max_wait: float = 0.0
    answered_within: dict[str, int] = field(default_factory=dict)
    abandoned_within: dict[str, int] = field(default_factory=dict)

    def add(self, row: CounterRow) -> None:
        """Add one row's counters."""
        counters = self.counters
        for name in stats.COUNTERS:
            counters[name] += getattr(row, name) or 0
        self.max_wait = max(self.max_wait, row.max_wait or 0.0)
        _add_counts(self.answered_within, row.answered_within)
        _add_counts(self.abandoned_within, row.abandoned_within)


def _add_counts(mine: dict[str, int], theirs: Mapping[str, int]) -> None:
    for key, count in theirs.items():
        mine[key] = mine.get(key, 0) + count


def totals(rows: Iterable[CounterRow]) -> Totals:
    """``rows`` added up."""
    total = Totals()
    for row in rows:
        total.add(row)
    return total


# What the summary reads, as plain rows (columns, not ORM objects: it runs on every console flush
# of the queue part, in every process, and loading and adding up ORM rows was 33 ms of CPU a
# flush with 300 operators signed in and 200 calls waiting; see BENCHMARKS.md).
_STAT_COLUMNS = (
    QueueStat.queue,
    QueueStat.interval_start,
    *(getattr(QueueStat, name) for name in stats.COUNTERS),
    QueueStat.max_wait,
    QueueStat.answered_within,
    QueueStat.abandoned_within,
)


async def summary(session: AsyncSession, *, now: datetime, tz: ZoneInfo) -> QueuesSummary:
    """The live state and statistics of every queue and of all together."""
    queues = await catalog.queues(session)
    day = today_start(now, tz)
    current = stats.interval_start(now).astimezone(tz)  # shown in the centre's zone
    rows = (
        await session.execute(select(*_STAT_COLUMNS).where(QueueStat.interval_start >= day))
    ).all()
    entries = (
        await session.execute(
            select(QueueEntry.queue, QueueEntry.status, QueueEntry.entered_at).where(
                QueueEntry.status.in_(QUEUED)
            )
        )
    ).all()
    people = (
        await session.execute(
            select(Operator.state, Operator.skills, Operator.queues).where(
                Operator.state != S.SIGNED_OUT.value
            )
        )
    ).all()
    today: dict[str, Totals] = defaultdict(Totals)
    interval: dict[str, Totals] = defaultdict(Totals)
    now_rows = [row for row in rows if row.interval_start == current]
    for row in rows:
        today[row.queue].add(row)
    for row in now_rows:
        interval[row.queue].add(row)
    waiting: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        waiting[entry.queue].append(entry)
    serving = _serving(people, queues)
    items = []
    for queue in queues:
        items.append(
            _item(
                queue.name,
                queue.title,
                queue.names,
                queue.strategy,
                [(int(t["seconds"]), float(t["percent"])) for t in queue.sl_targets],
                waiting[queue.name],
                serving[queue.name],
                today[queue.name],
                interval[queue.name],
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
        totals(rows),
        totals(now_rows),
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


class Entry(Protocol):
    """A waiting call's queue, status and arrival."""

    @property
    def queue(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def entered_at(self) -> datetime: ...


class Person(Protocol):
    """A signed-in operator's state, skills and queues."""

    @property
    def state(self) -> str: ...
    @property
    def skills(self) -> Mapping[str, int]: ...
    @property
    def queues(self) -> Sequence[str] | None: ...


def _serving(people: Sequence[Person], queues: Sequence[QueueSpec]) -> dict[str, list[Person]]:
    """Each queue's signed-in operators who could take its calls (decided once for each set of
    skills and queues: a centre's operators share a few)."""
    found: dict[str, list[Person]] = {queue.name: [] for queue in queues}
    decided: dict[tuple[object, ...], list[str]] = {}
    for person in people:
        key = (
            tuple(sorted(person.skills.items())),
            tuple(person.queues or ()),
            person.queues is None,
        )
        if key not in decided:
            decided[key] = [q.name for q in queues if _serves(person, q)]
        for name in decided[key]:
            found[name].append(person)
    return found


def _serves(person: Person, queue: QueueSpec) -> bool:
    if person.queues is not None and queue.name not in person.queues:
        return False
    return strategies.penalty(person.skills, queue.required_skills) is not None


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
    entries: Sequence[Entry],
    people: Sequence[Person],
    today: Totals,
    interval: Totals,
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
        interval=period_of(current, interval, targets, waits=waits),
        today=period_of(day, today, targets, waits=waits),
    )


def period(
    start: datetime, rows: Iterable[CounterRow], targets: Targets, *, waits: Sequence[float] = ()
) -> PeriodOut:
    """The statistics of a period from its counter rows; ``waits`` are the seconds each caller
    still in the queue has waited (a period that includes now), counted as missed past a
    target in ``percent_with_waiting``."""
    return period_of(start, totals(rows), targets, waits=waits)


def period_of(
    start: datetime, total: Totals, targets: Targets, *, waits: Sequence[float] = ()
) -> PeriodOut:
    """The statistics of a period from its counters added up (:func:`period`)."""
    counters = total.counters
    answered, abandoned = int(counters["answered"]), int(counters["abandoned"])
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
    talk = _ratio(counters["talk_sum"], counters["completed"])
    wrap = _ratio(counters["wrap_sum"], counters["wrap_ups"])
    return PeriodOut(
        start=start,
        entered=int(counters["entered"]),
        transferred=int(counters["transferred"]),
        answered=answered,
        abandoned=abandoned,
        completed=int(counters["completed"]),
        ring_no_answer=int(counters["ring_no_answer"]),
        abandon_percent=percent(abandoned, answered + abandoned),
        service_level=levels,
        asa_s=_ratio(counters["wait_sum"], answered),
        longest_answered_wait_s=_round(total.max_wait) if answered else None,
        avg_abandon_wait_s=_ratio(counters["abandon_wait_sum"], abandoned),
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
