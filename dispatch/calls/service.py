"""Taking calls in from the gateways, and reading them.

Other capabilities use these functions (and :func:`latest_aml_for_call`,
:func:`dispatch.calls.gateway.enqueue_command`), never the tables directly.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.attachments import service as attachments
from dispatch.attachments.schemas import AttachmentReceipt
from dispatch.audit import service as audit
from dispatch.calls import aml_service, events, messages
from dispatch.calls.aml_service import latest_aml_for_call
from dispatch.calls.lifecycle import CallStatus
from dispatch.calls.models import AmlMessage, Call
from dispatch.calls.numbers import address_key, imei_key, normalise_number
from dispatch.calls.schemas import CallCreate, CallOut, Point
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.core.logging import bind
from dispatch.errors import Invalid, NotFound

DEFAULT_QUEUE = "default"
CONVERSATION_WINDOW = timedelta(minutes=30)
AML_MATCH_WINDOW = timedelta(minutes=10)

__all__ = [
    "DEFAULT_QUEUE",
    "Admit",
    "call_out",
    "create_call",
    "get_call",
    "latest_aml_for_call",
]


class Admit(Protocol):
    """What puts a new call in a queue: the ACD's (``queues.intake.enter_queue``), handed in by
    the flows layer (``dispatch.flows.calls``) so that calls never call up into queues."""

    async def __call__(
        self, session: AsyncSession, actor: Actor, call: Call, *, now: datetime
    ) -> str | None:
        """The queue the call entered, or None when no queue takes it (it keeps its own)."""
        ...


async def create_call(
    session: AsyncSession,
    actor: Actor,
    data: CallCreate,
    *,
    admit: Admit,
    now: datetime,
    conversation_window: timedelta = CONVERSATION_WINDOW,
    aml_window: timedelta = AML_MATCH_WINDOW,
    files: attachments.Policy | None = None,
    intake: messages.TextIntake | None = None,
) -> tuple[Call, bool, AmlMessage | None, list[AttachmentReceipt]]:
    """A new call in its queue, or (False) the open conversation the message joins or the call
    ``intake`` recorded it against; with the AML position that counts for it
    (``latest_aml_for_call``) and what became of the message's files (stored against the call
    by ``files``' policy, or refused one by one). A message with files is never ``intake``'s.
    A new call enters the queue ``admit`` chooses before it is audited and announced."""
    _check(data)
    if data.channel in messages.TEXT_CHANNELS:
        existing = await messages.find_repeat(session, data)
        if existing is not None:
            return existing, False, await latest_aml_for_call(session, existing.id), []
        conversation = await messages.find_conversation(
            session, data, now=now, window=conversation_window
        )
        if conversation is not None:
            bind(call_id=conversation.id)
            await messages.append_incoming(session, actor, conversation, data, now=now)
            receipts = await _files(session, actor, conversation, data, files, now=now)
            aml = await latest_aml_for_call(session, conversation.id)
            return conversation, False, aml, receipts
        if intake is not None and not data.attachments:
            taken = await intake(session, actor, data, now=now)
            if taken is not None:
                bind(call_id=taken)
                existing = await get_call(session, taken)
                return existing, False, await latest_aml_for_call(session, taken), []
    call = Call(
        id=uuid.uuid4(),
        channel=data.channel.value,
        caller_number=data.caller_number,
        caller_key=normalise_number(data.caller_number),
        caller_address=address_key(data.caller_address),
        imei=imei_key(data.imei),
        conversation_id=data.conversation_id,
        language=data.language,
        lat=data.location.lat if data.location else None,
        lon=data.location.lon if data.location else None,
        radius_m=data.location.radius_m if data.location else None,
        location_source=data.location.source.value if data.location else None,
        text=data.text,
        subject=data.subject,
        status=CallStatus.WAITING.value,
        queue=DEFAULT_QUEUE,
        timeline_complete=True,
        created_at=now,
        created_by=actor.username,
    )
    session.add(call)
    await session.flush()
    bind(call_id=call.id)
    queue = await admit(session, actor, call, now=now)  # the ACD picks the queue
    if queue is not None:
        call.queue = queue
    await audit.record(
        session, actor, "call.create", "call", str(call.id), {"channel": call.channel}, at=now
    )
    if data.channel in messages.TEXT_CHANNELS:
        messages.add_first_message(session, call, data, now=now)
    emit(
        session,
        events.CREATED,
        events.CallCreated(call_id=str(call.id), queue=call.queue, channel=call.channel),
    )
    receipts = await _files(session, actor, call, data, files, now=now)
    aml = await aml_service.attach_waiting(session, actor, call, now=now, window=aml_window)
    return call, True, aml, receipts


async def _files(
    session: AsyncSession,
    actor: Actor,
    call: Call,
    data: CallCreate,
    files: attachments.Policy | None,
    *,
    now: datetime,
) -> list[AttachmentReceipt]:
    if not data.attachments:
        return []
    return await attachments.store_from_gateway(
        session, actor, files or attachments.Policy(), data.attachments, call_id=call.id, now=now
    )


def _check(data: CallCreate) -> None:
    text_channel = data.channel in messages.TEXT_CHANNELS
    if text_channel and not data.text and not data.attachments:
        raise Invalid(f"text: an {data.channel} call needs its text (or a file)")
    if data.attachments and not text_channel:
        raise Invalid("attachments: only SMS (MMS) and e-mail messages carry files")
    if data.subject is not None and data.channel != "email":
        raise Invalid("subject: only an e-mail has a subject")
    if not text_channel and (data.conversation_id or data.message_id):
        field = "conversation_id" if data.conversation_id else "message_id"
        raise Invalid(f"{field}: only SMS and e-mail calls are conversations")


async def get_call(session: AsyncSession, call_id: uuid.UUID) -> Call:
    """The call with ``call_id``; NotFound otherwise."""
    call = await session.get(Call, call_id)
    if call is None:
        raise NotFound(f"no call with id {call_id}")
    return call


async def lock_call(session: AsyncSession, call_id: uuid.UUID) -> Call:
    """The call locked for the transaction (the first lock of the ACD's order); NotFound."""
    call = await session.scalar(
        select(Call)
        .where(Call.id == call_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if call is None:
        raise NotFound(f"no call with id {call_id}")
    return call


def call_out(call: Call, aml: AmlMessage | None = None, *, now: datetime | None = None) -> CallOut:
    """The API view of a call, with its latest AML location when one is given."""
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
        caller_address=call.caller_address,
        imei=call.imei,
        conversation_id=call.conversation_id,
        language=call.language,
        location=point,
        text=call.text,
        subject=call.subject,
        status=CallStatus(call.status),
        queue=call.queue,
        operator=call.operator,
        offered_at=call.offered_at,
        answered_at=call.answered_at,
        ended_at=call.ended_at,
        talk_seconds=call.talk_seconds,
        media_url=call.media_url,
        timeline_complete=call.timeline_complete,
        last_message_at=call.last_message_at,
        created_at=call.created_at,
        aml=aml_service.proposal(aml, now=now) if aml is not None else None,
    )
