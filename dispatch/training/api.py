"""Training over HTTP: trainers (and supervisors, who train on QA's findings) build programmes,
plan sessions, invite, record attendance and tests, and read the effect on QA scores; QA
reads the effect; trainers, supervisors and admins keep the schedules that make a programme
due again; a trainee sees their own assignments and gives feedback."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Response, status

from dispatch.auth.roles import Role
from dispatch.deps import ClockDep, Principal, Session, SettingsDep, roles
from dispatch.training import effectiveness, exports, me, programmes, schedules, sessions
from dispatch.training.schemas import (
    Assignment,
    AttendanceIn,
    DuePerson,
    FeedbackIn,
    InviteIn,
    ProgrammeIn,
    ProgrammeOut,
    ScheduleIn,
    ScheduleOut,
    ScorecardItem,
    SessionIn,
    SessionOut,
    StandardTask,
    Suggested,
    TestAnswers,
    TraineeOut,
)
from dispatch.training.standard import TASKS

router = APIRouter(prefix="/api/v1/training", tags=["training"])

Trainer = Annotated[Principal, roles(Role.TRAINER, Role.SUPERVISOR)]
EffectReader = Annotated[Principal, roles(Role.TRAINER, Role.SUPERVISOR, Role.QA)]
TraineeUser = Annotated[Principal, roles(Role.OPERATOR, Role.SUPERVISOR)]
Scheduler = Annotated[Principal, roles(Role.TRAINER, Role.SUPERVISOR, Role.ADMIN)]
Language = Literal["uz", "ru", "en"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/standard", response_model=list[StandardTask])
async def standard(_: EffectReader) -> list[StandardTask]:
    """The professional standard's tasks a programme may serve (codes, names, levels)."""
    return [StandardTask.model_validate(t, from_attributes=True) for t in TASKS]


@router.get("/scorecard-items", response_model=list[ScorecardItem])
async def scorecard_items(
    session: Session, _: EffectReader, scorecard: str = "ace"
) -> list[ScorecardItem]:
    """The items of a QA scorecard's newest version a programme may target."""
    return await programmes.scorecard_items(session, scorecard)


@router.get("/programmes", response_model=list[ProgrammeOut])
async def list_programmes(session: Session, _: EffectReader) -> list[ProgrammeOut]:
    """Every programme, newest first."""
    return await programmes.list_all(session)


@router.post("/programmes", response_model=ProgrammeOut, status_code=status.HTTP_201_CREATED)
async def create_programme(
    body: ProgrammeIn, session: Session, who: Trainer, clock: ClockDep
) -> ProgrammeOut:
    """A new programme."""
    return await programmes.create(session, who.actor, body, now=clock.now())


@router.get("/programmes/{programme_id}", response_model=ProgrammeOut)
async def get_programme(programme_id: uuid.UUID, session: Session, _: EffectReader) -> ProgrammeOut:
    """One programme."""
    return await programmes.get(session, programme_id)


@router.put("/programmes/{programme_id}", response_model=ProgrammeOut)
async def update_programme(
    programme_id: uuid.UUID, body: ProgrammeIn, session: Session, who: Trainer, clock: ClockDep
) -> ProgrammeOut:
    """Replace a programme no session has used yet (409 once one has)."""
    return await programmes.update(session, who.actor, programme_id, body, now=clock.now())


@router.get("/programmes/{programme_id}/suggested-trainees", response_model=list[Suggested])
async def suggested_trainees(
    programme_id: uuid.UUID,
    session: Session,
    _: Trainer,
    clock: ClockDep,
    settings: SettingsDep,
    session_id: uuid.UUID | None = None,
) -> list[Suggested]:
    """People whose open QA training topics fall on the programme's items, most first, then
    those its schedules make due by the session's day (today without ``session_id``)."""
    return await sessions.suggested(
        session, programme_id, now=clock.now(), tz=settings.tz, session_id=session_id
    )


@router.get("/schedules", response_model=list[ScheduleOut])
async def list_schedules(
    session: Session, _: Scheduler, clock: ClockDep, settings: SettingsDep, ended: bool = False
) -> list[ScheduleOut]:
    """The schedules in force (``ended=true``: the ended ones too), newest first."""
    return await schedules.list_all(session, ended=ended, now=clock.now(), tz=settings.tz)


@router.post("/schedules", response_model=ScheduleOut, status_code=status.HTTP_201_CREATED)
async def create_schedule(
    body: ScheduleIn, session: Session, who: Scheduler, clock: ClockDep, settings: SettingsDep
) -> ScheduleOut:
    """A programme due again every so many months for the roles and skills named."""
    return await schedules.create(session, who.actor, body, now=clock.now(), tz=settings.tz)


@router.get("/schedules/{schedule_id}", response_model=ScheduleOut)
async def get_schedule(
    schedule_id: uuid.UUID, session: Session, _: Scheduler, clock: ClockDep, settings: SettingsDep
) -> ScheduleOut:
    """One schedule."""
    return await schedules.get(session, schedule_id, now=clock.now(), tz=settings.tz)


@router.put("/schedules/{schedule_id}", response_model=ScheduleOut)
async def update_schedule(
    schedule_id: uuid.UUID,
    body: ScheduleIn,
    session: Session,
    who: Scheduler,
    clock: ClockDep,
    settings: SettingsDep,
) -> ScheduleOut:
    """Replace a schedule in force (409 once ended)."""
    return await schedules.update(
        session, who.actor, schedule_id, body, now=clock.now(), tz=settings.tz
    )


@router.post("/schedules/{schedule_id}/end", response_model=ScheduleOut)
async def end_schedule(
    schedule_id: uuid.UUID, session: Session, who: Scheduler, clock: ClockDep, settings: SettingsDep
) -> ScheduleOut:
    """End a schedule (409 when it already ended)."""
    return await schedules.end(session, who.actor, schedule_id, now=clock.now(), tz=settings.tz)


@router.get("/schedules/{schedule_id}/due", response_model=list[DuePerson])
async def schedule_due(
    schedule_id: uuid.UUID, session: Session, _: Scheduler, clock: ClockDep, settings: SettingsDep
) -> list[DuePerson]:
    """Who the schedule makes due by today plus its lead days, never trained first."""
    return await schedules.due(session, schedule_id, now=clock.now(), tz=settings.tz)


@router.get("/sessions", response_model=list[SessionOut])
async def list_sessions(
    session: Session,
    _: EffectReader,
    programme_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[SessionOut]:
    """Sessions, the latest start first."""
    return await sessions.list_sessions(session, programme_id=programme_id, limit=limit)


@router.post("/sessions", response_model=SessionOut, status_code=status.HTTP_201_CREATED)
async def plan_session(
    body: SessionIn, session: Session, who: Trainer, clock: ClockDep
) -> SessionOut:
    """Plan a session of a programme."""
    return await sessions.plan(session, who.actor, body, now=clock.now())


@router.get("/sessions/{session_id}", response_model=SessionOut)
async def get_session(session_id: uuid.UUID, session: Session, _: EffectReader) -> SessionOut:
    """One session with its trainees."""
    return await sessions.describe(session, await sessions.get_row(session, session_id))


@router.post("/sessions/{session_id}/cancel", response_model=SessionOut)
async def cancel_session(
    session_id: uuid.UUID, session: Session, who: Trainer, clock: ClockDep
) -> SessionOut:
    """Cancel a planned session."""
    return await sessions.cancel(session, who.actor, session_id, now=clock.now())


@router.post("/sessions/{session_id}/trainees", response_model=SessionOut)
async def invite(
    session_id: uuid.UUID,
    body: InviteIn,
    session: Session,
    who: Trainer,
    clock: ClockDep,
    settings: SettingsDep,
) -> SessionOut:
    """Invite people to a planned session (their open QA topics on its items go with them; a
    schedule that makes them due is named)."""
    return await sessions.invite(
        session, who.actor, session_id, body.usernames, now=clock.now(), tz=settings.tz
    )


@router.put("/sessions/{session_id}/attendance", response_model=SessionOut)
async def attendance(
    session_id: uuid.UUID, body: AttendanceIn, session: Session, who: Trainer, clock: ClockDep
) -> SessionOut:
    """Who came; the session becomes held."""
    return await sessions.record_attendance(session, who.actor, session_id, body, now=clock.now())


@router.put("/sessions/{session_id}/trainees/{username}/test", response_model=TraineeOut)
async def record_test(
    session_id: uuid.UUID,
    username: str,
    body: TestAnswers,
    session: Session,
    who: Trainer,
    clock: ClockDep,
) -> TraineeOut:
    """A trainee's answers (given on paper), scored by the server."""
    return await sessions.record_test(
        session, who.actor, session_id, username, body, now=clock.now()
    )


@router.get("/me", response_model=list[Assignment])
async def my_training(session: Session, who: TraineeUser) -> list[Assignment]:
    """My sessions, the programmes (the tests without their answers) and my results."""
    return await me.assignments(session, who.actor.username)


@router.put("/me/sessions/{session_id}/test", response_model=TraineeOut)
async def my_test(
    session_id: uuid.UUID, body: TestAnswers, session: Session, who: TraineeUser, clock: ClockDep
) -> TraineeOut:
    """Answer a session's test myself; scored by the server."""
    return await sessions.record_test(
        session, who.actor, session_id, who.actor.username, body, now=clock.now()
    )


@router.put("/me/sessions/{session_id}/feedback", response_model=TraineeOut)
async def my_feedback(
    session_id: uuid.UUID, body: FeedbackIn, session: Session, who: TraineeUser, clock: ClockDep
) -> TraineeOut:
    """Rate a session I attended (1-5) with a comment."""
    return await sessions.record_feedback(session, who.actor, session_id, body, now=clock.now())


async def effect_report(
    _: EffectReader,
    session: Session,
    clock: ClockDep,
    days: Annotated[int, Query(ge=1, le=366)] = 30,
    programme_id: uuid.UUID | None = None,
    username: str | None = None,
) -> effectiveness.Report:
    """The effect report the request asks for."""
    return await effectiveness.report(
        session, days=days, now=clock.now(), programme_id=programme_id, username=username
    )


EffectDep = Annotated[effectiveness.Report, Depends(effect_report)]


@router.get("/effectiveness", response_model=effectiveness.Report)
async def effect(asked: EffectDep) -> effectiveness.Report:
    """Per programme and trainee: QA scores on the targeted items before and after, the test
    pass rate and the feedback."""
    return asked


@router.get("/effectiveness/export.xlsx", response_class=Response)
async def effect_xlsx(
    asked: EffectDep,
    session: Session,
    who: EffectReader,
    clock: ClockDep,
    settings: SettingsDep,
    language: Language = "en",
) -> Response:
    """The report as a workbook: programmes, trainees (audited)."""
    await effectiveness.record_export(session, who.actor, "xlsx", asked, now=clock.now())
    content = exports.to_xlsx(asked, language, settings.tz)
    return _attachment(content, XLSX, f"training-effect-{asked.days}d.xlsx")


@router.get("/effectiveness/export.csv", response_class=Response)
async def effect_csv(
    asked: EffectDep,
    session: Session,
    who: EffectReader,
    clock: ClockDep,
    settings: SettingsDep,
    table: exports.Table = exports.Table.PROGRAMMES,
    language: Language = "en",
) -> Response:
    """One table of the report as CSV (``table``: programmes, trainees; audited)."""
    await effectiveness.record_export(session, who.actor, f"csv:{table}", asked, now=clock.now())
    content = exports.to_csv(asked, table, language, settings.tz)
    return _attachment(content, "text/csv; charset=utf-8", f"training-{table}-{asked.days}d.csv")


def _attachment(content: bytes | str, media_type: str, name: str) -> Response:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
