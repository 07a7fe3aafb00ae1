"""The effect of training on QA scores (B1.03).

For each trainee who attended a held session, the QA score on the programme's targeted items
— the share of ``yes`` among the ``yes``/``no`` answers to those items (``na`` left out) in the
newest revisions of official evaluations on the programme's scorecard of the trainee's calls —
in the ``days`` before the session's start and the same ``days`` after its end, with the
counts; the effect is after minus before. A programme pools its trainees' answers (every
answer weighs the same), and adds the test pass rate (passed of tested) and the mean feedback.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.core.actor import Actor
from dispatch.qa import findings, names
from dispatch.training.models import Programme, Trainee, TrainingSession
from dispatch.training.schemas import SessionStatus


class Window(BaseModel):
    """The answers to the targeted items in one window."""

    since: datetime | None
    until: datetime | None
    evaluations: int
    yes: int
    no: int
    score: float | None  # yes / (yes + no), four decimals; None without answers


class TraineeEffect(BaseModel):
    """One trainee of one held session."""

    programme_id: uuid.UUID
    session_id: uuid.UUID
    starts_at: datetime
    username: str
    name: str | None
    before: Window
    after: Window
    effect: float | None
    after_complete: bool  # the after window is over (a later evaluation may still come)
    test_score: float | None
    test_passed: bool | None
    rating: int | None


class ProgrammeEffect(BaseModel):
    """A programme over its held sessions' attending trainees."""

    programme_id: uuid.UUID
    title: dict[str, str]
    scorecard: str
    items: list[str]
    sessions: int
    trainees: int
    before: Window
    after: Window
    effect: float | None
    tested: int
    passed: int
    pass_rate: float | None
    feedback: int
    mean_rating: float | None


class Report(BaseModel):
    """The effect of every programme asked for, and of each of its trainees."""

    days: int
    programmes: list[ProgrammeEffect]
    trainees: list[TraineeEffect]


def _share(yes: int, no: int) -> float | None:
    return round(yes / (yes + no), 4) if yes + no else None


def window(
    answers: Iterable[findings.ItemAnswer], since: datetime | None, until: datetime | None
) -> Window:
    """The counts and score of ``answers`` (already of one window)."""
    yes = no = 0
    evaluations: set[uuid.UUID] = set()
    for answer in answers:
        if answer.answer == "yes":
            yes += 1
        elif answer.answer == "no":
            no += 1
        else:
            continue
        evaluations.add(answer.evaluation_id)
    return Window(
        since=since, until=until, evaluations=len(evaluations), yes=yes, no=no,
        score=_share(yes, no),
    )  # fmt: skip


def _effect(before: Window, after: Window) -> float | None:
    if before.score is None or after.score is None:
        return None
    return round(after.score - before.score, 4)


def _pooled(windows: list[Window]) -> Window:
    yes = sum(w.yes for w in windows)
    no = sum(w.no for w in windows)
    return Window(
        since=None, until=None, evaluations=sum(w.evaluations for w in windows), yes=yes, no=no,
        score=_share(yes, no),
    )  # fmt: skip


async def report(
    session: AsyncSession,
    *,
    days: int,
    now: datetime,
    programme_id: uuid.UUID | None = None,
    username: str | None = None,
) -> Report:
    """The effect per programme and per trainee (of one programme or trainee when given)."""
    query = select(Programme).order_by(Programme.created_at.desc())
    if programme_id is not None:
        query = query.where(Programme.id == programme_id)
    chosen = list((await session.scalars(query)).all())
    named = await names.load(session, "en")
    span = timedelta(days=days)
    programme_rows: list[ProgrammeEffect] = []
    trainee_rows: list[TraineeEffect] = []
    for programme in chosen:
        held = list(
            (
                await session.scalars(
                    select(TrainingSession)
                    .where(
                        TrainingSession.programme_id == programme.id,
                        TrainingSession.status == SessionStatus.HELD.value,
                    )
                    .order_by(TrainingSession.starts_at, TrainingSession.id)
                )
            ).all()
        )
        mine: list[TraineeEffect] = []
        for row in held:
            query_t = select(Trainee).where(
                Trainee.session_id == row.id, Trainee.attended.is_(True)
            )
            if username is not None:
                query_t = query_t.where(Trainee.username == username)
            ends_at = row.starts_at + timedelta(minutes=row.minutes)
            for trainee in (await session.scalars(query_t.order_by(Trainee.username))).all():
                mine.append(
                    await _trainee(session, programme, row, trainee, ends_at, span, now, named)
                )
        tested = [t for t in mine if t.test_passed is not None]
        passed = sum(1 for t in tested if t.test_passed)
        ratings = [t.rating for t in mine if t.rating is not None]
        before = _pooled([t.before for t in mine])
        after = _pooled([t.after for t in mine])
        programme_rows.append(
            ProgrammeEffect(
                programme_id=programme.id,
                title=programme.title,
                scorecard=programme.scorecard,
                items=programme.items,
                sessions=len({t.session_id for t in mine}) if username else len(held),
                trainees=len(mine),
                before=before,
                after=after,
                effect=_effect(before, after),
                tested=len(tested),
                passed=passed,
                pass_rate=round(passed / len(tested), 4) if tested else None,
                feedback=len(ratings),
                mean_rating=round(sum(ratings) / len(ratings), 2) if ratings else None,
            )
        )
        trainee_rows.extend(mine)
    return Report(days=days, programmes=programme_rows, trainees=trainee_rows)


async def _trainee(
    session: AsyncSession,
    programme: Programme,
    row: TrainingSession,
    trainee: Trainee,
    ends_at: datetime,
    span: timedelta,
    now: datetime,
    named: names.Names,
) -> TraineeEffect:
    windows = []
    for since, until in ((row.starts_at - span, row.starts_at), (ends_at, ends_at + span)):
        answers = await findings.item_answers(
            session, operators=[trainee.username], scorecard=programme.scorecard,
            items=programme.items, since=since, until=until,
        )  # fmt: skip
        windows.append(window(answers, since, until))
    before, after = windows
    return TraineeEffect(
        programme_id=programme.id,
        session_id=row.id,
        starts_at=row.starts_at,
        username=trainee.username,
        name=named.person(trainee.username),
        before=before,
        after=after,
        effect=_effect(before, after),
        after_complete=ends_at + span <= now,
        test_score=trainee.test_score,
        test_passed=trainee.test_passed,
        rating=trainee.rating,
    )


async def record_export(
    session: AsyncSession, actor: Actor, fmt: str, asked: Report, *, now: datetime
) -> None:
    """An export of people's QA scores leaves the system: audit it."""
    await audit.record(
        session,
        actor,
        "training.effectiveness.export",
        "training_effectiveness",
        f"{asked.days}d",
        {
            "format": fmt,
            "programmes": [str(p.programme_id) for p in asked.programmes],
            "trainees": len(asked.trainees),
        },
        at=now,
    )
