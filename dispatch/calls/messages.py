"""SMS and e-mail conversations: messages in from the caller, replies out through the gateway.

A text message is posted like a call (``POST /api/v1/calls``). It joins an open conversation
instead of starting a new call when

- it names the ``conversation_id`` of a call of its channel that is not final, or else
- it comes from the same caller (number normalised, or e-mail address) on the same channel as
  a call that is not final and whose last message is at most the conversation window old
  (``DISPATCH_CONVERSATION_WINDOW_MINUTES``, 30 by default).

A message whose ``message_id`` was stored before is a gateway retry and is not stored twice.
A message may carry files (an MMS, an e-mail's attachments: ``attachments`` of
``{media_type, filename, content_base64}``, a photo alone needing no text): each is stored
against the call by ``dispatch.attachments`` or refused on its own, and the answer to the
gateway lists what became of each (``CallOut.attachments``); the message is kept either way.
An operator's reply is stored and handed to the gateway as a ``send_text`` command.

A message that joins no open conversation may be taken by a ``TextIntake`` before it opens a
new call: the app hands ``create_call`` the one of the surveys capability (an answer to a
survey is recorded there against the surveyed call, never queued for an operator). The intake
decides what is safely its own; anything else opens a call as before.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cardschema import Channel
from dispatch.audit import service as audit
from dispatch.auth.roles import Role
from dispatch.calls import events
from dispatch.calls.gateway import service as gateway
from dispatch.calls.lifecycle import FINAL
from dispatch.calls.models import Call, CallMessage
from dispatch.calls.numbers import address_key, normalise_number
from dispatch.calls.schemas import CallCreate, MessageIn, MessageOut
from dispatch.core.actor import Actor
from dispatch.core.bus import emit
from dispatch.errors import Conflict, Invalid, NotFound, PermissionDenied

TEXT_CHANNELS = frozenset({Channel.SMS, Channel.EMAIL})
IN, OUT = "in", "out"
_OPEN = Call.status.not_in([status.value for status in FINAL])


class TextIntake(Protocol):
    """Takes a text message that joins no open conversation, or leaves it to open a call."""

    async def __call__(
        self, session: AsyncSession, actor: Actor, data: CallCreate, *, now: datetime
    ) -> uuid.UUID | None:
        """The call the message was recorded against, or None to open a new call with it."""
        ...


async def find_repeat(session: AsyncSession, data: CallCreate) -> Call | None:
    """The call already holding the message ``data.message_id`` (a gateway retry), if any."""
    if data.message_id is None:
        return None
    return await session.scalar(
        select(Call)
        .join(CallMessage, CallMessage.call_id == Call.id)
        .where(CallMessage.external_id == data.message_id, Call.channel == data.channel.value)
        .limit(1)
    )


async def find_conversation(
    session: AsyncSession, data: CallCreate, *, now: datetime, window: timedelta
) -> Call | None:
    """The open conversation a new text message belongs to, if any (see module docstring)."""
    query = select(Call).where(Call.channel == data.channel.value, _OPEN)
    if data.conversation_id is not None:
        query = query.where(Call.conversation_id == data.conversation_id)
    else:
        number = normalise_number(data.caller_number)
        address = address_key(data.caller_address)
        if number is not None:
            query = query.where(Call.caller_key == number)
        elif address is not None:
            query = query.where(Call.caller_address == address)
        else:
            return None  # an anonymous message cannot be told apart from a new one
        query = query.where(Call.last_message_at >= now - window)
    return await session.scalar(
        query.order_by(Call.created_at.desc()).limit(1).with_for_update(key_share=True)
    )


def add_first_message(
    session: AsyncSession, call: Call, data: CallCreate, *, now: datetime
) -> None:
    """Store the message that opened a text call."""
    session.add(_incoming(call, data, now=now))
    call.last_message_at = now


async def append_incoming(
    session: AsyncSession, actor: Actor, call: Call, data: CallCreate, *, now: datetime
) -> CallMessage:
    """Add a later message from the caller to the open conversation ``call``."""
    message = _incoming(call, data, now=now)
    session.add(message)
    call.last_message_at = now
    await audit.record(
        session,
        actor,
        "call.message",
        "call",
        str(call.id),
        {"message_id": str(message.id)},
        at=now,
    )
    emit(
        session,
        events.MESSAGE_RECEIVED,
        events.MessageMoved(call_id=str(call.id), message_id=str(message.id), channel=call.channel),
    )
    return message


def _incoming(call: Call, data: CallCreate, *, now: datetime) -> CallMessage:
    return CallMessage(
        id=uuid.uuid4(),
        call_id=call.id,
        direction=IN,
        text=data.text or "",
        subject=data.subject,
        at=now,
        author=data.caller_number or address_key(data.caller_address) or "caller",
        external_id=data.message_id,
    )


async def reply(
    session: AsyncSession, actor: Actor, call_id: uuid.UUID, data: MessageIn, *, now: datetime
) -> CallMessage:
    """Store an operator's reply and queue it for the gateway as a ``send_text`` command."""
    call = await session.scalar(
        select(Call)
        .where(Call.id == call_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    if call is None:
        raise NotFound(f"no call with id {call_id}")
    if call.channel not in TEXT_CHANNELS:
        raise Conflict(f"call {call_id} is a {call.channel} call; replies go by SMS or e-mail")
    if call.status in FINAL:
        raise Conflict(
            f"the conversation of call {call_id} is {call.status}; the caller's next message "
            "opens a new one"
        )
    if actor.role == Role.OPERATOR and call.operator not in (None, actor.username):
        raise PermissionDenied(
            f"call {call_id} is handled by {call.operator}; ask a supervisor to take it over"
        )
    to = call.caller_number if call.channel == Channel.SMS else call.caller_address
    if to is None:
        raise Conflict(f"call {call_id} has no number or address to reply to (withheld)")
    subject = data.subject
    if call.channel == Channel.SMS and subject is not None:
        raise Invalid("subject: an SMS has no subject")
    if call.channel == Channel.EMAIL and subject is None and call.subject:
        subject = call.subject if call.subject.lower().startswith("re:") else f"Re: {call.subject}"
    message_id = uuid.uuid4()
    command = await gateway.enqueue_command(
        session,
        gateway.CommandType.SEND_TEXT,
        call.id,
        operator=actor.username,
        payload={
            "channel": call.channel,
            "to": to,
            "text": data.text,
            "subject": subject,
            "message_id": str(message_id),
        },
        now=now,
        actor=actor,
    )
    message = CallMessage(
        id=message_id,
        call_id=call.id,
        direction=OUT,
        text=data.text,
        subject=subject,
        at=now,
        author=actor.username,
        command_id=command.command_id,
    )
    session.add(message)
    call.last_message_at = now
    await audit.record(
        session, actor, "call.reply", "call", str(call.id), {"message_id": str(message.id)}, at=now
    )
    emit(
        session,
        events.MESSAGE_SENT,
        events.MessageMoved(call_id=str(call.id), message_id=str(message.id), channel=call.channel),
    )
    return message


async def list_messages(session: AsyncSession, call_id: uuid.UUID) -> list[MessageOut]:
    """The conversation of a call, oldest first, with each reply's delivery status."""
    if await session.get(Call, call_id) is None:
        raise NotFound(f"no call with id {call_id}")
    rows = list(
        (
            await session.scalars(
                select(CallMessage).where(CallMessage.call_id == call_id).order_by(CallMessage.at)
            )
        ).all()
    )
    delivery = await gateway.statuses(session, [m.command_id for m in rows if m.command_id])
    return [message_out(m, delivery.get(m.command_id) if m.command_id else None) for m in rows]


def message_out(message: CallMessage, delivery: str | None = None) -> MessageOut:
    """The API view of a message."""
    return MessageOut(
        id=message.id,
        call_id=message.call_id,
        direction=message.direction,
        text=message.text,
        subject=message.subject,
        at=message.at,
        author=message.author,
        command_id=message.command_id,
        delivery=delivery,
    )
