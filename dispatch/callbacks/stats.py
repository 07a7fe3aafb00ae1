"""Callback statistics of a period: made, success rate, time from the drop to the first
attempt (against the target), unreachable — overall and per operator."""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.callbacks.models import CallbackAttempt, CallbackTask
from dispatch.callbacks.schemas import (
    CallbackFigures,
    CallbackStats,
    FirstAttempt,
    OperatorFigures,
)
from dispatch.callbacks.states import OPEN, CallbackStatus, Origin

DROP_ORIGINS = (Origin.DROPPED.value, Origin.ABANDONED.value)


@dataclass
class _Tally:
    tasks: set[uuid.UUID] = field(default_factory=set)
    attempts: int = 0
    closed: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    open: int = 0
    first_s: list[float] = field(default_factory=list)

    def figures(self, target_s: float) -> CallbackFigures:
        settled = sum(self.closed.values())
        return CallbackFigures(
            tasks=len(self.tasks),
            attempts=self.attempts,
            reached=self.closed[CallbackStatus.REACHED.value],
            refused=self.closed[CallbackStatus.REFUSED.value],
            unreachable=self.closed[CallbackStatus.UNREACHABLE.value],
            open=self.open,
            success_rate=(
                round(self.closed[CallbackStatus.REACHED.value] / settled, 4) if settled else None
            ),
            first_attempt=first_attempt(self.first_s, target_s),
        )


def first_attempt(seconds: Sequence[float], target_s: float) -> FirstAttempt:
    """Summary of the drop-to-first-attempt times."""
    ordered = sorted(seconds)
    if not ordered:
        return FirstAttempt(
            count=0,
            mean_s=None,
            p50_s=None,
            p90_s=None,
            max_s=None,
            target_s=target_s,
            within_target=None,
        )
    return FirstAttempt(
        count=len(ordered),
        mean_s=round(sum(ordered) / len(ordered), 3),
        p50_s=round(_quantile(ordered, 0.5), 3),
        p90_s=round(_quantile(ordered, 0.9), 3),
        max_s=round(ordered[-1], 3),
        target_s=target_s,
        within_target=round(sum(1 for s in ordered if s <= target_s) / len(ordered), 4),
    )


def _quantile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank quantile of sorted values."""
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


def tally(
    tasks: Iterable[CallbackTask],
    attempts: dict[uuid.UUID, list[CallbackAttempt]],
    target_s: float,
) -> tuple[CallbackFigures, list[OperatorFigures]]:
    """Figures of these tasks and their attempts, overall and for each operator who dialled."""
    overall = _Tally()
    by_operator: dict[str, _Tally] = defaultdict(_Tally)
    for task in tasks:
        overall.tasks.add(task.id)
        dials = attempts.get(task.id, [])
        counted = [a for a in dials if a.outcome is not None]
        overall.attempts += len(counted)
        for attempt in counted:
            by_operator[attempt.operator].tasks.add(task.id)
            by_operator[attempt.operator].attempts += 1
        if task.status in OPEN:
            overall.open += 1
            if task.operator is not None:
                by_operator[task.operator].open += 1
        elif task.status != CallbackStatus.CANCELLED:
            overall.closed[task.status] += 1
            if counted:  # the operator whose attempt settled it
                by_operator[counted[-1].operator].closed[task.status] += 1
        if dials and task.origin in DROP_ORIGINS:
            first = dials[0]
            waited = max((first.started_at - task.created_at).total_seconds(), 0.0)
            overall.first_s.append(waited)
            by_operator[first.operator].first_s.append(waited)
    operators = [
        OperatorFigures(operator=name, **tallied.figures(target_s).model_dump())
        for name, tallied in sorted(by_operator.items())
    ]
    return overall.figures(target_s), operators


async def period(
    session: AsyncSession,
    *,
    since: datetime,
    until: datetime,
    target_s: float,
    calls: Collection[uuid.UUID] | None = None,
) -> CallbackStats:
    """Statistics of the tasks created in ``[since, until)`` (only those of ``calls`` when
    given: the period reports' filters)."""
    tasks = [
        task
        for task in (
            await session.scalars(
                select(CallbackTask).where(
                    CallbackTask.created_at >= since, CallbackTask.created_at < until
                )
            )
        ).all()
        if calls is None or task.call_id in calls
    ]
    attempts: dict[uuid.UUID, list[CallbackAttempt]] = defaultdict(list)
    if tasks:
        rows = await session.scalars(
            select(CallbackAttempt)
            .join(CallbackTask, CallbackTask.id == CallbackAttempt.task_id)
            .where(CallbackTask.created_at >= since, CallbackTask.created_at < until)
            .order_by(CallbackAttempt.task_id, CallbackAttempt.number)
        )
        for row in rows:
            attempts[row.task_id].append(row)
    overall, operators = tally(tasks, attempts, target_s)
    return CallbackStats(since=since, until=until, overall=overall, operators=operators)
