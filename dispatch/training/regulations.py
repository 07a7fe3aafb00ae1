"""The regulations library (D2.02): laws, orders and instructions as versioned documents with
the dates they are in force, announced to the roles they concern; each person acknowledges
reading a version (tracked; those who have not by ``acknowledge_by`` are overdue, and their
list is the reminder), and the protocols, scripts and routing a version affects are listed so
that a supervisor revises them. A version is never changed: a change is the next version of
the same code, which supersedes the one before."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.attachments import service as attachments
from dispatch.audit import service as audit
from dispatch.auth import service as auth
from dispatch.cards.routing.classifier import default_classifier
from dispatch.consoles import notices
from dispatch.consoles.scripts import default_scripts
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.errors import Conflict, Invalid, NotFound, PermissionDenied, said
from dispatch.protocols import service as protocols
from dispatch.training.models import (
    Acknowledgement,
    Programme,
    Regulation,
    Trainee,
    TrainingSession,
)
from dispatch.training.regulations_schemas import (
    Affects,
    Kind,
    Mine,
    Person,
    RegulationIn,
    RegulationOut,
)
from dispatch.training.schemas import SessionStatus

# The console reminds a person of their next session this far ahead, and lists this many
# unread regulations (the count says how many there are).
REMIND_SESSIONS = timedelta(days=7)
REMIND_REGULATIONS = 5


async def _check(session: AsyncSession, data: RegulationIn) -> None:
    known = {row.code for row in await protocols.versions(session)}
    types = set(default_classifier().types)
    scripted = {*default_scripts().by_type, "general"}
    for field, names, allowed in (
        ("protocols", data.affects.protocols, known),
        ("scripts", data.affects.scripts, scripted),
        ("routing", data.affects.routing, types),
    ):
        unknown = sorted(set(names) - allowed)
        if unknown:
            raise Invalid(f"affects.{field}: no {field} for {', '.join(unknown)}")
    if data.attachment_id is not None:
        try:
            await attachments.get(session, data.attachment_id)
        except NotFound as exc:
            raise Invalid(f"attachment_id: {exc.message}") from exc


async def publish(
    session: AsyncSession, actor: Actor, data: RegulationIn, *, now: datetime
) -> RegulationOut:
    """Publish a version (the next of its code) and announce it to the roles it concerns."""
    await _check(session, data)
    last = await session.scalar(
        select(func.max(Regulation.version)).where(Regulation.code == data.code)
    )
    row = Regulation(
        id=uuid.uuid4(),
        code=data.code,
        version=(last or 0) + 1,
        kind=data.kind.value,
        number=data.number,
        title=data.title.model_dump(),
        summary=data.summary.model_dump(),
        issued_on=data.issued_on,
        in_force_from=data.in_force_from,
        in_force_to=data.in_force_to,
        attachment_id=data.attachment_id,
        url=data.url,
        roles=sorted({role.value for role in data.roles}),
        affects=data.affects.model_dump(),
        acknowledge_within_days=data.acknowledge_within_days,
        published_at=now,
        published_by=actor.username,
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError as exc:  # two publications of one code at once
        raise Conflict(f"regulation {data.code} was published meanwhile; try again") from exc
    await audit.record(
        session, actor, "regulation.publish", "training_regulation", str(row.id),
        {"code": row.code, "version": row.version, "roles": row.roles, "affects": row.affects},
        at=now,
    )  # fmt: skip
    # The consoles of everyone it concerns remind them to read it (consoles/notices.py).
    emit(session, notices.CHANGED, notices.NoticesChanged(usernames=[], roles=list(row.roles)))
    return (await _describe(session, [row], people=True))[0]


async def _row(session: AsyncSession, regulation_id: uuid.UUID) -> Regulation:
    row = await session.get(Regulation, regulation_id)
    if row is None:
        raise NotFound(f"no regulation with id {regulation_id}")
    return row


async def get(session: AsyncSession, regulation_id: uuid.UUID) -> RegulationOut:
    """A version with everyone it concerns, who read it and who has not."""
    return (await _describe(session, [await _row(session, regulation_id)], people=True))[0]


async def list_all(session: AsyncSession, *, code: str | None = None) -> list[RegulationOut]:
    """Every version (of one code when given), the latest published first, with counts."""
    query = select(Regulation)
    if code is not None:
        query = query.where(Regulation.code == code)
    rows = (
        await session.scalars(query.order_by(Regulation.published_at.desc(), Regulation.code))
    ).all()
    return await _describe(session, list(rows), people=False)


async def acknowledge(
    session: AsyncSession, actor: Actor, regulation_id: uuid.UUID, *, now: datetime
) -> RegulationOut:
    """I have read this version (once; a second time changes nothing)."""
    row = await _row(session, regulation_id)
    if actor.role not in row.roles:
        raise PermissionDenied(
            f"regulation {row.code} v{row.version} does not concern the role {actor.role}",
            said=said("regulation_not_concerned"),
        )
    found = await session.get(Acknowledgement, (row.id, actor.username))
    if found is None:
        session.add(
            Acknowledgement(regulation_id=row.id, username=actor.username, acknowledged_at=now)
        )
        await session.flush()
        await audit.record(
            session, actor, "regulation.acknowledge", "training_regulation", str(row.id),
            {"code": row.code, "version": row.version}, at=now,
        )  # fmt: skip
        emit(session, notices.CHANGED, notices.NoticesChanged(usernames=[actor.username], roles=[]))
    return (await _describe(session, [row], people=False))[0]


async def mine(session: AsyncSession, actor: Actor, *, now: datetime) -> list[Mine]:
    """The versions that concern me and are not superseded: unread ones first, overdue ones
    (the reminder) at the top."""
    rows = (await session.scalars(select(Regulation))).all()
    current = _current(rows)
    concerned = [r for r in rows if actor.role in r.roles and r.id in current]
    read = dict(
        (
            await session.execute(
                select(Acknowledgement.regulation_id, Acknowledgement.acknowledged_at).where(
                    Acknowledgement.username == actor.username
                )
            )
        ).all()
    )
    described = await _describe(session, concerned, people=False)
    out = [
        Mine(
            regulation=r,
            acknowledged_at=read.get(r.id),
            overdue=r.id not in read and now > r.acknowledge_by,
        )
        for r in described
    ]
    return sorted(
        out,
        key=lambda m: (m.acknowledged_at is not None, not m.overdue, m.regulation.acknowledge_by),
    )


async def reminders(
    session: AsyncSession, username: str, role: str, *, now: datetime
) -> dict[str, Any]:
    """What the operator console reminds a person of (``consoles.notices.NoticeSource``, wired
    by the app): the current versions that concern their role and that they have not
    acknowledged, overdue first, then by the day they are due; and their next planned session
    starting within ``REMIND_SESSIONS``."""
    rows = (await session.scalars(select(Regulation))).all()
    current = _current(rows)
    read = set(
        (
            await session.scalars(
                select(Acknowledgement.regulation_id).where(Acknowledgement.username == username)
            )
        ).all()
    )
    unread = [r for r in rows if r.id in current and role in r.roles and r.id not in read]
    due = {r.id: r.published_at + timedelta(days=r.acknowledge_within_days) for r in unread}
    unread.sort(key=lambda r: (now <= due[r.id], due[r.id], r.code))
    regulations = [
        {
            "id": str(r.id), "code": r.code, "version": r.version, "title": r.title,
            "acknowledge_by": due[r.id].isoformat(), "overdue": now > due[r.id],
        }
        for r in unread
    ]  # fmt: skip
    found = (
        await session.execute(
            select(TrainingSession, Programme.title)
            .join(Trainee, Trainee.session_id == TrainingSession.id)
            .join(Programme, Programme.id == TrainingSession.programme_id)
            .where(
                Trainee.username == username,
                TrainingSession.status == SessionStatus.PLANNED.value,
                TrainingSession.starts_at >= now,
                TrainingSession.starts_at < now + REMIND_SESSIONS,
            )
            .order_by(TrainingSession.starts_at, TrainingSession.id)
            .limit(1)
        )
    ).first()
    training = None
    if found is not None:
        planned, title = found
        training = {
            "session_id": str(planned.id), "title": title, "place": planned.place,
            "starts_at": planned.starts_at.isoformat(), "minutes": planned.minutes,
        }  # fmt: skip
    return {
        "regulations": regulations[:REMIND_REGULATIONS],
        "unread": len(regulations),
        "overdue": sum(1 for r in regulations if r["overdue"]),
        "training": training,
    }


def _current(rows: Sequence[Regulation]) -> set[uuid.UUID]:
    newest: dict[str, Regulation] = {}
    for row in rows:
        if row.code not in newest or row.version > newest[row.code].version:
            newest[row.code] = row
    return {row.id for row in newest.values()}


async def _describe(
    session: AsyncSession, rows: list[Regulation], *, people: bool
) -> list[RegulationOut]:
    if not rows:
        return []
    codes = {r.code for r in rows}
    newest = dict(
        (
            await session.execute(
                select(Regulation.code, func.max(Regulation.version))
                .where(Regulation.code.in_(codes))
                .group_by(Regulation.code)
            )
        ).all()
    )
    users = [u for u in await auth.list_users(session) if u.active]
    acks: dict[uuid.UUID, dict[str, datetime]] = {}
    found = await session.execute(
        select(Acknowledgement).where(Acknowledgement.regulation_id.in_([r.id for r in rows]))
    )
    for ack in found.scalars():
        acks.setdefault(ack.regulation_id, {})[ack.username] = ack.acknowledged_at
    out = []
    for row in rows:
        read = acks.get(row.id, {})
        concerned = [
            Person(
                username=u.username,
                name=u.full_name or u.username,
                role=u.role,
                acknowledged_at=read.get(u.username),
            )
            for u in users
            if u.role in row.roles
        ]
        out.append(
            RegulationOut(
                id=row.id,
                code=row.code,
                version=row.version,
                kind=Kind(row.kind),
                number=row.number,
                title=row.title,
                summary=row.summary,
                issued_on=row.issued_on,
                in_force_from=row.in_force_from,
                in_force_to=row.in_force_to,
                attachment_id=row.attachment_id,
                url=row.url,
                roles=row.roles,
                affects=Affects.model_validate(row.affects),
                acknowledge_within_days=row.acknowledge_within_days,
                acknowledge_by=row.published_at + timedelta(days=row.acknowledge_within_days),
                published_at=row.published_at,
                published_by=row.published_by,
                superseded=newest[row.code] > row.version,
                concerned=len(concerned),
                acknowledged=sum(1 for p in concerned if p.acknowledged_at is not None),
                pending=[p for p in concerned if p.acknowledged_at is None] if people else [],
                done=[p for p in concerned if p.acknowledged_at is not None] if people else [],
            )
        )
    return out
