"""Sessions of a programme: planned for a time with a trainer, people invited (suggested by
their open QA training topics on the programme's items or by the programme's schedules, or by
hand), attendance, the test scored by the server, and the trainees' feedback.

A session is ``planned`` until its attendance is recorded (``held``) or it is ``cancelled``;
both are final (``TRANSITIONS``). People are invited while it is planned; attendance is
recorded once it has started (and may be corrected while held); a test result and feedback
belong to someone who attended a held session.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.auth import service as auth
from dispatch.auth.roles import Role
from dispatch.consoles import notices
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.errors import Conflict, Invalid, NotFound, said
from dispatch.qa import findings, names
from dispatch.training import programmes, schedules
from dispatch.training.models import Trainee, TrainingSession
from dispatch.training.schemas import (
    AttendanceIn,
    FeedbackIn,
    SessionIn,
    SessionOut,
    SessionStatus,
    Suggested,
    SuggestedTopic,
    TestAnswers,
    TraineeOut,
)

S = SessionStatus
TRANSITIONS: Mapping[SessionStatus, frozenset[SessionStatus]] = {
    S.PLANNED: frozenset({S.HELD, S.CANCELLED}),
    S.HELD: frozenset(),
    S.CANCELLED: frozenset(),
}
TRAINEES = frozenset({Role.OPERATOR.value, Role.SUPERVISOR.value})
TRAINERS = frozenset({Role.TRAINER.value, Role.SUPERVISOR.value})


def _move(row: TrainingSession, to: SessionStatus, *, now: datetime) -> None:
    current = SessionStatus(row.status)
    if to not in TRANSITIONS[current]:
        raise Conflict(
            f"training session {row.id} is {current}; it cannot become {to}",
            said=said("training_session_status", status=current.value),
        )
    row.status = to
    row.updated_at = now


async def plan(
    session: AsyncSession, actor: Actor, data: SessionIn, *, now: datetime
) -> SessionOut:
    """Plan a session of a programme."""
    programme = await programmes.get_row(session, data.programme_id)
    trainer = data.trainer or actor.username
    await _person(session, trainer, TRAINERS, "trainer", "a trainer or supervisor")
    row = TrainingSession(
        id=uuid.uuid4(),
        programme_id=programme.id,
        starts_at=data.starts_at,
        minutes=data.minutes,
        place=data.place,
        trainer=trainer,
        status=S.PLANNED.value,
        note=data.note,
        created_at=now,
        created_by=actor.username,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session, actor, "training.session.plan", "training_session", str(row.id),
        {"programme_id": str(programme.id), "starts_at": data.starts_at.isoformat(),
         "trainer": trainer},
        at=now,
    )  # fmt: skip
    return await describe(session, row)


async def _person(
    session: AsyncSession, username: str, allowed: frozenset[str], field: str, what: str
) -> None:
    try:
        user = await auth.get_user(session, username)
    except NotFound as exc:
        raise Invalid(f"{field}: there is no account {username!r}") from exc
    if user.role not in allowed:
        raise Invalid(f"{field}: {username} is a {user.role}, not {what}")


async def get_row(
    session: AsyncSession, session_id: uuid.UUID, *, lock: bool = False
) -> TrainingSession:
    """The session's row; NotFound otherwise."""
    query = select(TrainingSession).where(TrainingSession.id == session_id)
    if lock:
        query = query.with_for_update(key_share=True)
    row = await session.scalar(query)
    if row is None:
        raise NotFound(f"no training session with id {session_id}")
    return row


async def trainees_of(session: AsyncSession, session_ids: Sequence[uuid.UUID]) -> list[Trainee]:
    """The trainees of these sessions, by session then username."""
    if not session_ids:
        return []
    rows = await session.scalars(
        select(Trainee)
        .where(Trainee.session_id.in_(list(session_ids)))
        .order_by(Trainee.session_id, Trainee.username)
    )
    return list(rows.all())


async def describe(session: AsyncSession, row: TrainingSession) -> SessionOut:
    """The session with its trainees and the people's names."""
    return (await describe_many(session, [row]))[0]


async def describe_many(session: AsyncSession, rows: Sequence[TrainingSession]) -> list[SessionOut]:
    """Sessions with their trainees and the people's names."""
    named = await names.load(session, "en")
    trainees = await trainees_of(session, [r.id for r in rows])
    titles = await programmes.titles(session, {r.programme_id for r in rows})
    out = []
    for row in rows:
        described = SessionOut.model_validate(row)
        described.programme_title = titles.get(row.programme_id, {})
        described.trainer_name = named.person(row.trainer)
        for trainee in trainees:
            if trainee.session_id == row.id:
                one = TraineeOut.model_validate(trainee)
                one.name = named.person(trainee.username)
                described.trainees.append(one)
        out.append(described)
    return out


async def list_sessions(
    session: AsyncSession, *, programme_id: uuid.UUID | None, limit: int
) -> list[SessionOut]:
    """Sessions, the latest start first (of one programme when given)."""
    query = select(TrainingSession)
    if programme_id is not None:
        query = query.where(TrainingSession.programme_id == programme_id)
    rows = await session.scalars(
        query.order_by(TrainingSession.starts_at.desc(), TrainingSession.id).limit(limit)
    )
    return await describe_many(session, list(rows.all()))


async def cancel(
    session: AsyncSession, actor: Actor, session_id: uuid.UUID, *, now: datetime
) -> SessionOut:
    """Cancel a planned session."""
    row = await get_row(session, session_id, lock=True)
    _move(row, S.CANCELLED, now=now)
    await audit.record(
        session, actor, "training.session.cancel", "training_session", str(row.id), {}, at=now
    )
    invited = [t.username for t in await trainees_of(session, [row.id])]
    emit(session, notices.CHANGED, notices.NoticesChanged(usernames=invited, roles=[]))
    return await describe(session, row)


async def suggested(
    session: AsyncSession,
    programme_id: uuid.UUID,
    *,
    now: datetime,
    tz: ZoneInfo,
    session_id: uuid.UUID | None = None,
) -> list[Suggested]:
    """Operators and supervisors with open QA topics on the programme's items (D2.01), most
    topics first, then those the programme's schedules make due by the session's day (today
    without a session), never trained and the earliest due first; ``invited`` when already
    invited to ``session_id``."""
    programme = await programmes.get_row(session, programme_id)
    topics = await findings.open_topics(
        session, scorecard=programme.scorecard, items=programme.items
    )
    invited: set[str] = set()
    day = now.astimezone(tz).date()
    if session_id is not None:
        row = await get_row(session, session_id)
        day = row.starts_at.astimezone(tz).date()
        invited = {t.username for t in await trainees_of(session, [session_id])}
    due = await schedules.due_for_session(session, programme.id, day, tz=tz, session_id=session_id)
    by_person: dict[str, list[SuggestedTopic]] = {}
    for topic in topics:
        by_person.setdefault(topic.operator, []).append(
            SuggestedTopic(id=topic.id, item=topic.item, topic=topic.topic,
                           created_at=topic.created_at)
        )  # fmt: skip
    named = await names.load(session, "en")
    out = []
    for username in [*by_person, *(u for u in due if u not in by_person)]:
        schedule_id, person = due.get(username, (None, None))
        out.append(
            Suggested(
                username=username, name=named.person(username),
                source="qa" if username in by_person else "schedule",
                topics=by_person.get(username, []), invited=username in invited,
                schedule_id=schedule_id, last_attended=person.last_attended if person else None,
                due_on=person.due_on if person else None,
            )
        )  # fmt: skip
    return sorted(out, key=lambda s: (s.source, -len(s.topics), s.due_on or date.min, s.username))


async def invite(
    session: AsyncSession,
    actor: Actor,
    session_id: uuid.UUID,
    usernames: Sequence[str],
    *,
    now: datetime,
    tz: ZoneInfo,
) -> SessionOut:
    """Invite people to a planned session; someone with open QA topics on the programme's
    items comes from QA (``source: qa`` with those topics), someone a schedule of the
    programme makes due by the session's day from that schedule (``schedule``), anyone else
    by hand."""
    row = await get_row(session, session_id, lock=True)
    if row.status != S.PLANNED.value:
        raise Conflict(
            f"training session {row.id} is {row.status}; people are invited while it is planned",
            said=said("training_session_status", status=row.status),
        )
    programme = await programmes.get_row(session, row.programme_id)
    already = {t.username for t in await trainees_of(session, [row.id])}
    wanted = [u for u in dict.fromkeys(usernames) if u not in already]
    for username in wanted:
        await _person(session, username, TRAINEES, "usernames", "an operator or supervisor")
    topics = await findings.open_topics(
        session, scorecard=programme.scorecard, items=programme.items
    )
    due = await schedules.due_for_session(
        session, programme.id, row.starts_at.astimezone(tz).date(), tz=tz, session_id=row.id
    )
    for username in wanted:
        mine = [str(t.id) for t in topics if t.operator == username]
        schedule_id = due[username][0] if username in due else None
        session.add(
            Trainee(
                session_id=row.id,
                username=username,
                source="qa" if mine else "schedule" if schedule_id else "hand",
                topic_ids=mine,
                schedule_id=schedule_id,
                invited_at=now,
                invited_by=actor.username,
            )
        )
    await session.flush()
    if wanted:
        await audit.record(
            session, actor, "training.session.invite", "training_session", str(row.id),
            {"usernames": wanted}, at=now,
        )  # fmt: skip
        # Their consoles remind them of the session (consoles/notices.py).
        emit(session, notices.CHANGED, notices.NoticesChanged(usernames=wanted, roles=[]))
    return await describe(session, row)


async def _trainee(session: AsyncSession, row: TrainingSession, username: str) -> Trainee:
    found = await session.scalar(
        select(Trainee)
        .where(Trainee.session_id == row.id, Trainee.username == username)
        .with_for_update(key_share=True)
    )
    if found is None:
        raise NotFound(f"{username} is not invited to training session {row.id}")
    return found


async def record_attendance(
    session: AsyncSession,
    actor: Actor,
    session_id: uuid.UUID,
    data: AttendanceIn,
    *,
    now: datetime,
) -> SessionOut:
    """Who came; the first record makes a started session held, a later one corrects it.
    The open QA training topics someone who came was invited with are closed as done."""
    row = await get_row(session, session_id, lock=True)
    if row.status == S.CANCELLED.value:
        raise Conflict(
            f"training session {row.id} is cancelled",
            said=said("training_session_status", status=row.status),
        )
    if now < row.starts_at:
        raise Conflict(
            f"training session {row.id} starts at {row.starts_at.isoformat()}; "
            "attendance is recorded once it has started",
            said=said("training_not_started"),
        )
    trainees = {t.username: t for t in await trainees_of(session, [row.id])}
    unknown = sorted(set(data.attended) - set(trainees))
    if unknown:
        raise Invalid(f"attended: {', '.join(unknown)} is not invited to this session")
    for username, came in data.attended.items():
        trainee = trainees[username]
        if not came and trainee.test_score is not None:
            raise Conflict(f"{username} has a test result; they attended")
        trainee.attended = came
        trainee.attendance_by = actor.username
        if came:  # D2.01: the QA topics the session covered are done
            await findings.close_topics(
                session, actor, trainee.topic_ids, note=f"Trained in session {row.id}", now=now
            )
    if row.status == S.PLANNED.value:
        _move(row, S.HELD, now=now)
    await session.flush()
    await audit.record(
        session, actor, "training.session.attendance", "training_session", str(row.id),
        {"attended": dict(data.attended)}, at=now,
    )  # fmt: skip
    return await describe(session, row)


def score(test: Mapping[str, object], answers: Sequence[int]) -> tuple[float, bool]:
    """The share of right answers in per cent (two decimals) and whether it reaches the pass
    mark; ``answers`` must answer every question with one of its choices."""
    questions = test["questions"]
    assert isinstance(questions, list)
    if len(answers) != len(questions):
        raise Invalid(f"answers: the test has {len(questions)} questions, {len(answers)} answered")
    right = 0
    for index, (question, given) in enumerate(zip(questions, answers, strict=True)):
        if not 0 <= given < len(question["choices"]):
            raise Invalid(f"answers[{index}]: {given} is not one of the question's choices")
        right += given == question["answer"]
    percent = round(100 * right / len(questions), 2)
    pass_mark = test["pass_mark"]
    assert isinstance(pass_mark, int | float)
    return percent, percent >= pass_mark


async def record_test(
    session: AsyncSession,
    actor: Actor,
    session_id: uuid.UUID,
    username: str,
    data: TestAnswers,
    *,
    now: datetime,
) -> TraineeOut:
    """Score a trainee's test answers (given on paper to the trainer, or by the trainee)."""
    row = await get_row(session, session_id)
    trainee = await _trainee(session, row, username)
    _attended(row, trainee)
    programme = await programmes.get_row(session, row.programme_id)
    percent, passed = score(programme.test, data.answers)
    trainee.test_answers = list(data.answers)
    trainee.test_score = percent
    trainee.test_passed = passed
    trainee.tested_at = now
    trainee.tested_by = actor.username
    await audit.record(
        session, actor, "training.session.test", "training_session", str(row.id),
        {"username": username, "score": percent, "passed": passed}, at=now,
    )  # fmt: skip
    return TraineeOut.model_validate(trainee)


def _attended(row: TrainingSession, trainee: Trainee) -> None:
    if row.status != S.HELD.value or not trainee.attended:
        raise Conflict(
            f"{trainee.username} did not attend training session {row.id} (or it is not held)",
            said=said("training_not_attended"),
        )


async def record_feedback(
    session: AsyncSession,
    actor: Actor,
    session_id: uuid.UUID,
    data: FeedbackIn,
    *,
    now: datetime,
) -> TraineeOut:
    """The trainee's own rating and comment of a session they attended (a later one replaces
    it)."""
    row = await get_row(session, session_id)
    trainee = await _trainee(session, row, actor.username)
    _attended(row, trainee)
    trainee.rating = data.rating
    trainee.comment = data.comment
    trainee.feedback_at = now
    await audit.record(
        session, actor, "training.session.feedback", "training_session", str(row.id),
        {"rating": data.rating}, at=now,
    )  # fmt: skip
    return TraineeOut.model_validate(trainee)
