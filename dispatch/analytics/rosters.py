"""Shift rosters: who is expected when, on which queues and skills; who is missing or late.

Supervisors plan shifts one by one or import a file (``roster_rows``: every row checked
first, one bad row refuses the file with each bad row's line and reason, nothing stored). The
floor is read from the queues capability: a rostered operator signed in at most
``late_after`` after the planned start is present, later is late, not signed in after it is
missing. Every change is audited in its transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.analytics import roster_rows
from dispatch.analytics.models import RosterEntry, SurgeDay
from dispatch.audit import service as audit
from dispatch.auth import service as auth
from dispatch.auth.roles import Role
from dispatch.core.actor import Actor
from dispatch.errors import Conflict, Invalid, NotFound, said
from dispatch.queues import catalog, queue_log
from dispatch.queues import service as queues
from dispatch.queues.states import OperatorState, QueueEvent

TAKERS = (Role.OPERATOR, Role.SUPERVISOR)
LATE_AFTER = timedelta(minutes=10)
MAX_SPAN = timedelta(days=62)


class RowsRefused(Invalid):
    """Roster rows refused: each bad row's line, code and reason; nothing was stored."""

    code = "roster_rows_refused"

    def __init__(self, problems: Sequence[roster_rows.Problem]) -> None:
        lines = "; ".join(f"line {p.line}: {p.reason}" for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(
            f"{len(problems)} row(s) refused, nothing imported: {lines}{more}",
            said=said("roster_rows_refused", count=len(problems)),
        )
        self.problems = list(problems)

    def body(self) -> dict[str, object]:
        """The refusal with every problem."""
        return {**super().body(), "problems": [p.as_dict() for p in self.problems]}


class EntryOut(BaseModel):
    """A planned shift."""

    id: uuid.UUID
    username: str
    full_name: str
    starts_at: datetime
    ends_at: datetime
    queues: list[str]
    skills: list[str]
    note: str | None
    created_by: str

    @classmethod
    def of(cls, row: RosterEntry, names: dict[str, str], tz: ZoneInfo) -> EntryOut:
        """The row with its operator's name, times in the centre's zone."""
        return cls(
            id=row.id,
            username=row.username,
            full_name=names.get(row.username, ""),
            starts_at=row.starts_at.astimezone(tz),
            ends_at=row.ends_at.astimezone(tz),
            queues=list(row.queues),
            skills=list(row.skills),
            note=row.note,
            created_by=row.created_by,
        )


async def _known(session: AsyncSession, start: datetime, end: datetime) -> roster_rows.Known:
    people = {u.username for u in await auth.list_users(session) if u.active and u.role in TAKERS}
    names = {q.name for q in await catalog.queues(session)}
    planned: dict[str, list[tuple[datetime, datetime]]] = {}
    for row in await entries(session, start, end):
        planned.setdefault(row.username, []).append((row.starts_at, row.ends_at))
    return roster_rows.Known(people, names, planned)


async def entries(
    session: AsyncSession,
    start: datetime,
    end: datetime,
    *,
    username: str | None = None,
) -> list[RosterEntry]:
    """The shifts overlapping [start, end), by start."""
    query = select(RosterEntry).where(RosterEntry.starts_at < end, RosterEntry.ends_at > start)
    if username is not None:
        query = query.where(RosterEntry.username == username)
    rows = await session.scalars(query.order_by(RosterEntry.starts_at, RosterEntry.username))
    return list(rows.all())


async def names(session: AsyncSession) -> dict[str, str]:
    """Full names by username."""
    return {u.username: u.full_name for u in await auth.list_users(session) if u.full_name}


async def store(
    session: AsyncSession,
    actor: Actor,
    rows: Sequence[tuple[int, Mapping[str, Any]]],
    *,
    tz: ZoneInfo,
    now: datetime,
    source: str,
) -> list[RosterEntry]:
    """Check every row, then store them all (or none: ``RowsRefused``); audited per file."""
    if not rows:
        raise Invalid("the roster has no rows")
    # Checked against the accounts, the queues and the shifts planned around these rows.
    lo, hi = roster_rows.window(rows, tz)
    shifts, problems = roster_rows.check(rows, await _known(session, lo, hi), tz)
    if problems:
        raise RowsRefused(problems)
    stored = [
        RosterEntry(
            id=uuid.uuid4(),
            username=s.username,
            starts_at=s.starts_at,
            ends_at=s.ends_at,
            queues=s.queues,
            skills=s.skills,
            note=s.note,
            created_at=now,
            created_by=actor.username,
        )
        for s in shifts
    ]
    session.add_all(stored)
    await audit.record(
        session,
        actor,
        "roster.import" if source != "entry" else "roster.create",
        "roster",
        str(stored[0].id) if len(stored) == 1 else f"{len(stored)} shifts",
        {
            "source": source,
            "shifts": [
                {
                    "id": str(s.id),
                    "username": s.username,
                    "starts_at": s.starts_at.isoformat(),
                    "ends_at": s.ends_at.isoformat(),
                }
                for s in stored[:200]
            ],
            "count": len(stored),
        },
        at=now,
    )
    await session.flush()
    return stored


async def remove(
    session: AsyncSession, actor: Actor, entry_id: uuid.UUID, *, now: datetime
) -> None:
    """Delete a planned shift; audited with what it was."""
    row = await session.get(RosterEntry, entry_id)
    if row is None:
        raise NotFound(f"no roster entry {entry_id}")
    await audit.record(
        session,
        actor,
        "roster.delete",
        "roster",
        str(entry_id),
        {
            "username": row.username,
            "starts_at": row.starts_at.isoformat(),
            "ends_at": row.ends_at.isoformat(),
        },
        at=now,
    )
    await session.delete(row)


class Presence(StrEnum):
    """Where a rostered operator stands against the plan."""

    PRESENT = "present"
    LATE = "late"
    MISSING = "missing"
    EXPECTED = "expected"  # not signed in, but the start was less than ``late_after`` ago


class PresenceOut(BaseModel):
    """One planned shift of the current moment against the floor."""

    entry: EntryOut
    presence: Presence
    state: str
    signed_in_at: datetime | None
    late_minutes: int | None
    lacking: list[str] = Field(
        description="the planned queues and skills the operator's ACD settings do not give them"
    )


def _lacking(entry: RosterEntry, operator: Any) -> list[str]:
    """The planned queues the operator is kept out of and the planned skills they lack."""
    if operator is None:
        return sorted([*entry.queues, *entry.skills])
    queues = [q for q in entry.queues if operator.queues is not None and q not in operator.queues]
    skills = [k for k in entry.skills if k not in (operator.skills or {})]
    return sorted([*queues, *skills])


class PresenceReport(BaseModel):
    """Who is missing or late now."""

    at: datetime
    late_after_minutes: int
    rows: list[PresenceOut]


async def presence(
    session: AsyncSession,
    *,
    now: datetime,
    tz: ZoneInfo,
    late_after: timedelta = LATE_AFTER,
) -> PresenceReport:
    """Each shift planned for now: signed in (since when, against the planned start), late,
    missing or not due yet; missing and late first."""
    floor = {op.username: op for op in await queues.list_operators(session)}
    people = await names(session)
    rows = []
    for entry in await entries(session, now, now + timedelta(microseconds=1)):
        operator = floor.get(entry.username)
        state = operator.state if operator is not None else OperatorState.SIGNED_OUT.value
        signed_in_at = None
        if state != OperatorState.SIGNED_OUT:
            since = entry.starts_at - roster_rows.MAX_SHIFT
            lines = await queue_log.lines(
                session,
                operator=entry.username,
                since=since,
                events=[QueueEvent.SIGN_IN],
            )
            signed_in_at = lines[-1].at if lines else None
            if signed_in_at is None and operator is not None:
                signed_in_at = operator.state_since
        due = entry.starts_at + late_after
        late_minutes = None
        if signed_in_at is not None:
            if signed_in_at > due:
                kind = Presence.LATE
                late_minutes = int((signed_in_at - entry.starts_at).total_seconds() // 60)
            else:
                kind = Presence.PRESENT
        elif now > due:
            kind = Presence.MISSING
            late_minutes = int((now - entry.starts_at).total_seconds() // 60)
        else:
            kind = Presence.EXPECTED
        rows.append(
            PresenceOut(
                entry=EntryOut.of(entry, people, tz),
                presence=kind,
                state=str(state),
                signed_in_at=signed_in_at.astimezone(tz) if signed_in_at else None,
                late_minutes=late_minutes,
                lacking=_lacking(entry, operator),
            )
        )
    order = [Presence.MISSING, Presence.LATE, Presence.EXPECTED, Presence.PRESENT]
    rows.sort(key=lambda r: (order.index(r.presence), r.entry.starts_at, r.entry.username))
    return PresenceReport(
        at=now.astimezone(tz),
        late_after_minutes=int(late_after.total_seconds() // 60),
        rows=rows,
    )


# --------------------------------------------------------------------------- surge days


class SurgeDayOut(BaseModel):
    """A day left out of the forecast."""

    day: date
    note: str
    created_by: str
    created_at: datetime


async def surge_days(session: AsyncSession, first: date, last: date) -> list[SurgeDay]:
    """The surge days in ``first``..``last``."""
    rows = await session.scalars(
        select(SurgeDay).where(SurgeDay.day >= first, SurgeDay.day <= last).order_by(SurgeDay.day)
    )
    return list(rows.all())


async def mark_surge(
    session: AsyncSession, actor: Actor, day: date, note: str, *, now: datetime
) -> SurgeDay:
    """Mark a day as a surge (the forecast leaves it out); a day is marked once."""
    if await session.get(SurgeDay, day) is not None:
        raise Conflict(f"{day} is already marked as a surge day")
    row = SurgeDay(day=day, note=note, created_at=now, created_by=actor.username)
    session.add(row)
    await audit.record(
        session,
        actor,
        "forecast.surge_mark",
        "surge_day",
        str(day),
        {"note": note},
        at=now,
    )
    await session.flush()
    return row


async def unmark_surge(session: AsyncSession, actor: Actor, day: date, *, now: datetime) -> None:
    """Take a day's surge mark away."""
    result = await session.execute(delete(SurgeDay).where(SurgeDay.day == day))
    if not getattr(result, "rowcount", 0):
        raise NotFound(f"{day} is not marked as a surge day")
    await audit.record(session, actor, "forecast.surge_unmark", "surge_day", str(day), {}, at=now)
