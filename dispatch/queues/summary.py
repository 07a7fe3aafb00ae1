"""``GET /api/v1/queues``: each queue and all together, now, this interval and today."""

from __future__ import annotations

import functools
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, case, func, select
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


async def summary(session: AsyncSession, *, now: datetime, tz: ZoneInfo) -> QueuesSummary:
    """The live state and statistics of every queue and of all together.

    Every console's ``queue`` part runs this on each flush an ACD event marks (up to ten a
    second in each server process in a surge), so it reads little, with statements built once:
    today's counters and this interval's summed per queue by the database (one row a queue,
    where today's rows read and added up here grew to most of its CPU as the day went on), the
    waiting entries, and the signed-in operators counted per state, skills and queues (a set
    of skills shared by many is decoded once). BENCHMARKS.md, "The queues' summary"."""
    queues = await catalog.queues(session)
    day = today_start(now, tz)
    start = stats.interval_start(now)
    current = start.astimezone(tz)  # shown in the centre's zone
    keys = tuple(str(seconds) for seconds in await catalog.sl_thresholds(session))
    # By the queues' names too: the counters' key leads with the queue, so both databases find
    # today's rows of each queue in it (by the interval alone they read every row ever kept).
    counted = await session.execute(
        _counters_statement(keys), {"day": day, "start": start, "names": [q.name for q in queues]}
    )
    today: dict[str, Totals] = {}
    interval: dict[str, Totals] = {}
    for row in counted.all():
        today[row[0]], interval[row[0]] = _both(list(row[1:]), keys)
    entries = (await session.execute(_ENTRIES)).all()
    people = [Group(*row) for row in (await session.execute(_PEOPLE)).all()]
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
                today.get(queue.name, Totals()),
                interval.get(queue.name, Totals()),
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
        _all(today.values()),
        _all(interval.values()),
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


_ENTRIES = select(QueueEntry.queue, QueueEntry.status, QueueEntry.entered_at).where(
    QueueEntry.status.in_(QUEUED)
)
_PEOPLE = (
    select(Operator.state, Operator.skills, Operator.queues, func.count())
    .where(Operator.state != S.SIGNED_OUT.value)
    .group_by(Operator.state, Operator.skills, Operator.queues)
)


@functools.lru_cache(maxsize=16)
def _counters_statement(keys: tuple[str, ...]) -> Select[Any]:
    """Per queue named (``names``), the counters of the intervals since ``day`` summed, each
    followed by the same sum over the interval starting at ``start`` alone; the answered- and
    abandoned-within counts of each threshold in ``keys``. Built once per set of thresholds
    (building its ~60 columns each time cost as much as running it)."""
    now_only = QueueStat.interval_start == bindparam("start")

    def both(value: Any, total: Any = func.sum) -> list[Any]:
        return [func.coalesce(total(value), 0), func.coalesce(total(case((now_only, value))), 0)]

    columns: list[Any] = [QueueStat.queue]
    for name in stats.COUNTERS:
        columns += both(getattr(QueueStat, name))
    columns += both(QueueStat.max_wait, func.max)
    for within in (QueueStat.answered_within, QueueStat.abandoned_within):
        for key in keys:
            columns += both(within[key].as_integer())
    return (
        select(*columns)
        .where(
            QueueStat.interval_start >= bindparam("day"),
            QueueStat.queue.in_(bindparam("names", expanding=True)),
        )
        .group_by(QueueStat.queue)
    )


def _both(values: list[Any], keys: tuple[str, ...]) -> tuple[Totals, Totals]:
    """A row of ``_counters_statement`` (after the queue) as today's and the interval's."""
    found = (Totals(), Totals())
    width = len(stats.COUNTERS)
    for which, total in enumerate(found):
        mine = values[which::2]  # today's sums at even places, the interval's at odd ones
        total.counters = {n: float(v) for n, v in zip(stats.COUNTERS, mine, strict=False)}
        total.max_wait = float(mine[width])
        answered, abandoned = mine[width + 1 : width + 1 + len(keys)], mine[width + 1 + len(keys) :]
        total.answered_within = {k: int(n) for k, n in zip(keys, answered, strict=True) if n}
        total.abandoned_within = {k: int(n) for k, n in zip(keys, abandoned, strict=True) if n}
    return found


def _all(each: Iterable[Totals]) -> Totals:
    """The queues' counters together."""
    total = Totals()
    for one in each:
        for name, value in one.counters.items():
            total.counters[name] += value
        total.max_wait = max(total.max_wait, one.max_wait)
        _add_counts(total.answered_within, one.answered_within)
        _add_counts(total.abandoned_within, one.abandoned_within)
    return total


@dataclass(frozen=True)
class Group:
    """The signed-in operators sharing a state, skills and queues, and how many they are."""

    state: str
    skills: Mapping[str, int]
    queues: Sequence[str] | None
    count: int


class Entry(Protocol):
    """A waiting call's queue, status and arrival."""

    @property
    def queue(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def entered_at(self) -> datetime: ...


def _serving(people: Sequence[Group], queues: Sequence[QueueSpec]) -> dict[str, list[Group]]:
    """Each queue's signed-in operators who could take its calls (decided once for each set of
    skills and queues)."""
    found: dict[str, list[Group]] = {queue.name: [] for queue in queues}
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


def _serves(person: Group, queue: QueueSpec) -> bool:
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
    people: Sequence[Group],
    today: Totals,
    interval: Totals,
    *,
    now: datetime,
    day: datetime,
    current: datetime,
) -> QueueStatsOut:
    oldest = min((e.entered_at for e in entries), default=None)
    waits = [(now - e.entered_at).total_seconds() for e in entries]
    states: Counter[str] = Counter()
    for group in people:
        states[group.state] += group.count
    return QueueStatsOut(
        name=name,
        title=title,
        names=dict(names),
        strategy=strategy,
        waiting=len(entries),
        offered=sum(1 for e in entries if e.status == EntryStatus.OFFERED),
        longest_wait_s=_round((now - oldest).total_seconds()) if oldest else None,
        available=states[S.AVAILABLE.value],
        busy=sum(states[s] for s in BUSY),
        on_break=states[S.ON_BREAK.value],
        signed_in=states.total(),
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
    talk, wrap = _talk_and_wrap(counters)
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
        avg_handle_s=_handle(talk, wrap),
    )


def handle_s(counters: Mapping[str, float]) -> float | None:
    """Average handle time (talk plus wrap-up) of summed counters (``talk_sum``,
    ``completed``, ``wrap_sum``, ``wrap_ups``); None when no call completed."""
    return _handle(*_talk_and_wrap(counters))


def _talk_and_wrap(counters: Mapping[str, float]) -> tuple[float | None, float | None]:
    return (
        _ratio(counters["talk_sum"], counters["completed"]),
        _ratio(counters["wrap_sum"], counters["wrap_ups"]),
    )


def _handle(talk: float | None, wrap: float | None) -> float | None:
    return _round(talk + (wrap or 0.0)) if talk is not None else None


def percent(part: float, whole: float) -> float | None:
    """``part`` of ``whole`` in percent to two decimals; None of nothing."""
    return round(100.0 * part / whole, 2) if whole else None


def _ratio(part: float, whole: float) -> float | None:
    return _round(part / whole) if whole else None


def _round(value: float) -> float:
    return round(value, 3)
