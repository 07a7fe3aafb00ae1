"""AML locations: store what the phones send, match it to the call, propose it to the operator.

Matching: an AML message names the caller by number (the SMS sender, or ``device_number`` in
the HTTPS form; compared after :func:`normalise_number`) and by IMEI (its 14 identifying
digits). It belongs to the newest call with the same IMEI, or else the same number, created at
most the match window before it arrived (``DISPATCH_AML_MATCH_WINDOW_MINUTES``, 10 by default).
When the AML comes first it waits unmatched; a call posted later takes every unmatched AML
of its number or IMEI received within the window before it.

The location stays a proposal (``aml`` on the call, ``call.location_proposed`` on the bus):
it never replaces a location the gateway reported or the operator confirmed on the card.
A message without a position ("no location", ``pm=N``) is kept but proposes nothing.
Refused messages go to ``aml_refused`` with the reason; they are not audited as changes.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.calls import events
from dispatch.calls.aml import AmlError, ParsedAml
from dispatch.calls.models import AmlMessage, AmlRefused, Call
from dispatch.calls.numbers import imei_key, normalise_number
from dispatch.calls.schemas import AmlOut, AmlProposal
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.core.logging import get_logger

log = get_logger(__name__)


async def receive(
    session: AsyncSession,
    actor: Actor,
    parsed: ParsedAml,
    *,
    sender: str | None,
    now: datetime,
    window: timedelta,
) -> AmlMessage:
    """Store an accepted AML message and match it to its call when there is one."""
    number = parsed.number or sender
    position = parsed.has_position
    details: dict[str, Any] = dict(parsed.extra)
    if not position and parsed.latitude is not None:
        details["reported_position"] = [parsed.latitude, parsed.longitude]
    row = AmlMessage(
        id=uuid.uuid4(),
        received_at=now,
        received_by=actor.username,
        transport=parsed.transport,
        version=parsed.version,
        raw=parsed.text,
        number=number,
        number_key=normalise_number(number),
        imei=parsed.imei,
        imei_key=imei_key(parsed.imei),
        imsi=parsed.imsi,
        lat=parsed.latitude if position else None,
        lon=parsed.longitude if position else None,
        radius_m=parsed.radius_m if position else None,
        positioned_at=parsed.positioned_at,
        confidence=parsed.confidence,
        method=parsed.method,
        mcc=parsed.mcc,
        mnc=parsed.mnc,
        authenticated=parsed.authenticated,
        details=details,
    )
    # Matched before it is stored, so the row is written once, with its call.
    call = await _call_for(session, row, since=now - window)
    session.add(row)
    await audit.record(
        session, actor, "aml.receive", "aml", str(row.id), {"transport": row.transport}, at=now
    )
    if call is not None:
        await _attach(session, actor, row, call, now=now)
    emit(
        session,
        events.AML_RECEIVED,
        events.AmlReceived(aml_id=str(row.id), call_id=str(row.call_id) if row.call_id else None),
    )
    return row


async def refuse(
    session: AsyncSession,
    actor: Actor,
    error: AmlError,
    *,
    transport: str,
    content_type: str,
    body: str,
    sender: str | None,
    now: datetime,
) -> AmlRefused:
    """Keep a refused message with the reason, for inspection."""
    row = AmlRefused(
        received_at=now,
        received_by=actor.username,
        transport=transport,
        content_type=content_type[:100],
        body=body.replace("\x00", "\ufffd"),  # PostgreSQL text cannot hold NUL
        sender=sender,
        field=error.field[:64],
        reason=error.reason,
    )
    session.add(row)
    await session.flush()
    log.warning("aml.refused", transport=transport, field=error.field, reason=error.reason)
    return row


async def attach_waiting(
    session: AsyncSession, actor: Actor, call: Call, *, now: datetime, window: timedelta
) -> AmlMessage | None:
    """Give a new call the unmatched AML messages of its number or IMEI from the window; the
    one that now counts as its latest (``latest_aml_for_call``), if any."""
    matches = []
    if call.caller_key is not None:
        matches.append(AmlMessage.number_key == call.caller_key)
    if call.imei is not None:
        matches.append(AmlMessage.imei_key == call.imei)
    if not matches:
        return None
    rows = await session.scalars(
        select(AmlMessage)
        .where(
            AmlMessage.call_id.is_(None),
            AmlMessage.received_at >= now - window,
            or_(*matches),
        )
        .order_by(AmlMessage.received_at)
        .with_for_update(key_share=True)
    )
    attached = list(rows.all())
    for row in attached:
        await _attach(session, actor, row, call, now=now)
    return _latest(attached)


async def latest_aml_for_call(session: AsyncSession, call_id: uuid.UUID) -> AmlMessage | None:
    """The call's most recent AML position (or, without any, its latest AML message)."""
    rows = (await session.scalars(select(AmlMessage).where(AmlMessage.call_id == call_id))).all()
    return _latest(rows)


def _latest(rows: Sequence[AmlMessage]) -> AmlMessage | None:
    """The message that counts: the newest position, or (with none) the newest message."""
    if not rows:
        return None
    return max(
        rows,
        key=lambda r: (r.lat is not None, r.positioned_at or r.received_at, r.received_at),
    )


async def list_refused(
    session: AsyncSession, *, limit: int = 50, offset: int = 0
) -> tuple[list[AmlRefused], int]:
    """Refused messages, newest first, with their total."""
    total = await session.scalar(select(func.count()).select_from(AmlRefused)) or 0
    rows = await session.scalars(
        select(AmlRefused).order_by(AmlRefused.id.desc()).limit(limit).offset(offset)
    )
    return list(rows.all()), total


def aml_out(row: AmlMessage) -> AmlOut:
    """The API view of an accepted AML message."""
    return AmlOut(
        id=row.id,
        call_id=row.call_id,
        lat=row.lat,
        lon=row.lon,
        radius_m=row.radius_m,
        positioned_at=row.positioned_at,
        confidence=row.confidence,
        method=row.method,
        imsi=row.imsi,
        imei=row.imei,
        mcc=row.mcc,
        mnc=row.mnc,
        number=row.number,
        transport=row.transport,
        version=row.version,
        authenticated=row.authenticated,
        has_position=row.lat is not None,
        received_at=row.received_at,
    )


def proposal(row: AmlMessage, *, now: datetime | None) -> AmlProposal:
    """The AML location as proposed to the operator, with its age at ``now``."""
    age = None
    if now is not None and row.positioned_at is not None:
        age = round((now - row.positioned_at).total_seconds(), 1)
    return AmlProposal(
        aml_id=row.id,
        transport=row.transport,
        lat=row.lat,
        lon=row.lon,
        radius_m=row.radius_m,
        method=row.method,
        confidence=row.confidence,
        positioned_at=row.positioned_at,
        received_at=row.received_at,
        age_seconds=age,
    )


async def _call_for(session: AsyncSession, row: AmlMessage, *, since: datetime) -> Call | None:
    for column, value in ((Call.imei, row.imei_key), (Call.caller_key, row.number_key)):
        if value is None:
            continue
        call = await session.scalar(
            select(Call)
            .where(column == value, Call.created_at >= since)
            .order_by(Call.created_at.desc())
            .limit(1)
        )
        if call is not None:
            return call
    return None


async def _attach(
    session: AsyncSession, actor: Actor, row: AmlMessage, call: Call, *, now: datetime
) -> None:
    row.call_id = call.id
    row.matched_at = now
    if call.imei is None and row.imei_key is not None:
        call.imei = row.imei_key  # the handset is known now: its later AML matches by IMEI
    await audit.record(
        session, actor, "aml.match", "call", str(call.id), {"aml_id": str(row.id)}, at=now
    )
    if row.lat is None or row.lon is None:
        return
    emit(
        session,
        events.LOCATION_PROPOSED,
        events.LocationProposed(
            call_id=str(call.id),
            aml_id=str(row.id),
            lat=row.lat,
            lon=row.lon,
            radius_m=row.radius_m,
            method=row.method,
            confidence=row.confidence,
            positioned_at=row.positioned_at.isoformat() if row.positioned_at else None,
        ),
    )
