"""Schedules: a programme due again every so many months (an annual mandatory course, a
refresher every six months for the sign-language operators) for the people in its scope.

Who is in scope: the active operators and supervisors of the schedule's ``roles`` (any when
none is named) holding one of its ACD ``skills`` (any when none is named). Each one's
``last_attended`` is the day (in the centre's zone) of the latest held session of the
programme — or of an earlier edition named in ``counts_also`` — that they attended; they fall
due on ``due_on = last_attended + interval_months`` (calendar months, the day kept or the
month's last: ``add_months``), at once when they never attended. A session starting on day D
suggests them (``source: schedule``) when ``due_on <= D + lead_days`` and they are not invited
to another planned session of the programme; the schedule's own list shows who is due by today
plus the lead days. Nothing is planned or invited by itself: a trainer picks the time, the
place and the people.
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.auth import service as auth
from dispatch.core.actor import Actor
from dispatch.errors import Conflict, Invalid, NotFound, said
from dispatch.qa import names
from dispatch.queues import service as acd
from dispatch.training import programmes
from dispatch.training.models import Trainee, TrainingSchedule, TrainingSession
from dispatch.training.schemas import DuePerson, ScheduleIn, ScheduleOut, SessionStatus

IN_SCOPE = frozenset({"operator", "supervisor"})


def add_months(day: date, months: int) -> date:
    """``day`` plus whole calendar months, the day of the month kept or, when the month is
    shorter, its last (31 January + 1 month = 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class Due:
    """Someone in a schedule's scope and when they fall due (None: never trained)."""

    username: str
    role: str
    last_attended: date | None
    due_on: date | None

    def by(self, day: date, lead_days: int) -> bool:
        """Whether a session on ``day`` should take them (due by then plus the lead)."""
        return self.due_on is None or self.due_on <= day + timedelta(days=lead_days)


async def _check(session: AsyncSession, data: ScheduleIn) -> None:
    for field, ids in (("programme_id", [data.programme_id]), ("counts_also", data.counts_also)):
        for programme_id in ids:
            try:
                await programmes.get_row(session, programme_id)
            except NotFound as exc:
                raise Invalid(
                    f"{field}: {exc.message}", said=said("training_programme_unknown")
                ) from exc


def _fields(data: ScheduleIn) -> dict[str, object]:
    """The columns as stored (JSON values; the programme's id a UUID)."""
    dumped = data.model_dump(mode="json")
    return {key: dumped[key] for key in ScheduleIn.model_fields} | {
        "programme_id": data.programme_id
    }


def _audited(fields: dict[str, object]) -> dict[str, object]:
    return {key: str(v) if isinstance(v, uuid.UUID) else v for key, v in fields.items()}


async def get_row(
    session: AsyncSession, schedule_id: uuid.UUID, *, lock: bool = False
) -> TrainingSchedule:
    """The schedule's row; NotFound otherwise."""
    query = select(TrainingSchedule).where(TrainingSchedule.id == schedule_id)
    if lock:
        query = query.with_for_update(key_share=True)
    row = await session.scalar(query)
    if row is None:
        raise NotFound(f"no training schedule with id {schedule_id}")
    return row


async def get(
    session: AsyncSession, schedule_id: uuid.UUID, *, now: datetime, tz: ZoneInfo
) -> ScheduleOut:
    """One schedule, described."""
    return (await describe_many(session, [await get_row(session, schedule_id)], now=now, tz=tz))[0]


async def create(
    session: AsyncSession, actor: Actor, data: ScheduleIn, *, now: datetime, tz: ZoneInfo
) -> ScheduleOut:
    """A new schedule; its programmes checked."""
    await _check(session, data)
    fields = _fields(data)
    row = TrainingSchedule(
        id=uuid.uuid4(), **fields, created_at=now, created_by=actor.username, updated_at=now,
        updated_by=actor.username, ended_at=None, ended_by=None,
    )  # fmt: skip
    session.add(row)
    await session.flush()
    await audit.record(
        session, actor, "training.schedule.create", "training_schedule", str(row.id),
        _audited(fields), at=now,
    )  # fmt: skip
    return (await describe_many(session, [row], now=now, tz=tz))[0]


async def update(
    session: AsyncSession,
    actor: Actor,
    schedule_id: uuid.UUID,
    data: ScheduleIn,
    *,
    now: datetime,
    tz: ZoneInfo,
) -> ScheduleOut:
    """Replace a schedule still in force (409 once ended)."""
    row = await get_row(session, schedule_id, lock=True)
    _in_force(row)
    await _check(session, data)
    before = {key: getattr(row, key) for key in ScheduleIn.model_fields}
    fields = _fields(data)
    for key, value in fields.items():
        setattr(row, key, value)
    row.updated_at = now
    row.updated_by = actor.username
    await audit.record(
        session, actor, "training.schedule.update", "training_schedule", str(row.id),
        {"before": _audited(before), "after": _audited(fields)},
        at=now,
    )  # fmt: skip
    return (await describe_many(session, [row], now=now, tz=tz))[0]


def _in_force(row: TrainingSchedule) -> None:
    if row.ended_at is not None:
        raise Conflict(
            f"training schedule {row.id} ended at {row.ended_at.isoformat()}",
            said=said("training_schedule_ended"),
        )


async def end(
    session: AsyncSession, actor: Actor, schedule_id: uuid.UUID, *, now: datetime, tz: ZoneInfo
) -> ScheduleOut:
    """End a schedule: it suggests nobody from now on (kept, with who ended it)."""
    row = await get_row(session, schedule_id, lock=True)
    _in_force(row)
    row.ended_at = now
    row.ended_by = actor.username
    await audit.record(
        session, actor, "training.schedule.end", "training_schedule", str(row.id), {}, at=now
    )
    return (await describe_many(session, [row], now=now, tz=tz))[0]


async def list_all(
    session: AsyncSession, *, ended: bool, now: datetime, tz: ZoneInfo
) -> list[ScheduleOut]:
    """The schedules in force (and the ended ones too when ``ended``), newest first."""
    query = select(TrainingSchedule)
    if not ended:
        query = query.where(TrainingSchedule.ended_at.is_(None))
    rows = await session.scalars(
        query.order_by(TrainingSchedule.created_at.desc(), TrainingSchedule.id)
    )
    return await describe_many(session, list(rows.all()), now=now, tz=tz)


async def describe_many(
    session: AsyncSession, rows: Sequence[TrainingSchedule], *, now: datetime, tz: ZoneInfo
) -> list[ScheduleOut]:
    """Schedules with their programme's title, the people in scope and due by today plus the
    lead days (for those in force), and the programme's next planned session."""
    today = now.astimezone(tz).date()
    titles = await programmes.titles(session, {r.programme_id for r in rows})
    out = []
    for row in rows:
        described = ScheduleOut.model_validate(row)
        described.programme_title = titles.get(row.programme_id, {})
        described.active = row.ended_at is None
        if described.active:
            people = await people_of(session, row, tz=tz)
            described.in_scope = len(people)
            described.due = sum(p.by(today, row.lead_days) for p in people)
        described.next_session = await session.scalar(
            select(TrainingSession.starts_at)
            .where(
                TrainingSession.programme_id == row.programme_id,
                TrainingSession.status == SessionStatus.PLANNED.value,
                TrainingSession.starts_at >= now,
            )
            .order_by(TrainingSession.starts_at)
            .limit(1)
        )
        out.append(described)
    return out


async def _scope(session: AsyncSession, row: TrainingSchedule) -> dict[str, str]:
    """username → role of the active operators and supervisors the schedule covers."""
    held: dict[str, set[str]] = {}
    if row.skills:
        held = {o.username: set(o.skills) for o in await acd.list_operators(session)}
    wanted = set(row.skills)
    return {
        user.username: user.role
        for user in await auth.list_users(session)
        if user.active
        and user.role in IN_SCOPE
        and (not row.roles or user.role in row.roles)
        and (not wanted or wanted & held.get(user.username, set()))
    }


async def _last_attended(
    session: AsyncSession, programme_ids: Sequence[uuid.UUID], *, tz: ZoneInfo
) -> dict[str, date]:
    rows = await session.execute(
        select(Trainee.username, TrainingSession.starts_at)
        .join(TrainingSession, TrainingSession.id == Trainee.session_id)
        .where(
            TrainingSession.programme_id.in_(list(programme_ids)),
            TrainingSession.status == SessionStatus.HELD.value,
            Trainee.attended.is_(True),
        )
    )
    last: dict[str, date] = {}
    for username, starts_at in rows:
        day = starts_at.astimezone(tz).date()
        if username not in last or day > last[username]:
            last[username] = day
    return last


async def people_of(session: AsyncSession, row: TrainingSchedule, *, tz: ZoneInfo) -> list[Due]:
    """Everyone in the schedule's scope with when they last attended and fall due."""
    scope = await _scope(session, row)
    counted = [row.programme_id, *(uuid.UUID(p) for p in row.counts_also)]
    last = await _last_attended(session, counted, tz=tz)
    return [
        Due(
            username=username, role=role, last_attended=last.get(username),
            due_on=add_months(last[username], row.interval_months) if username in last else None,
        )
        for username, role in sorted(scope.items())
    ]  # fmt: skip


async def _planned_invitations(
    session: AsyncSession, programme_id: uuid.UUID
) -> list[tuple[str, uuid.UUID]]:
    """(username, session) of the invitations to the programme's planned sessions, the
    earliest session first."""
    rows = await session.execute(
        select(Trainee.username, TrainingSession.id)
        .join(TrainingSession, TrainingSession.id == Trainee.session_id)
        .where(
            TrainingSession.programme_id == programme_id,
            TrainingSession.status == SessionStatus.PLANNED.value,
        )
        .order_by(TrainingSession.starts_at, TrainingSession.id)
    )
    return [(username, planned) for username, planned in rows]


async def due(
    session: AsyncSession, schedule_id: uuid.UUID, *, now: datetime, tz: ZoneInfo
) -> list[DuePerson]:
    """Who the schedule makes due by today plus its lead days: never trained first, then by
    the day they fall due."""
    row = await get_row(session, schedule_id)
    if row.ended_at is not None:
        return []
    today = now.astimezone(tz).date()
    invited: dict[str, uuid.UUID] = {}
    for username, planned in await _planned_invitations(session, row.programme_id):
        invited.setdefault(username, planned)
    named = await names.load(session, "en")
    people = [p for p in await people_of(session, row, tz=tz) if p.by(today, row.lead_days)]
    people.sort(key=lambda p: (p.due_on or date.min, p.username))
    return [
        DuePerson(
            username=p.username, name=named.person(p.username), role=p.role,
            last_attended=p.last_attended, due_on=p.due_on,
            overdue=p.due_on is None or p.due_on < today, invited_to=invited.get(p.username),
        )
        for p in people
    ]  # fmt: skip


async def due_for_session(
    session: AsyncSession,
    programme_id: uuid.UUID,
    day: date,
    *,
    tz: ZoneInfo,
    session_id: uuid.UUID | None = None,
) -> dict[str, tuple[uuid.UUID, Due]]:
    """username → (schedule, due) of the people the programme's schedules in force make due
    for a session on ``day`` (the earliest due when several do), leaving out those invited to
    another planned session of the programme."""
    rows = (
        await session.scalars(
            select(TrainingSchedule)
            .where(
                TrainingSchedule.programme_id == programme_id,
                TrainingSchedule.ended_at.is_(None),
            )
            .order_by(TrainingSchedule.created_at, TrainingSchedule.id)
        )
    ).all()
    if not rows:
        return {}
    elsewhere = {
        username
        for username, planned in await _planned_invitations(session, programme_id)
        if planned != session_id
    }
    out: dict[str, tuple[uuid.UUID, Due]] = {}
    for row in rows:
        for person in await people_of(session, row, tz=tz):
            if person.username in elsewhere or not person.by(day, row.lead_days):
                continue
            kept = out.get(person.username)
            if kept is None or (person.due_on or date.min) < (kept[1].due_on or date.min):
                out[person.username] = (row.id, person)
    return out
