"""The competency register: per person, the standard's labour tasks they have shown at the
task's qualification level, with dates and evidence. Rules held as data (``RULES``) suggest a
task from the evidence — a passed test of a programme serving it, and QA answers on that
programme's items at or above a share over a recent window — and a supervisor records it (with
a note when the rules do not suggest it); what the evidence was then is kept with the record."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.auth import service as auth
from dispatch.core.actor import Actor
from dispatch.errors import Invalid, NotFound, said
from dispatch.qa import findings
from dispatch.training.models import Competency, Programme, Trainee, TrainingSession
from dispatch.training.schemas import SessionStatus
from dispatch.training.standard import BY_CODE, TASKS

# The rules, as data: a task is suggested when the person passed the test of a held session of
# a programme serving it (``needs_test``) and, over the last ``window_days``, answered ``yes``
# in at least ``min_share`` of at least ``min_answers`` yes/no answers to that programme's
# items in official evaluations.
RULES: dict[str, Any] = {"needs_test": True, "window_days": 90, "min_share": 0.8, "min_answers": 10}


class Training(BaseModel):
    """A held session the person attended, of a programme serving the task."""

    session_id: uuid.UUID
    programme_id: uuid.UUID
    title: dict[str, str]
    starts_at: datetime
    test_score: float | None
    test_passed: bool | None


class Evidence(BaseModel):
    """What speaks for a task: trainings and tests, and QA answers on their items."""

    trainings: list[Training]
    qa_yes: int
    qa_no: int
    qa_share: float | None
    window_days: int


class Recorded(BaseModel):
    """A supervisor's record."""

    id: uuid.UUID
    level: int
    suggested: bool
    note: str | None
    recorded_at: datetime
    recorded_by: str
    evidence: Evidence


class TaskState(BaseModel):
    """One task of the standard for one person."""

    code: str
    function: str
    level: int
    en: str
    uz: str
    evidence: Evidence
    suggested: bool
    recorded: list[Recorded]


class StaffMember(BaseModel):
    """Someone whose register may be opened, with how many tasks are recorded for them."""

    username: str
    name: str
    role: str
    recorded: int
    last_recorded_at: datetime | None


class Register(BaseModel):
    """A person's register."""

    username: str
    name: str
    role: str
    rules: dict[str, Any]
    tasks: list[TaskState]


# The staff list's order: the call-takers first, the standard's data specialists after them.
STAFF_ORDER = ("operator", "supervisor", "qa", "trainer", "analyst", "methodologist", "admin")


async def staff(session: AsyncSession) -> list[StaffMember]:
    """Every active person's account (not the machines'), by role then name, with the
    number of tasks recorded for each and the latest record."""
    recorded: dict[str, set[str]] = defaultdict(set)
    latest: dict[str, datetime] = {}
    for username, code, at in await session.execute(
        select(Competency.username, Competency.code, Competency.recorded_at)
    ):
        recorded[username].add(code)
        latest[username] = max(at, latest.get(username, at))
    people = [
        StaffMember(
            username=u.username, name=u.full_name or u.username, role=u.role,
            recorded=len(recorded[u.username]), last_recorded_at=latest.get(u.username),
        )
        for u in await auth.list_users(session)
        if u.active and u.role in STAFF_ORDER
    ]  # fmt: skip
    return sorted(people, key=lambda p: (STAFF_ORDER.index(p.role), p.name, p.username))


async def _person(session: AsyncSession, username: str) -> tuple[str, str]:
    try:
        user = await auth.get_user(session, username)
    except NotFound as exc:
        raise NotFound(f"there is no account {username!r}") from exc
    return user.full_name or user.username, user.role


async def _evidence(session: AsyncSession, username: str, *, now: datetime) -> dict[str, Evidence]:
    attended = (
        await session.execute(
            select(Trainee, TrainingSession, Programme)
            .join(TrainingSession, TrainingSession.id == Trainee.session_id)
            .join(Programme, Programme.id == TrainingSession.programme_id)
            .where(
                Trainee.username == username,
                Trainee.attended.is_(True),
                TrainingSession.status == SessionStatus.HELD.value,
            )
            .order_by(TrainingSession.starts_at)
        )
    ).all()
    window = int(RULES["window_days"])
    out: dict[str, Evidence] = {}
    for task in TASKS:
        trainings = [
            Training(
                session_id=s.id, programme_id=p.id, title=p.title, starts_at=s.starts_at,
                test_score=t.test_score, test_passed=t.test_passed,
            )
            for t, s, p in attended
            if task.code in p.functions
        ]  # fmt: skip
        items: dict[str, set[str]] = defaultdict(set)
        for _, _, p in attended:
            if task.code in p.functions:
                items[p.scorecard].update(p.items)
        yes = no = 0
        for scorecard, keys in items.items():
            for answer in await findings.item_answers(
                session, operators=[username], scorecard=scorecard, items=keys,
                since=now - timedelta(days=window), until=now,
            ):  # fmt: skip
                yes += answer.answer == "yes"
                no += answer.answer == "no"
        share = round(yes / (yes + no), 4) if yes + no else None
        out[task.code] = Evidence(
            trainings=trainings, qa_yes=yes, qa_no=no, qa_share=share, window_days=window
        )
    return out


def suggests(evidence: Evidence) -> bool:
    """Whether ``RULES`` suggest the task from this evidence."""
    if RULES["needs_test"] and not any(t.test_passed for t in evidence.trainings):
        return False
    answers = evidence.qa_yes + evidence.qa_no
    return (
        answers >= RULES["min_answers"]
        and evidence.qa_share is not None
        and evidence.qa_share >= RULES["min_share"]
    )


async def register(session: AsyncSession, username: str, *, now: datetime) -> Register:
    """Every task of the standard for ``username``: evidence, suggestion, records."""
    name, role = await _person(session, username)
    evidence = await _evidence(session, username, now=now)
    rows = (
        await session.scalars(
            select(Competency)
            .where(Competency.username == username)
            .order_by(Competency.recorded_at.desc())
        )
    ).all()
    tasks = [
        TaskState(
            code=task.code, function=task.function, level=task.level, en=task.en, uz=task.uz,
            evidence=evidence[task.code], suggested=suggests(evidence[task.code]),
            recorded=[
                Recorded(
                    id=r.id, level=r.level, suggested=r.suggested, note=r.note,
                    recorded_at=r.recorded_at, recorded_by=r.recorded_by,
                    evidence=Evidence.model_validate(r.evidence),
                )
                for r in rows
                if r.code == task.code
            ],
        )
        for task in TASKS
    ]  # fmt: skip
    return Register(username=username, name=name, role=role, rules=dict(RULES), tasks=tasks)


async def record(
    session: AsyncSession,
    actor: Actor,
    username: str,
    code: str,
    note: str | None,
    *,
    now: datetime,
) -> Register:
    """A supervisor records that ``username`` has shown task ``code`` at its level; without
    the rules' suggestion a note says why."""
    task = BY_CODE.get(code)
    if task is None:
        raise Invalid(f"code: {code} is not a task of the professional standard")
    await _person(session, username)
    evidence = (await _evidence(session, username, now=now))[code]
    suggested = suggests(evidence)
    if not suggested and not note:
        raise Invalid(
            f"note: the evidence does not suggest {code} for {username}; say what shows it",
            said=said("competency_note_required"),
        )
    row = Competency(
        id=uuid.uuid4(), username=username, code=code, level=task.level, suggested=suggested,
        evidence=evidence.model_dump(mode="json"), note=note, recorded_at=now,
        recorded_by=actor.username,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    await audit.record(
        session, actor, "competency.record", "training_competency", str(row.id),
        {"username": username, "code": code, "level": task.level, "suggested": suggested},
        at=now,
    )  # fmt: skip
    return await register(session, username, now=now)
