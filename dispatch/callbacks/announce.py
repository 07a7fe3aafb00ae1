"""What a callback task is announced as (``callback.changed``), and the task following its
call's card's priority.

A card that gets its priority after its call's task was made — the operator saved or
classified it a moment after the line dropped — gives the task that priority, so a priority 1–2
card's callback goes before new calls (and is no "unclassified" callback held behind them in a
surge). Importing this module (``tasks`` does) registers the follower.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from dispatch.callbacks import events
from dispatch.callbacks.models import CallbackJoin, CallbackTask
from dispatch.callbacks.states import OPEN, rank
from dispatch.cards import store as card_store
from dispatch.core import kept
from dispatch.core.bus import emit

# An open task of the call (its own, or one the call joined) below the card's priority, raised
# to it; the task's card named if it had none.
_RAISE = (
    update(CallbackTask)
    .where(
        or_(
            CallbackTask.call_id == bindparam("p_call"),
            CallbackTask.id.in_(
                select(CallbackJoin.task_id).where(CallbackJoin.call_id == bindparam("p_call"))
            ),
        ),
        CallbackTask.status.in_(OPEN),
        CallbackTask.priority < bindparam("p_rank"),
    )
    .values(
        priority=bindparam("p_rank"),
        card_id=func.coalesce(
            CallbackTask.card_id, bindparam("p_card", type_=CallbackTask.card_id.type)
        ),
    )
    .returning(
        CallbackTask.id,
        CallbackTask.call_id,
        CallbackTask.card_id,
        CallbackTask.status,
        CallbackTask.operator,
        CallbackTask.preferred_operator,
        CallbackTask.attempts,
    )
    .execution_options(synchronize_session=False)
)


def _follow_card_priorities(
    session: Session, saved: list[tuple[uuid.UUID, uuid.UUID, int]]
) -> None:
    """A card that got its priority after its call's callback task was made — the operator
    saved or classified it a moment after the line dropped — gives the task its priority, so a
    priority 1–2 card's callback goes before new calls (and is no "unclassified" callback held
    behind them in a surge). Just before the commit: one statement per call whose card's
    priority is new in this transaction (``cards.store.PRIORITIES``)."""
    latest = {call_id: (card_id, priority) for call_id, card_id, priority in saved}
    connection = session.connection()
    for call_id, (card_id, priority) in latest.items():
        values = {"p_call": call_id, "p_card": card_id, "p_rank": rank(priority)}
        for row in connection.execute(_RAISE, values).all():
            publish(session, row, "classified")


kept.write_at_commit(card_store.PRIORITIES, _follow_card_priorities)


class _TaskState(Protocol):
    """What is announced of a task: a task, or a row of its columns (read only)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def call_id(self) -> uuid.UUID: ...
    @property
    def card_id(self) -> uuid.UUID | None: ...
    @property
    def status(self) -> str: ...
    @property
    def operator(self) -> str | None: ...
    @property
    def preferred_operator(self) -> str | None: ...
    @property
    def attempts(self) -> int: ...


def publish(
    session: AsyncSession | Session, task: _TaskState, change: events.CallbackChange
) -> None:
    """Announce the task's new state on the bus (consoles, the ACD worker)."""
    emit(
        session,
        events.CHANGED,
        events.CallbackChanged(
            callback_id=str(task.id),
            call_id=str(task.call_id),
            card_id=str(task.card_id) if task.card_id else None,
            status=task.status,
            operator=task.operator,
            preferred_operator=task.preferred_operator,
            attempts=task.attempts,
            change=change,
        ),
    )
