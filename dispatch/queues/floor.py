"""The floor as a supervisor watches it: every open call in the ACD, and each operator's day.

Read-only; the supervisor console recomputes these on every ACD event, so each is one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.queues.models import QueueEntry, QueueLogEntry
from dispatch.queues.states import OPEN_ENTRY, QUEUED, QueueEvent
from dispatch.queues.supervisor import Placed


async def open_calls(session: AsyncSession) -> list[Placed]:
    """Every call waiting, ringing or connected: waiting ones numbered in offering order per
    queue (as ``supervisor.queue_calls`` numbers them), then the connected ones."""
    rows = (
        await session.scalars(select(QueueEntry).where(QueueEntry.status.in_(OPEN_ENTRY)))
    ).all()
    waiting = sorted(
        (r for r in rows if r.status in QUEUED),
        key=lambda e: (e.queue, -e.priority, e.entered_at, e.id),
    )
    placed: list[Placed] = []
    position: dict[str, int] = {}
    for entry in waiting:
        position[entry.queue] = position.get(entry.queue, 0) + 1
        placed.append(Placed(entry, position[entry.queue]))
    connected = sorted((r for r in rows if r.status not in QUEUED), key=lambda e: e.entered_at)
    return placed + [Placed(entry, None) for entry in connected]


@dataclass(frozen=True)
class OperatorDay:
    """An operator's calls since ``since`` (the start of the centre's day), from the queue log."""

    answered: int = 0
    completed: int = 0
    talk_s: float = 0.0
    wrap_s: float = 0.0

    @property
    def avg_handle_s(self) -> float | None:
        """Talk plus wrap-up per completed call; None before the first one."""
        if not self.completed:
            return None
        return round((self.talk_s + self.wrap_s) / self.completed, 1)


async def operator_days(session: AsyncSession, *, since: datetime) -> dict[str, OperatorDay]:
    """Per operator: calls answered, completed, talk and wrap-up seconds since ``since``."""
    talk = QueueLogEntry.data["talk_s"].as_float()
    wrap = QueueLogEntry.data["wrap_s"].as_float()
    kinds = (QueueEvent.CONNECT.value, QueueEvent.COMPLETE.value, QueueEvent.WRAP_UP.value)
    rows = (
        await session.execute(
            select(
                QueueLogEntry.operator,
                QueueLogEntry.event,
                func.count(),
                func.coalesce(func.sum(talk), 0.0),
                func.coalesce(func.sum(wrap), 0.0),
            )
            .where(
                QueueLogEntry.at >= since,
                QueueLogEntry.operator.is_not(None),
                QueueLogEntry.event.in_(kinds),
            )
            .group_by(QueueLogEntry.operator, QueueLogEntry.event)
        )
    ).all()
    counts: dict[str, dict[str, float]] = {}
    for operator, event, count, talk_sum, wrap_sum in rows:
        mine = counts.setdefault(operator, {})
        if event == QueueEvent.CONNECT:
            mine["answered"] = count
        elif event == QueueEvent.COMPLETE:
            mine["completed"], mine["talk_s"] = count, float(talk_sum)
        else:
            mine["wrap_s"] = float(wrap_sum)
    return {
        name: OperatorDay(
            answered=int(values.get("answered", 0)),
            completed=int(values.get("completed", 0)),
            talk_s=values.get("talk_s", 0.0),
            wrap_s=values.get("wrap_s", 0.0),
        )
        for name, values in counts.items()
    }
