"""Caller marks: create, revoke, list, and the active marks of a number (which only warn)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.callers import events
from dispatch.callers.models import CallerMark
from dispatch.callers.schemas import MarkCreate, MarkKind, MarkOut
from dispatch.calls.numbers import normalise_number
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.errors import Conflict, Invalid, NotFound, said

NUISANCE_MAX = timedelta(days=90)


def number_key(raw: str) -> str:
    """The number as calls store it for comparison (``calls.caller_key``); Invalid if empty."""
    key = normalise_number(raw)
    if key is None:
        raise Invalid("number: give the caller's number", said=said("caller_number_missing"))
    return key


def _active(now: datetime) -> ColumnElement[bool]:
    return CallerMark.revoked_at.is_(None) & (
        CallerMark.expires_at.is_(None) | (CallerMark.expires_at > now)
    )


# Read with every update of the operator's console for the call: built once.
_ACTIVE_OF_NUMBER = (
    select(*(getattr(CallerMark, name) for name in MarkOut.model_fields if name != "active"))
    .where(
        (CallerMark.number == bindparam("number"))
        & CallerMark.revoked_at.is_(None)
        & (CallerMark.expires_at.is_(None) | (CallerMark.expires_at > bindparam("now")))
    )
    .order_by(CallerMark.created_at)
)


def mark_out(row: CallerMark, *, now: datetime) -> MarkOut:
    """The API view of a mark, ``active`` as of ``now``."""
    out = MarkOut.model_validate(row)
    out.active = row.revoked_at is None and (row.expires_at is None or row.expires_at > now)
    return out


async def create_mark(
    session: AsyncSession, actor: Actor, data: MarkCreate, *, now: datetime
) -> CallerMark:
    """A supervisor marks a number; audited. A nuisance mark expires within 90 days; one
    active mark of a kind per number."""
    number = number_key(data.number)
    reason = data.reason.strip()
    if not reason:
        raise Invalid("reason: say why the number is marked", said=said("caller_mark_reason"))
    if data.expires_at is not None and data.expires_at <= now:
        raise Invalid(
            "expires_at: the expiry must be in the future", said=said("caller_mark_expiry_past")
        )
    if data.kind is MarkKind.NUISANCE and (
        data.expires_at is None or data.expires_at > now + NUISANCE_MAX
    ):
        raise Invalid(
            f"expires_at: a nuisance mark needs an expiry at most {NUISANCE_MAX.days} days ahead",
            said=said("nuisance_mark_expiry", days=NUISANCE_MAX.days),
        )
    existing = await session.scalar(
        select(CallerMark.id).where(
            CallerMark.number == number, CallerMark.kind == data.kind.value, _active(now)
        )
    )
    if existing is not None:
        raise Conflict(
            f"{number} already has an active {data.kind.value} mark ({existing}); revoke it first",
            said=said("caller_mark_exists", number=number, kind=data.kind.value),
        )
    row = CallerMark(
        id=uuid.uuid4(),
        number=number,
        kind=data.kind.value,
        reason=reason,
        note=data.note.strip() if data.note and data.note.strip() else None,
        expires_at=data.expires_at,
        created_at=now,
        created_by=actor.username,
    )
    session.add(row)
    await session.flush()
    await audit.record(
        session,
        actor,
        "caller_mark.create",
        "caller_mark",
        str(row.id),
        {
            "number": number,
            "kind": row.kind,
            "reason": reason,
            "expires_at": row.expires_at.isoformat() if row.expires_at else None,
        },
        at=now,
    )
    emit(session, events.CHANGED, events.MarkChanged(mark_id=str(row.id), number=number))
    return row


async def revoke_mark(
    session: AsyncSession, actor: Actor, mark_id: uuid.UUID, *, now: datetime
) -> CallerMark:
    """End a mark now (it stays in the history); audited. Conflict when already revoked."""
    row = await session.scalar(
        select(CallerMark).where(CallerMark.id == mark_id).with_for_update(key_share=True)
    )
    if row is None:
        raise NotFound(f"no caller mark with id {mark_id}")
    if row.revoked_at is not None:
        raise Conflict(
            f"the mark was already revoked by {row.revoked_by}",
            said=said("caller_mark_revoked", by=row.revoked_by),
        )
    row.revoked_at = now
    row.revoked_by = actor.username
    await session.flush()
    await audit.record(
        session,
        actor,
        "caller_mark.revoke",
        "caller_mark",
        str(row.id),
        {"number": row.number, "kind": row.kind},
        at=now,
    )
    emit(session, events.CHANGED, events.MarkChanged(mark_id=str(row.id), number=row.number))
    return row


async def list_marks(
    session: AsyncSession,
    *,
    number: str | None = None,
    include_ended: bool = False,
    now: datetime,
    limit: int = 200,
) -> list[CallerMark]:
    """Marks, newest first: the active ones, or with ``include_ended`` the revoked and
    expired ones too; of one number when given."""
    query = select(CallerMark)
    if number is not None:
        query = query.where(CallerMark.number == number_key(number))
    if not include_ended:
        query = query.where(_active(now))
    query = query.order_by(CallerMark.created_at.desc(), CallerMark.id).limit(limit)
    return list((await session.scalars(query)).all())


async def active_marks(
    session: AsyncSession, number: str | None, *, now: datetime
) -> list[MarkOut]:
    """The marks that warn about a call from ``number`` (a call's ``caller_key``) now."""
    if not number:
        return []
    rows = await session.execute(_ACTIVE_OF_NUMBER, {"number": number, "now": now})
    return [MarkOut(**row._mapping, active=True) for row in rows]
