"""What a trainee sees of their own training: the sessions they are invited to, the programme
(the test without its answers) and their own results."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.qa import names
from dispatch.training.models import Programme, Trainee, TrainingSession
from dispatch.training.schemas import Assignment, Module, QuestionOut, SessionStatus


async def assignments(session: AsyncSession, username: str) -> list[Assignment]:
    """Every session ``username`` is invited to, the latest start first."""
    rows = await session.execute(
        select(Trainee, TrainingSession, Programme)
        .join(TrainingSession, TrainingSession.id == Trainee.session_id)
        .join(Programme, Programme.id == TrainingSession.programme_id)
        .where(Trainee.username == username)
        .order_by(TrainingSession.starts_at.desc(), TrainingSession.id)
    )
    named = await names.load(session, "en")
    return [
        Assignment(
            session_id=s.id,
            programme_id=p.id,
            title=p.title,
            goals=p.goals,
            modules=[Module.model_validate(m) for m in p.modules],
            starts_at=s.starts_at,
            minutes=s.minutes,
            place=s.place,
            trainer=s.trainer,
            trainer_name=named.person(s.trainer),
            status=SessionStatus(s.status),
            attended=t.attended,
            pass_mark=p.test["pass_mark"],
            questions=[
                QuestionOut(text=q["text"], choices=q["choices"]) for q in p.test["questions"]
            ],
            test_score=t.test_score,
            test_passed=t.test_passed,
            rating=t.rating,
            comment=t.comment,
        )
        for t, s, p in rows
    ]
