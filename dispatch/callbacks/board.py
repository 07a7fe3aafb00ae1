"""Callbacks as consoles and lists show them: each task with its card number, attempts, place
in the offering order and overdue flag; and the board of pending, dialling and unreachable
tasks that the operator and supervisor streams carry (part ``callbacks``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.callbacks import tasks
from dispatch.callbacks.models import CallbackTask
from dispatch.callbacks.schemas import AttemptOut, CallbackOut, JoinedCall
from dispatch.callbacks.states import MAX_ATTEMPTS, OPEN, CallbackStatus
from dispatch.callbacks.tasks import Policy
from dispatch.cards import store as card_store
from dispatch.errors import spoken

# Unreachable callers stay on the board this long (the supervisors' list), newest first.
UNREACHABLE_WINDOW = timedelta(hours=12)


async def board(
    session: AsyncSession, *, policy: Policy, now: datetime, limit: int = 20
) -> dict[str, Any]:
    """Pending tasks in offering order (the first ``limit``), every dial under way, and the
    unreachable callers of the last 12 hours."""
    # One statement, so one snapshot: read apart, a task could be loaded as pending and then
    # come back from a later read as dialling with the pending one's attributes (on
    # PostgreSQL each statement sees the newest commit; the session keeps the first object).
    rows = (
        await session.scalars(
            select(CallbackTask)
            .where(
                CallbackTask.status.in_(OPEN)
                | (
                    (CallbackTask.status == CallbackStatus.UNREACHABLE.value)
                    & (CallbackTask.closed_at >= now - UNREACHABLE_WINDOW)
                )
            )
            .execution_options(populate_existing=True)
        )
    ).all()
    pending = tasks.offering_order(
        [row for row in rows if row.status == CallbackStatus.PENDING], policy, now
    )
    dialing = sorted(
        (row for row in rows if row.status == CallbackStatus.DIALING), key=lambda r: r.created_at
    )
    unreachable = sorted(
        (row for row in rows if row.status == CallbackStatus.UNREACHABLE),
        key=lambda r: r.closed_at or now,
        reverse=True,
    )[:limit]
    shown = await render(session, [*pending[:limit], *dialing, *unreachable], policy, now)
    rendered = [item.model_dump(mode="json") for item in shown]
    first, second = min(len(pending), limit), min(len(pending), limit) + len(dialing)
    return {
        "available": True,
        "pending_count": len(pending),
        "overdue": sum(1 for item in shown[:first] if item.overdue),
        "pending": rendered[:first],
        "dialing": rendered[first:second],
        "unreachable": rendered[second:],
    }


async def render(
    session: AsyncSession, rows: Sequence[CallbackTask], policy: Policy, now: datetime
) -> list[CallbackOut]:
    """Tasks as returned: with card numbers, attempts, places in line and overdue flags."""
    history = await tasks.attempts_of(session, [row.id for row in rows])
    joins = await tasks.joins_of(session, [row.id for row in rows])
    positions = (
        await tasks.pending_positions(session, policy, now)
        if any(row.status == CallbackStatus.PENDING for row in rows)
        else {}
    )
    numbers = await card_store.numbers(
        session, [row.card_id for row in rows if row.card_id is not None]
    )
    return [
        CallbackOut(
            id=row.id,
            call_id=row.call_id,
            card_id=row.card_id,
            card_number=numbers.get(row.card_id) if row.card_id else None,
            origin=row.origin,
            reason=row.reason,
            number=row.number,
            language=row.language,
            queue=row.queue,
            status=CallbackStatus(row.status),
            priority=row.priority,
            created_at=row.created_at,
            created_by=row.created_by,
            due_at=policy.due(row),
            overdue=row.status == CallbackStatus.PENDING
            and (now - policy.due(row)).total_seconds() > policy.target_s,
            position=positions.get(row.id),
            preferred_operator=row.preferred_operator,
            operator=row.operator,
            lease_until=row.lease_until,
            attempts=row.attempts,
            attempts_left=max(MAX_ATTEMPTS - row.attempts, 0)
            if row.status in (CallbackStatus.PENDING, CallbackStatus.DIALING)
            else 0,
            closed_at=row.closed_at,
            closed_by=row.closed_by,
            card_note=row.card_note,
            **spoken("card_note", row.card_note_said),
            history=[AttemptOut.model_validate(a) for a in history[row.id]],
            joined_calls=[JoinedCall.model_validate(j) for j in joins[row.id]],
        )
        for row in rows
    ]
