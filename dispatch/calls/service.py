"""Taking calls in from the gateways."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.audit import service as audit
from dispatch.calls.models import Call
from dispatch.calls.schemas import CallCreate, CallOut, CallStatus, Point
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.core.logging import bind
from dispatch.errors import Invalid, NotFound

DEFAULT_QUEUE = "default"


async def create_call(
    session: AsyncSession, actor: Actor, data: CallCreate, *, now: datetime
) -> Call:
    """Register a new call and put it in the (for now single) default queue."""
    if data.channel in ("sms", "email") and not data.text:
        raise Invalid(f"an {data.channel} call needs its text")
    call = Call(
        id=uuid.uuid4(),
        channel=data.channel.value,
        caller_number=data.caller_number,
        language=data.language,
        lat=data.location.lat if data.location else None,
        lon=data.location.lon if data.location else None,
        radius_m=data.location.radius_m if data.location else None,
        location_source=data.location.source.value if data.location else None,
        text=data.text,
        subject=data.subject,
        status=CallStatus.WAITING.value,
        queue=DEFAULT_QUEUE,
        created_at=now,
        created_by=actor.username,
    )
    session.add(call)
    bind(call_id=call.id)
    await audit.record(
        session, actor, "call.create", "call", str(call.id), {"channel": call.channel}, at=now
    )
    emit(
        session,
        "call.created",
        {"call_id": str(call.id), "queue": call.queue, "channel": call.channel},
    )
    return call


async def get_call(session: AsyncSession, call_id: uuid.UUID) -> Call:
    """The call with ``call_id``; NotFound otherwise."""
    call = await session.get(Call, call_id)
    if call is None:
        raise NotFound(f"no call with id {call_id}")
    return call


def call_out(call: Call) -> CallOut:
    """The API view of a call."""
    point = None
    if call.lat is not None and call.lon is not None:
        point = Point(
            lat=call.lat,
            lon=call.lon,
            radius_m=call.radius_m,
            source=call.location_source or "network",  # type: ignore[arg-type]
        )
    return CallOut(
        id=call.id,
        channel=call.channel,  # type: ignore[arg-type]
        caller_number=call.caller_number,
        language=call.language,
        location=point,
        text=call.text,
        subject=call.subject,
        status=CallStatus(call.status),
        queue=call.queue,
        created_at=call.created_at,
    )
