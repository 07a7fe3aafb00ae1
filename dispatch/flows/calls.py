"""A call's steps that move the ACD and the callbacks, in the transaction that records them.

- ``take_call`` — a gateway's new call (or message): ``calls.service.create_call`` with the
  ACD's queue choice (``queues.intake.enter_queue``).
- ``follow_call`` — after a call's event, the call row locked: the ACD brings the queue entry,
  offer and operators in line (``queues.sync.call_changed``); a dropped or abandoned call that
  ended from its queue gets a callback task due at once, preferring the operator who had it
  (``callbacks.tasks.on_call_ended``); a first answer settles the caller's pending callbacks
  (``callbacks.tasks.on_call_answered``).
- ``record_call_event`` — a gateway's event: ``calls.timeline.record_event`` followed by
  ``follow_call``.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from dispatch.attachments import service as attachments
from dispatch.attachments.schemas import AttachmentReceipt
from dispatch.callbacks import tasks as callbacks
from dispatch.calls import messages, service, timeline
from dispatch.calls.schemas import CallCreate, EventIn, EventOut
from dispatch.core.actor import Actor
from dispatch.queues import intake, sync

if TYPE_CHECKING:  # the rows the calls' functions return and hand in; flows never write them
    from dispatch.calls.models import AmlMessage, Call


async def take_call(
    session: AsyncSession,
    actor: Actor,
    data: CallCreate,
    *,
    now: datetime,
    conversation_window: timedelta = service.CONVERSATION_WINDOW,
    aml_window: timedelta = service.AML_MATCH_WINDOW,
    files: attachments.Policy | None = None,
    intake_of_texts: messages.TextIntake | None = None,
) -> tuple[Call, bool, AmlMessage | None, list[AttachmentReceipt]]:
    """``calls.service.create_call``, a new call entering the queue the ACD chooses."""
    return await service.create_call(
        session,
        actor,
        data,
        admit=intake.enter_queue,
        now=now,
        conversation_window=conversation_window,
        aml_window=aml_window,
        files=files,
        intake=intake_of_texts,
    )


async def follow_call(session: AsyncSession, actor: Actor, call: Call, *, now: datetime) -> None:
    """The ACD and the callbacks follow the call's new state (``calls.timeline.Follow``)."""
    followed = await sync.call_changed(session, actor, call, now=now)
    if followed.ended:
        await callbacks.on_call_ended(
            session, actor, call, operator=followed.operator, queue=followed.queue, now=now
        )
    elif followed.first_answer:
        await callbacks.on_call_answered(session, call, now=now)


async def record_call_event(
    session: AsyncSession, actor: Actor, call_id: uuid.UUID, data: EventIn, *, now: datetime
) -> tuple[EventOut, bool]:
    """``calls.timeline.record_event`` with ``follow_call``: (answer, stored)."""
    return await timeline.record_event(session, actor, call_id, data, follow=follow_call, now=now)
