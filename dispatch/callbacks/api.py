"""Callbacks over HTTP: ask for one, list them in offering order, take, record attempts,
cancel, and the statistics."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from dispatch import idempotent
from dispatch.auth.roles import Role
from dispatch.callbacks import attempts, stats, tasks
from dispatch.callbacks.board import render
from dispatch.callbacks.schemas import (
    AttemptIn,
    CallbackCreate,
    CallbackList,
    CallbackOut,
    CallbackStats,
    CancelIn,
)
from dispatch.callbacks.states import CallbackStatus
from dispatch.callbacks.tasks import Policy
from dispatch.cards.routing.api import ClassifierDep
from dispatch.core.edge import BIGINT_MAX
from dispatch.deps import ClockDep, Principal, Session, SettingsDep, roles
from dispatch.errors import Invalid
from dispatch.idempotent import IdempotencyKey

router = APIRouter(prefix="/api/v1", tags=["callbacks"])

CallTaker = Annotated[Principal, roles(Role.OPERATOR, Role.SUPERVISOR)]
Dialler = Annotated[Principal, roles(Role.OPERATOR, Role.SUPERVISOR, Role.GATEWAY)]
Supervisor = Annotated[Principal, roles(Role.SUPERVISOR)]
Watcher = Annotated[Principal, roles(Role.OPERATOR, Role.SUPERVISOR, Role.QA, Role.ANALYST)]
Reporter = Annotated[Principal, roles(Role.SUPERVISOR, Role.QA, Role.ANALYST)]
StatusFilter = Annotated[
    CallbackStatus | None,
    Query(alias="status", description="one status; without it every open task (pending, dialing)"),
]


@router.post(
    "/calls/{call_id}/callbacks", response_model=CallbackOut, status_code=status.HTTP_201_CREATED
)
async def request_callback(
    call_id: uuid.UUID,
    body: CallbackCreate,
    request: Request,
    session: Session,
    who: CallTaker,
    clock: ClockDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Call an ended call back (409 while a task is open, after three attempts, or no number)."""
    now = clock.now()
    keyed = await idempotent.begin(request, session, who.actor, idempotency_key, now=now)
    if isinstance(keyed, Response):
        return keyed
    task = await tasks.request(session, who.actor, call_id, body.reason, now=now)
    out = (await render(session, [task], Policy.of(settings), now))[0]
    answer = JSONResponse(jsonable_encoder(out), status_code=status.HTTP_201_CREATED)
    return await idempotent.finish(keyed, answer, "callback", str(task.id))


@router.get("/callbacks", response_model=CallbackList)
async def list_callbacks(
    session: Session,
    _: Watcher,
    clock: ClockDep,
    settings: SettingsDep,
    status_filter: StatusFilter = None,
    operator: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=BIGINT_MAX)] = 0,
) -> CallbackList:
    """Tasks: ``status=pending`` in the order operators get them; other states newest first."""
    now, policy = clock.now(), Policy.of(settings)
    rows, total = await tasks.list_tasks(
        session,
        status=status_filter,
        open_only=status_filter is None,
        operator=operator,
        policy=policy,
        now=now,
        limit=limit,
        offset=offset,
    )
    return CallbackList(items=await render(session, rows, policy, now), total=total)


@router.get("/callbacks/stats", response_model=CallbackStats)
async def callback_stats(
    session: Session,
    _: Reporter,
    clock: ClockDep,
    settings: SettingsDep,
    since: datetime | None = None,
    until: datetime | None = None,
) -> CallbackStats:
    """Made, success rate, drop to first attempt, unreachable; default the last 24 hours."""
    until = until or clock.now()
    since = since or until - timedelta(hours=24)
    if since.tzinfo is None or until.tzinfo is None:
        raise Invalid("since, until: give a time zone (e.g. 2026-11-22T08:00:00+05:00)")
    if since >= until:
        raise Invalid("since must be before until")
    return await stats.period(
        session, since=since, until=until, target_s=settings.callback_target_s
    )


@router.get("/callbacks/{callback_id}", response_model=CallbackOut)
async def get_callback(
    callback_id: uuid.UUID, session: Session, _: Watcher, clock: ClockDep, settings: SettingsDep
) -> CallbackOut:
    """One task with its attempts."""
    task = await tasks.get_task(session, callback_id)
    return (await render(session, [task], Policy.of(settings), clock.now()))[0]


@router.post("/callbacks/{callback_id}/take", response_model=CallbackOut)
async def take_callback(
    callback_id: uuid.UUID, session: Session, who: CallTaker, clock: ClockDep, settings: SettingsDep
) -> CallbackOut:
    """Dial a pending task now from your own set (409 when someone else took it)."""
    now, policy = clock.now(), Policy.of(settings)
    await attempts.take(session, who.actor, callback_id, policy=policy, now=now)
    task = await tasks.get_task(session, callback_id)
    return (await render(session, [task], policy, now))[0]


@router.post(
    "/callbacks/{callback_id}/attempts",
    response_model=CallbackOut,
    status_code=status.HTTP_201_CREATED,
)
async def record_attempt(
    callback_id: uuid.UUID,
    body: AttemptIn,
    session: Session,
    who: Dialler,
    clock: ClockDep,
    settings: SettingsDep,
    classifier: ClassifierDep,
) -> CallbackOut:
    """An attempt's outcome: reached, no_answer, busy, invalid_number, voicemail or refused.
    At most three; the third failure closes the task as unreachable (409 after that)."""
    now, policy = clock.now(), Policy.of(settings)
    await attempts.record(
        session, who.actor, callback_id, body, policy=policy, classifier=classifier, now=now
    )
    task = await tasks.get_task(session, callback_id)
    return (await render(session, [task], policy, now))[0]


@router.post("/callbacks/{callback_id}/cancel", response_model=CallbackOut)
async def cancel_callback(
    callback_id: uuid.UUID,
    body: CancelIn,
    session: Session,
    who: Supervisor,
    clock: ClockDep,
    settings: SettingsDep,
) -> CallbackOut:
    """A supervisor closes an open task with a reason."""
    now = clock.now()
    task = await attempts.cancel(session, who.actor, callback_id, body.reason, now=now)
    return (await render(session, [task], Policy.of(settings), now))[0]
