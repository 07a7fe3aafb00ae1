"""Queues over the API: statistics, configuration, the calls in a queue, the queue log; and the
supervisor's actions on a call: move, priority, takeover."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import AwareDatetime, BaseModel

from dispatch.auth.roles import Role
from dispatch.deps import ClockDep, Principal, Session, SettingsDep, roles
from dispatch.flows.calls import follow_call
from dispatch.queues import catalog, queue_log, summary, supervisor
from dispatch.queues.schemas import (
    LogLineOut,
    MoveIn,
    PriorityIn,
    QueueCallOut,
    QueueCreate,
    QueueOut,
    QueuePatch,
    QueuesSummary,
)
from dispatch.queues.states import EntryStatus
from dispatch.queues.supervisor import Placed

router = APIRouter(prefix="/api/v1", tags=["queues"])

Watcher = Annotated[Principal, roles(Role.OPERATOR, Role.SUPERVISOR, Role.ANALYST, Role.ADMIN)]
Manager = Annotated[Principal, roles(Role.SUPERVISOR, Role.ADMIN)]
Supervisor = Annotated[Principal, roles(Role.SUPERVISOR)]
CallTaker = Annotated[Principal, roles(Role.OPERATOR, Role.SUPERVISOR)]
LogReader = Annotated[Principal, roles(Role.SUPERVISOR, Role.ANALYST, Role.ADMIN)]


class QueueDetail(BaseModel):
    """A queue's configuration and its open calls in offering order."""

    queue: QueueOut
    calls: list[QueueCallOut]


def call_out(item: Placed, now: datetime) -> QueueCallOut:
    """The API view of a call in the ACD."""
    entry = item.entry
    until = entry.connected_at or entry.ended_at or now
    return QueueCallOut(
        call_id=entry.call_id,
        queue=entry.queue,
        status=EntryStatus(entry.status),
        priority=entry.priority,
        position=item.position,
        entered_at=entry.entered_at,
        wait_s=round((until - entry.entered_at).total_seconds(), 3),
        channel=entry.channel,
        language=entry.language,
        target_operator=entry.target_operator,
        operator=entry.operator,
        connected_at=entry.connected_at,
        ended_at=entry.ended_at,
        no_answers=entry.no_answers,
    )


@router.get("/queues", response_model=QueuesSummary)
async def queues_summary(
    session: Session, _: Watcher, clock: ClockDep, settings: SettingsDep
) -> QueuesSummary:
    """Per queue and overall: now, the current interval and today (like QueueSummary)."""
    return await summary.summary(session, now=clock.now(), tz=settings.tz)


@router.post("/queues", response_model=QueueOut, status_code=status.HTTP_201_CREATED)
async def create_queue(
    body: QueueCreate, session: Session, who: Manager, clock: ClockDep
) -> QueueOut:
    """Add a queue (which calls it takes, skills, strategy, timers, service-level targets)."""
    queue = await catalog.create_queue(session, who.actor, body.spec(), now=clock.now())
    return QueueOut.model_validate(queue)


@router.get("/queues/{name}", response_model=QueueDetail)
async def get_queue(name: str, session: Session, _: Watcher, clock: ClockDep) -> QueueDetail:
    """A queue's configuration and its calls: waiting ones numbered in offering order."""
    queue = await catalog.get_queue(session, name)
    now = clock.now()
    calls = [call_out(item, now) for item in await supervisor.queue_calls(session, name)]
    return QueueDetail(queue=QueueOut.model_validate(queue), calls=calls)


@router.patch("/queues/{name}", response_model=QueueOut)
async def update_queue(
    name: str, body: QueuePatch, session: Session, who: Manager, clock: ClockDep
) -> QueueOut:
    """Change a queue: strategy, skills, timers, targets, matching, or deactivate it."""
    queue = await catalog.update_queue(session, who.actor, name, body.changes(), now=clock.now())
    return QueueOut.model_validate(queue)


@router.get("/queue-log", response_model=list[LogLineOut])
async def read_queue_log(
    session: Session,
    _: LogReader,
    call_id: uuid.UUID | None = None,
    operator: str | None = None,
    since: AwareDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[LogLineOut]:
    """The queue log, oldest first (enter, connect, abandon, complete, transfer, ...)."""
    rows = await queue_log.lines(
        session, call_id=call_id, operator=operator, since=since, limit=limit
    )
    return [LogLineOut.model_validate(row) for row in rows]


@router.get("/calls/{call_id}/queue", response_model=QueueCallOut)
async def call_in_queue(
    call_id: uuid.UUID, session: Session, _: CallTaker, clock: ClockDep
) -> QueueCallOut:
    """Where a call stands in the ACD: queue, status, priority, position, wait."""
    return call_out(await supervisor.placed(session, call_id), clock.now())


@router.post("/calls/{call_id}/move", response_model=QueueCallOut)
async def move(
    call_id: uuid.UUID, body: MoveIn, session: Session, who: Supervisor, clock: ClockDep
) -> QueueCallOut:
    """Move a waiting call to another queue, or to one operator."""
    now = clock.now()
    if body.queue is not None:
        await supervisor.move_to_queue(session, who.actor, call_id, body.queue, now=now)
    else:
        assert body.operator is not None
        await supervisor.move_to_operator(session, who.actor, call_id, body.operator, now=now)
    return call_out(await supervisor.placed(session, call_id), now)


@router.post("/calls/{call_id}/priority", response_model=QueueCallOut)
async def set_priority(
    call_id: uuid.UUID, body: PriorityIn, session: Session, who: Supervisor, clock: ClockDep
) -> QueueCallOut:
    """Raise (or lower) a waiting call's priority; higher is offered first."""
    now = clock.now()
    await supervisor.set_priority(session, who.actor, call_id, body.priority, now=now)
    return call_out(await supervisor.placed(session, call_id), now)


@router.post("/calls/{call_id}/takeover", response_model=QueueCallOut)
async def takeover(
    call_id: uuid.UUID, session: Session, who: Supervisor, clock: ClockDep
) -> QueueCallOut:
    """The supervisor takes the call (from the queue, or from the operator who has it)."""
    now = clock.now()
    await supervisor.takeover(session, who.actor, call_id, follow=follow_call, now=now)
    return call_out(await supervisor.placed(session, call_id), now)
