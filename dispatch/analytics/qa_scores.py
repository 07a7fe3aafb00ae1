"""QA scores over any period with the calls' filters: how many official evaluations, their mean,
lowest and highest score, how many had a critical failure and how many reached each level, in
total, per grain (by the call's time, as QA's reports count), per operator and per queue.

QA sits above analytics (it reads analytics' nothing, analytics may not import it): the scores
come from a :class:`ScoreSource` the app hands over (``dispatch.qa.kpis.official_scores``, on
``app.state.qa_scores``): QA's own choice of evaluations (official, newest revision, by the
call's time, the evaluation's operator). The calls' other filters (region, district, queue,
channel, language, incident type, service) and the queue are the places rollup's, read here
for the evaluated calls only, so a year costs its evaluations.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Sequence
from datetime import date, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.analytics import periods, places, sources
from dispatch.analytics.call_figures import CallFilter
from dispatch.analytics.facts import QaScore
from dispatch.analytics.models import CallPlace as P
from dispatch.analytics.periods import Grain

_CALLS_AT_ONCE = 1000


class ScoreSource(Protocol):
    """The official evaluations of the calls made in [start, end) (one operator's, or all)."""

    async def __call__(
        self, session: AsyncSession, start: datetime, end: datetime, *, operator: str | None
    ) -> Sequence[QaScore]:
        """The evaluations, as QA's reports choose them."""
        ...


class ScoreFigures(BaseModel):
    """Some official evaluations summed up (scores 0-100; means rounded as QA's reports)."""

    evaluations: int
    mean_score: float | None
    min_score: float | None
    max_score: float | None
    critical_failures: int = Field(description="evaluations with at least one critical failure")
    levels: dict[str, int] = Field(description="evaluations per compliance level")


class ScoreRow(ScoreFigures):
    """One grain's evaluations (``start`` its local start)."""

    start: datetime


class OperatorScores(ScoreFigures):
    """One operator's evaluations (the operator the evaluation names)."""

    operator: str | None
    operator_name: str | None = None


class QueueScores(ScoreFigures):
    """The evaluations of one queue's calls."""

    queue: str | None


class QaReport(BaseModel):
    """The QA scores of the calls of ``date_from``..``date_to`` (local days) the filters admit."""

    date_from: date
    date_to: date
    grain: Grain
    timezone: str
    filters: dict[str, str]
    total: ScoreFigures
    rows: list[ScoreRow] = Field(description="one per grain with evaluations, oldest first")
    operators: list[OperatorScores]
    queues: list[QueueScores]


async def build(
    session: AsyncSession,
    date_from: date,
    date_to: date,
    *,
    grain: Grain,
    chosen: CallFilter,
    scores: ScoreSource | None,
    tz: ZoneInfo,
    shift_start_hour: int,
) -> QaReport:
    """The report; an unknown region, district or queue is a 404. Without a source (a server
    without QA) there are no evaluations."""
    start, end = periods.bounds(date_from, date_to, tz)
    await sources.check_known(
        session, region=chosen.region, district=chosen.district, queue=chosen.queue
    )
    found = list(await scores(session, start, end, operator=chosen.operator)) if scores else []
    queue_of = await _queues(session, [s.call_id for s in found], chosen)
    narrowed = any(value is not None for key, value in vars(chosen).items() if key != "operator")
    admitted = [s for s in found if s.call_id in queue_of or not narrowed]
    names = await sources.people(session) if admitted else {}

    def when(score: QaScore) -> datetime:
        return periods.bucket(score.call_at, grain, tz, shift_start_hour=shift_start_hour)

    return QaReport(
        date_from=date_from,
        date_to=date_to,
        grain=grain,
        timezone=str(tz),
        filters={k: v for k, v in vars(chosen).items() if v is not None},
        total=figures(admitted),
        rows=[
            ScoreRow(start=at, **figures(mine).model_dump())
            for at, mine in _grouped(admitted, when, by_start=True)
        ]
        if grain is not Grain.TOTAL
        else [],
        operators=[
            OperatorScores(
                operator=name, operator_name=names.get(name or ""), **figures(mine).model_dump()
            )
            for name, mine in _grouped(admitted, lambda s: s.operator)
        ],
        queues=[
            QueueScores(queue=queue, **figures(mine).model_dump())
            for queue, mine in _grouped(admitted, lambda s: queue_of.get(s.call_id))
        ],
    )


def figures(found: Sequence[QaScore]) -> ScoreFigures:
    """The figures of ``found``."""
    scores = [s.score for s in found]
    return ScoreFigures(
        evaluations=len(found),
        mean_score=round(statistics.fmean(scores), 2) if scores else None,
        min_score=min(scores) if scores else None,
        max_score=max(scores) if scores else None,
        critical_failures=sum(1 for s in found if s.critical),
        levels=dict(sorted(Counter(s.level for s in found).items())),
    )


def _grouped(
    found: Sequence[QaScore], key: Callable[[QaScore], Any], *, by_start: bool = False
) -> list[tuple[Any, list[QaScore]]]:
    """``found`` grouped by ``key``: by start, or by name with None last."""
    groups: dict[Hashable, list[QaScore]] = defaultdict(list)
    for score in found:
        groups[key(score)].append(score)
    order: Callable[[Any], Any] = (lambda k: k) if by_start else (lambda k: (k is None, k or ""))
    return [(k, groups[k]) for k in sorted(groups, key=order)]


async def _queues(
    session: AsyncSession, calls: Sequence[Any], chosen: CallFilter
) -> dict[Any, str | None]:
    """The queue of each of ``calls`` the filter's other parts admit (placed like the call
    report places them; the operator is the evaluation's, filtered at the source)."""
    if not calls:
        return {}
    await places.bring_up_to_date(session, await sources.boundaries(session))
    narrowing = sources.Narrowing(**{**vars(chosen), "operator": None})
    admitted: dict[Any, str | None] = {}
    ordered = sorted(set(calls), key=str)
    for first in range(0, len(ordered), _CALLS_AT_ONCE):
        query = select(P.call_id, P.queue, P.region_code).where(
            P.call_id.in_(ordered[first : first + _CALLS_AT_ONCE])
        )
        for call_id, queue, region in (
            await session.execute(narrowing.apply(query, calls=True))
        ).all():
            if chosen.region is None or region == chosen.region:
                admitted[call_id] = queue
    return admitted
